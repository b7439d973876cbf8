"""The console channel: a terminal chat through the very same handlers and storage.

Replies take the same road as on Telegram: queued with the update, printed by the
`ConsoleChannel` through the delivery worker's fast path (once: the row is marked sent).
Only the toast of a pressed button is printed directly.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.console import Console

from bot.compose import Runtime
from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.render import html_to_plain
from handlers.outgoing import reply_of
from handlers.texts import EXAMPLE
from handlers.types import Button, Incoming, Kind, Reply
from storage.models import OutboxMessage
from storage.outbox import REPLY

PLATFORM = "console"
FILES_DIR = Path("data/console-files")

# What the console itself says (Vietnamese, plain text: a terminal shows no HTML).
BYE = "Tạm biệt!"
NO_SUCH_BUTTON = "Không có nút số này."


def console_notice(chat: str) -> str:
    return f"tin gửi tới {chat}"


def console_file_saved(path: str) -> str:
    return f"  [tệp đính kèm đã lưu: {path}]"


def console_banner(who: str, invites: Iterable[tuple[str, str]], has_token: bool) -> str:
    lines = [
        "cnsbot — kênh console (trò chuyện với bot ngay trong terminal).",
        f"Bạn đang là: {who}. Gõ tin nhắn rồi Enter; /help xem lệnh; !1 bấm nút; /thoat để thoát.",
        f"Thử: {EXAMPLE} · /toi · /huy · tt 3 hôm qua",
    ]
    invites = list(invites)
    if invites:
        lines.append("Mã mời demo (dùng với --as TÊN_MỚI rồi /thamgia MÃ):")
        lines += [f"  {code} — {unit}" for code, unit in invites]
    if not has_token:
        lines.append(
            "Chưa có TELEGRAM_BOT_TOKEN: đặt nó trong tệp .env (xem README) để chạy trên Telegram."
        )
    return "\n".join(lines)


class ConsoleChat:
    """One person's private chat with the bot. `!N` presses the N-th button of the last reply."""

    def __init__(
        self, runtime: Runtime, delivery: DeliveryWorker, user_id: str, display_name: str = ""
    ) -> None:
        self.runtime, self.delivery = runtime, delivery
        self.user_id = user_id
        self.display_name = display_name or user_id
        self.buttons: list[Button] = []

    def _incoming(self, text: str, kind: Kind) -> Incoming:
        return Incoming(
            key=f"{PLATFORM}:{uuid.uuid4().hex}",
            platform=PLATFORM,
            chat_id=self.user_id,
            user_id=self.user_id,
            text=text,
            kind=kind,
            display_name=self.display_name,
            message_id=uuid.uuid4().hex[:8],
        )

    async def send(self, text: str) -> list[Reply]:
        """Handle a line; the queued replies are printed (delivered) before this returns.
        Returns what is shown directly: a toast, or why a button number is wrong."""
        kind = Kind.text
        if text.startswith("!") and text[1:].isdigit():
            index = int(text[1:]) - 1
            if not 0 <= index < len(self.buttons):
                return [Reply(NO_SUCH_BUTTON)]
            text, kind = self.buttons[index].action, Kind.button
        outcome = await self.runtime.handlers.handle(self._incoming(text, kind))
        for reply in outcome.replies:
            if reply.buttons:
                self.buttons = list(reply.buttons)
        await self.delivery.deliver_now(outcome.queued)
        return [reply for reply in outcome.replies if reply.notice]


def show(console: Console, replies: list[Reply], files_dir: Path = FILES_DIR) -> None:
    for reply in replies:
        console.print(html_to_plain(reply.html), style="green", markup=False, highlight=False)
        for number, button in enumerate(reply.buttons, start=1):
            console.print(f"  [nút !{number}] {button.label}", style="cyan", markup=False)
        for file in reply.files:  # a terminal cannot show a picture: save it, say where
            files_dir.mkdir(parents=True, exist_ok=True)
            path = files_dir / Path(file.name).name
            path.write_bytes(file.data)
            console.print(console_file_saved(str(path)), style="cyan", markup=False)


async def repl(chat: ConsoleChat, banner: str, read: Callable[[str], str] = input) -> None:
    console = Console()
    console.print(banner, markup=False, highlight=False)
    while True:
        try:
            line = await asyncio.to_thread(read, "> ")
        except (EOFError, KeyboardInterrupt):
            console.print(BYE)
            return
        if line.strip() in ("/quit", "/exit", "/thoat"):
            console.print(BYE)
            return
        if line.strip():
            show(console, await chat.send(line))


class ConsoleChannel:
    """Notifications to console chats are printed (the demo's reminders and tallies)."""

    platform = PLATFORM
    limits = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()

    async def send(self, message: OutboxMessage) -> None:
        if message.kind == REPLY:
            show(self.console, [reply_of(message)])
            return
        self.console.print(
            f"\n[{console_notice(message.chat_id)}]\n{html_to_plain(message.html)}",
            style="yellow", markup=False, highlight=False,
        )  # fmt: skip

    async def show(self, chat_id: str, html: str, message_id: str) -> str:
        """Progress of a notice: a terminal cannot edit, so it prints each change."""
        self.console.print(html_to_plain(html), style="yellow", markup=False, highlight=False)
        return message_id or "console"
