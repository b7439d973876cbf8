"""The neutral entry point: one update, one transaction, the replies to send back."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers import commands as cmd
from handlers import (
    notices,
    nudge,
    outgoing,
    pending,
    registry,
    report,
    team,
    texts,
    texts_help,
    texts_join,
    texts_report,
)
from handlers.context import Ctx, IndicatorCache, UserError
from handlers.types import Clock, Incoming, MenuChange, Outcome, Reply, Rules
from storage.db import Database, is_transient
from storage.models import utcnow
from storage.retry import RetryPolicy
from storage.store import Store

log = logging.getLogger(__name__)
SEEN_PRECISION = timedelta(hours=1)
# A busy or locked database: the update is tried again after about 0.1, 0.3, 0.9 s (the
# composition root builds the shipped policy; this is the default for a bare Handlers).
BUSY_DATABASE = RetryPolicy(attempts=4, base=0.1, factor=3.0, cap=2.0)


async def _menu_changes(ctx: Ctx) -> list[MenuChange]:
    """The private chats of the members whose role this update changed, with that role."""
    ids = [m.id for m in ctx.role_changed if m.id is not None]
    if not ids:
        return []
    chats = await ctx.store.members.chat_roles(ids)
    return [MenuChange(platform, chat, role) for platform, chat, role in chats]


class Handlers:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        rules: Rules | None = None,
        retry: RetryPolicy = BUSY_DATABASE,
    ) -> None:
        self.db = db
        self.clock = clock
        self.rules = rules or Rules()
        self.retry = retry  # the only layer that tries an update's transaction again
        self.indicators = IndicatorCache()

    async def handle(self, msg: Incoming) -> Outcome:
        """Decide and store in one transaction; an exception leaves nothing behind.

        The replies are queued in the outbox in the same transaction (`Outcome.queued`,
        for the caller to deliver after the commit). A key seen before decides nothing
        again; its replies that are still pending come back in `queued` (to be delivered,
        not repeated). A refusal (UserError) keeps the key and its reply but rolls back
        everything else (the whole transaction; the key and the reply are then written
        in a second one).

        A busy or locked database (`is_transient`) is tried again by `retry`: the
        transaction rolled back whole, so trying again cannot count anything twice. This is
        the one layer that retries an update; the channels above do not (they apologise).
        """
        command = cmd.parse_command(msg)
        if command is None:
            return Outcome()
        return await self.retry.run(
            lambda: self._handle_once(msg, command),
            retry_if=is_transient,
            what=f"update {msg.key} met a busy database",
            logger=log,
        )

    async def _handle_once(self, msg: Incoming, command: cmd.Command) -> Outcome:
        async with self.db.transaction() as store:
            if not await store.claim_update(msg.key):
                return await self._duplicate(store, msg, command)
            ctx = Ctx(
                msg=msg, store=store, now=self.clock(), rules=self.rules, cache=self.indicators
            )
            try:
                reply = await self._route(ctx, command)
                menus = await _menu_changes(ctx)
            except UserError as refusal:
                refused = Reply(refusal.html, notice=command.name == cmd.BUTTON)
            else:
                replies = [reply] if reply else []
                queued = await outgoing.queue(store, msg, replies)
                await store.commit()
                return Outcome(replies, queued=queued, menus=menus, kind=command.name)
        # A refusal: everything the handler wrote was rolled back with its transaction (no
        # savepoint around every update: two statements fewer on each of them). The key and
        # the refusal are kept in a transaction of their own; if another delivery of the
        # update claimed the key in between, that one's answer stands.
        async with self.db.transaction() as store:
            if not await store.claim_update(msg.key):
                return await self._duplicate(store, msg, command)
            queued = await outgoing.queue(store, msg, [refused])
            await store.commit()
        return Outcome([refused], queued=queued, kind=command.name, refused=True)

    async def _duplicate(self, store: Store, msg: Incoming, command: cmd.Command) -> Outcome:
        """A key seen before: only its replies still pending, claimed to be sent."""
        pending = await store.outbox.claim_replies(outgoing.key_prefix(msg.key), utcnow())
        await store.commit()
        return Outcome(duplicate=True, queued=pending, kind=command.name)

    async def _route(self, ctx: Ctx, command: cmd.Command) -> Reply | None:
        name, args = command.name, command.args
        if name == cmd.JOINED:
            return Reply(texts_help.group_greeting(await ctx.labels()))
        if name == cmd.EDITED:
            return Reply(texts_report.edited(await ctx.labels()))
        if name == cmd.NOT_TEXT:
            return Reply(texts_report.not_text(await ctx.labels()))
        await self._identify(ctx)
        declared = registry.BY_NAME.get(name)
        if declared is not None and declared.who is registry.Who.anyone:
            return await declared.handler(ctx, args)
        pressed = name == cmd.BUTTON  # a button press is answered with a toast
        if ctx.member is None:
            return Reply(texts_join.STRANGER, notice=pressed)
        if not ctx.member.active:
            return Reply(texts_join.INACTIVE, notice=pressed)
        if name == cmd.BUTTON:
            if args.startswith("bcast:"):
                return await notices.confirm(ctx, args)
            if args.startswith(f"{team.LOCK_ACTION}:"):
                return await team.confirm_lock(ctx, args)
            if args.startswith(("confirm:", "drop:")):
                return await pending.press(ctx, args)
            if args.startswith(f"{nudge.ACTION}:"):
                return await nudge.press(ctx, args)
            return await report.button(ctx, args)
        if declared is not None:
            if not declared.allows(ctx.member.role):
                return Reply(texts.not_allowed(declared.min_role))
            return await declared.handler(ctx, args)
        if name in (await ctx.vocabulary()).codes:
            return await report.shortcut(ctx, name, args)
        return Reply(texts_help.unknown_command(name))

    async def _identify(self, ctx: Ctx) -> None:
        msg, members = ctx.msg, ctx.store.members
        found = await members.lookup(msg.platform, msg.user_id)
        if found is None:
            return
        identity, ctx.member, ctx.unit = found
        if not msg.is_group and identity.private_chat_id != msg.chat_id:
            identity.private_chat_id = msg.chat_id  # where reminders will reach them
        seen = identity.last_seen_at
        if seen is None or ctx.now - seen > SEEN_PRECISION:
            # Some platforms (Zalo OA) only let the bot write within a window after the
            # person's last message; kept to the hour, not written on every update.
            identity.last_seen_at = ctx.now
