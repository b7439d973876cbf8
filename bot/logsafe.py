"""Secrets never reach the logs: a filter that blanks them out of every record."""

from __future__ import annotations

import logging
from collections.abc import Iterable


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self._clean(record.getMessage())
            record.args = None
            if record.exc_info:
                record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


def redact_logs(secrets: Iterable[str]) -> None:
    """Attach the filter to every handler of the root logger (set up logging first)."""
    secret_filter = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
