"""The neutral entry point: one update, one transaction, the replies to send back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from handlers import commands as cmd
from handlers import (
    join,
    link,
    me,
    nothing,
    notices,
    outgoing,
    pending,
    progress,
    report,
    team,
    texts,
    texts_indicators,
    web,
)  # fmt: skip
from handlers.context import Ctx, IndicatorCache, UserError
from handlers.folding import fold
from handlers.permissions import at_least
from handlers.types import Clock, Incoming, Outcome, Reply, Rules
from storage.db import Database, is_transient
from storage.models import Role, utcnow

log = logging.getLogger(__name__)
SEEN_PRECISION = timedelta(hours=1)
DB_ATTEMPTS = 4  # a busy or locked database: tried again after 0.1, 0.3, 0.9 s
DB_BACKOFF = 0.1

Handler = Callable[[Ctx, str], Awaitable[Reply]]

# Command -> (handler, the lowest role that may use it). Each handler also checks that
# the unit it is asked about is inside the person's subtree.
COMMANDS: dict[str, tuple[Handler, Role]] = {
    "bc": (report.submit_report, Role.member),
    "baocao": (report.submit_report, Role.member),
    "report": (report.submit_report, Role.member),
    "huy": (report.undo, Role.member),
    "sua": (report.correct, Role.member),
    "khongphatsinh": (nothing.declare, Role.member),
    "toi": (me.my_totals, Role.member),
    "chitieu": (progress.targets, Role.member),
    "tiendo": (progress.progress, Role.village_lead),
    "chuabaocao": (progress.not_reported, Role.village_lead),
    "thanhvien": (team.members, Role.village_lead),
    "khoa": (team.deactivate, Role.village_lead),
    "mokhoa": (team.reactivate, Role.village_lead),
    "vaitro": (team.change_role, Role.village_lead),
    "moi": (team.invite, Role.village_lead),
    "xuat": (progress.export, Role.commune_leader),
    "vang": (notices.away, Role.member),
    "tonghop": (notices.tally_now, Role.village_lead),
    "ganhom": (notices.bind_group, Role.village_lead),
    "thongbao": (notices.notice, Role.commune_leader),
    "huythongbao": (notices.stop_notice, Role.commune_leader),
    "web": (web.web_link, Role.member),
}
HELP_ORDER = [
    "bc", "vneid", "huy", "sua", "khongphatsinh", "toi", "chitieu", "tiendo", "chuabaocao",
    "thanhvien", "khoa", "mokhoa", "vaitro", "moi", "xuat", "lienket", "vang", "tonghop",
    "ganhom", "thongbao", "huythongbao", "web", "help",
]  # fmt: skip


async def _help(ctx: Ctx, _args: str) -> Reply:
    role = ctx.member.role if ctx.member else Role.member
    usable = [c for c in HELP_ORDER if c not in COMMANDS or at_least(role, COMMANDS[c][1])]
    shortcuts = texts_indicators.shortcut_help(await ctx.labels())  # indicators in use
    return Reply(
        texts.help_text(
            usable, role, private=not ctx.msg.is_group, today=ctx.today, shortcuts=shortcuts
        )
    )


async def _confirm_typed(ctx: Ctx, args: str) -> Reply:
    """`/xacnhan 12` sends notice 12; `/xacnhan khoa 12` locks member 12; `/xacnhan CODE`
    records a held report or a whole day's undo (codes are never all digits)."""
    first, _, rest = args.strip().partition(" ")
    if fold(first) == "khoa":
        return await team.confirm_lock(ctx, f"{team.LOCK_ACTION}:ok:{rest.strip()}")
    if not args.strip().isdigit():
        return await pending.confirm(ctx, args)
    return await notices.confirm(ctx, f"bcast:ok:{args.strip()}")


async def _start(ctx: Ctx, args: str) -> Reply:
    if args.strip():
        return await join.join(ctx, args)
    return await _help(ctx, "") if ctx.member else Reply(texts.STRANGER)


class Handlers:
    def __init__(self, db: Database, *, clock: Clock, rules: Rules | None = None) -> None:
        self.db = db
        self.clock = clock
        self.rules = rules or Rules()
        self.indicators = IndicatorCache()

    async def handle(self, msg: Incoming) -> Outcome:
        """Decide and store in one transaction; an exception leaves nothing behind.

        The replies are queued in the outbox in the same transaction (`Outcome.queued`,
        for the caller to deliver after the commit). A key seen before decides nothing
        again; its replies that are still pending come back in `queued` (to be delivered,
        not repeated). A refusal (UserError) keeps the key and its reply but rolls back
        everything else.
        """
        command = cmd.parse_command(msg)
        if command is None:
            return Outcome()
        for attempt in range(1, DB_ATTEMPTS + 1):
            try:
                return await self._handle_once(msg, command)
            except Exception as err:
                if attempt == DB_ATTEMPTS or not is_transient(err):
                    raise
                # Busy or locked: the transaction rolled back whole, so trying again
                # cannot count anything twice.
                log.warning("update %s met a busy database (attempt %d)", msg.key, attempt)
                await asyncio.sleep(DB_BACKOFF * 3 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _handle_once(self, msg: Incoming, command: cmd.Command) -> Outcome:
        async with self.db.transaction() as store:
            if not await store.claim_update(msg.key):
                pending = await store.outbox.claim_replies(outgoing.key_prefix(msg.key), utcnow())
                return Outcome(duplicate=True, queued=pending)
            ctx = Ctx(
                msg=msg, store=store, now=self.clock(), rules=self.rules, cache=self.indicators
            )
            try:
                async with store.savepoint():
                    reply = await self._route(ctx, command)
            except UserError as refusal:
                reply = Reply(refusal.html, notice=command.name == cmd.BUTTON)
            replies = [reply] if reply else []
            queued = await outgoing.queue(store, msg, replies)
        return Outcome(replies, queued=queued)

    async def _route(self, ctx: Ctx, command: cmd.Command) -> Reply | None:
        name, args = command.name, command.args
        if name == cmd.JOINED:
            return Reply(texts.GROUP_GREETING)
        if name == cmd.EDITED:
            return Reply(texts.EDITED)
        if name == cmd.NOT_TEXT:
            return Reply(texts.NOT_TEXT)
        await self._identify(ctx)
        if name in ("start", "thamgia"):
            return await (_start if name == "start" else join.join)(ctx, args)
        if name == "lienket":
            return await link.link(ctx, args)
        if name in ("help", "trogiup"):
            return await _help(ctx, args)
        pressed = name == cmd.BUTTON  # a button press is answered with a toast
        if ctx.member is None:
            return Reply(texts.STRANGER, notice=pressed)
        if not ctx.member.active:
            return Reply(texts.INACTIVE, notice=pressed)
        if name == cmd.BUTTON:
            if args.startswith("bcast:"):
                return await notices.confirm(ctx, args)
            if args.startswith(f"{team.LOCK_ACTION}:"):
                return await team.confirm_lock(ctx, args)
            if args.startswith(("confirm:", "drop:")):
                return await pending.press(ctx, args)
            return await report.button(ctx, args)
        if name == "xacnhan":  # the typed twin of a confirm button (no buttons on Zalo)
            return await _confirm_typed(ctx, args)
        if name in COMMANDS:
            handler, needed = COMMANDS[name]
            if not at_least(ctx.member.role, needed):
                return Reply(texts.not_allowed(needed))
            return await handler(ctx, args)
        if name in (await ctx.vocabulary()).codes:
            return await report.shortcut(ctx, name, args)
        return Reply(texts.unknown_command(name))

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
