"""Tokens never appear in logs, even inside exceptions and formatted arguments."""

from __future__ import annotations

import io
import logging

from bot.logsafe import RedactSecrets
from bot.settings import Settings

TOKEN = "123456:AAE-very-secret-token"


def test_secrets_are_blanked_in_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([TOKEN, "hook-secret-0123456789"]))
    logger = logging.getLogger("test.logsafe")
    logger.addHandler(handler)
    try:
        logger.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("request failed with hook-secret-0123456789")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text and "hook-secret-0123456789" not in text
    # the message, the argument, the exception's text (and the URL in the source line shown)
    assert text.count("***") >= 3 and "RuntimeError: failed https://api.telegram.org/bot***/" in (
        text
    )


def test_settings_hide_the_token_and_list_the_secrets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = Settings()
    assert TOKEN not in repr(settings) and TOKEN in settings.secrets()
