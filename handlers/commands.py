"""From an incoming update to a command name and its arguments."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from handlers.folding import fold
from handlers.types import Incoming, Kind


@dataclass(frozen=True)
class Command:
    name: str  # folded, without slash or @mention: "bc", "huy", ...
    args: str = ""


# Pseudo-commands for updates that are not slash commands.
BARE_REPORT = "bc"
BUTTON = ":button"
EDITED = ":edited"
JOINED = ":joined"
NOT_TEXT = ":not_text"


def parse_command(msg: Incoming) -> Command | None:
    """None when the update is not for us (group chatter, another bot's command)."""
    text = msg.text.strip()
    if msg.kind is Kind.button:
        return Command(BUTTON, text)
    if msg.kind is Kind.joined_group:
        return Command(JOINED)
    if msg.kind is Kind.other:
        return None if msg.is_group else Command(NOT_TEXT)
    if not text.startswith("/"):
        if msg.is_group or not text:
            return None
        return Command(EDITED) if msg.kind is Kind.edited else Command(BARE_REPORT, text)
    head, _, args = text[1:].partition(" ")
    if "\n" in head:  # "/bc\nvneid 5"
        head, _, rest = head.partition("\n")
        args = f"{rest} {args}".strip()
    name, _, mention = head.partition("@")
    if mention and msg.bot_username and fold(mention) != fold(msg.bot_username):
        return None
    if msg.kind is Kind.edited:
        return Command(EDITED)
    return Command(fold(name), args.strip())


REPORT_COMMANDS = ("bc", "baocao", "report")


def shortcut_text(indicator: str, args: str) -> str:
    """`/vneid 5 hôm qua` is the report `vneid 5 hôm qua`."""
    return f"{indicator} {args}" if args else indicator


def report_text(command: Command, codes: Collection[str]) -> str | None:
    """The report a command carries (None: not a report). The chat and `cnsbot parse`
    both read a message through `parse_command` and this, so they cannot disagree."""
    if command.name in REPORT_COMMANDS:
        return command.args
    if command.name in codes:
        return shortcut_text(command.name, command.args)
    return None
