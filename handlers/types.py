"""The neutral shapes a channel adapter speaks: no platform library here."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from storage.cleaning import clean_name, clean_text
from storage.models import OutboxMessage, Role


class Kind(enum.StrEnum):
    text = "text"  # a new text message
    edited = "edited"  # an edited text message
    button = "button"  # an inline button was pressed; `text` holds its action
    joined_group = "joined_group"  # the bot was added to a group
    other = "other"  # a photo, sticker, ... without text


@dataclass(frozen=True)
class Incoming:
    """One update from any channel. `key` is unique per platform update (de-duplication)."""

    key: str
    platform: str
    chat_id: str
    user_id: str
    text: str = ""
    kind: Kind = Kind.text
    is_group: bool = False
    display_name: str = ""
    chat_title: str = ""
    message_id: str = ""
    bot_username: str = ""  # so "/bc@ThisBot" is ours and "/bc@OtherBot" is not
    # Whether the sender administers this group, as the platform says (asked by the
    # adapter before handling, for the commands that need it); None: cannot tell.
    sender_is_admin: bool | None = None

    def __post_init__(self) -> None:
        # Control characters carry nothing a person meant, and NUL cannot be stored in
        # PostgreSQL text at all: they go at the door, before anything reads or stores.
        # Names also lose direction overrides and line breaks (storage.cleaning).
        object.__setattr__(self, "text", clean_text(self.text))
        for name in ("display_name", "chat_title"):
            object.__setattr__(self, name, clean_name(getattr(self, name)))


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # short ASCII, e.g. "undo:ABC123": fits Telegram's 64-byte callback_data


@dataclass(frozen=True)
class File:
    """A picture or a document sent along with a reply (a QR code, an Excel export)."""

    name: str
    data: bytes
    photo: bool = False  # shown as a picture, else sent as a document


@dataclass(frozen=True)
class Reply:
    """What to send back. `html` uses <b>, <i>, <code> only; user text is already escaped."""

    html: str
    buttons: tuple[Button, ...] = ()
    notice: bool = False  # an answer to a button press: a short toast where the channel can
    files: tuple[File, ...] = ()
    clear_buttons: bool = False  # the pressed button did its work: remove the message's buttons


@dataclass(frozen=True)
class Rules:
    """Settings the handlers obey (from the bot's settings)."""

    per_entry_cap: int = 500
    grace_days: int = 5  # a month stays open this many days into the next one
    reports_per_minute: int = 10  # per person; past it: refused, nothing recorded
    daily_limit: int = 200  # per person, indicator and day; above it: asked to confirm
    web_base_url: str = "http://127.0.0.1:8080"  # where `/web` links point
    web_link_minutes: int = 10  # a `/web` link works once, this long


Clock = Callable[[], datetime]


@dataclass
class Outcome:
    """What an update came to. `replies` is what was decided (a channel reads toasts and
    `clear_buttons` from it); `queued` holds the replies stored in the update's transaction,
    claimed for the caller to deliver once it has committed (never sent from `replies`)."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False  # the update was processed before: nothing decided again
    queued: list[OutboxMessage] = field(default_factory=list)
    # Private chats whose command menu should now be their member's role's (the channel
    # sets them after the commit: no platform call inside the transaction).
    menus: list[MenuChange] = field(default_factory=list)
    kind: str = ""  # the command it was routed as (metrics); "" when it was no command
    refused: bool = False  # answered with a refusal (UserError): nothing else was kept


@dataclass(frozen=True)
class MenuChange:
    platform: str
    chat_id: str
    role: Role


@dataclass(frozen=True)
class Problem:
    """Why a change is refused: a kind and its parameters (texts_indicators words it)."""

    kind: str
    params: dict[str, str] = field(default_factory=dict)
