"""The composition root builds the shipped retry policies from the settings."""

from __future__ import annotations

from bot.compose import retries
from bot.settings import Settings


def test_the_shipped_policies_come_from_the_settings() -> None:
    shipped = retries(
        Settings(database_attempts=5, platform_attempts=2, delivery_max_attempts=9)  # type: ignore[call-arg]
    )
    assert shipped.database.attempts == 5 and shipped.database.cap <= 2.0
    assert shipped.platform.attempts == 2 and shipped.platform.cap == 30.0
    assert shipped.delivery.attempts == 9 and shipped.delivery.cap == 600.0
    assert shipped.zalo_polling.base == 2.0
    # A busy database is tried again within about a second; an outbox row within minutes.
    assert shipped.database.base == 0.1 and shipped.delivery.base == 2.0
