"""Secrets never reach the logs, stderr or the database.

`scrub` is the one function that blanks them: the configured secrets (whatever their length,
longest first) and any Bot API URL's `/bot<TOKEN>` segment (aiohttp and httpx put the request
URL into their error messages). The logging filter and the delivery worker's stored errors
both go through it.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable

MASK = "***"
# /bot<TOKEN>/method in a Bot API URL (Telegram, Zalo, a local Bot API server)
_BOT_URL_TOKEN = re.compile(r"(/bot)[^/\s'\"<>]+(?=/)")

_registered: list[str] = []


def register_secrets(secrets: Iterable[str]) -> None:
    """Make `scrub` blank these too (the composition root calls this once, at start-up)."""
    known = set(_registered) | {s for s in secrets if s}
    _registered[:] = sorted(known, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without any secret: the registered ones, `secrets`, and Bot API URL tokens."""
    extra = [s for s in secrets if s]
    for secret in sorted({*_registered, *extra}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _BOT_URL_TOKEN.sub(rf"\g<1>{MASK}", text)


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        return scrub(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def redact_logs(secrets: Iterable[str]) -> None:
    """Register the secrets for `scrub`, and attach the filter to every handler of the root
    logger (set up logging first). Warnings, errors in threads and exceptions Python can
    only report ("Exception ignored in ...") go through logging as well, not straight to
    stderr."""
    values = list(secrets)
    register_secrets(values)
    secret_filter = RedactSecrets(values)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    logging.captureWarnings(True)
    threading.excepthook = _thread_failed
    sys.unraisablehook = _unraisable


def _thread_failed(args: threading.ExceptHookArgs) -> None:
    error = (args.exc_type, args.exc_value, args.exc_traceback)
    logging.getLogger("bot").error("thread %s failed", args.thread, exc_info=error)  # type: ignore[arg-type]


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    error = (unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback)
    message = unraisable.err_msg or "Exception ignored in"
    logging.getLogger("bot").error("%s: %r", message, unraisable.object, exc_info=error)  # type: ignore[arg-type]
