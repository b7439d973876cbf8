"""Telling a province's own system that a month was signed off or approved: an event
queued in the outbox (in the caller's transaction, so it exists exactly when the decision
does), sent by the delivery worker's webhook channel (bot.delivery.webhook), which signs
each attempt and retries like any other message.

The sign-off feature calls `notify_signoff` in the transaction that records the status.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from handlers.types import Rules
from storage.models import OutboxKind, Unit
from storage.store import Store

PLATFORM = "webhook"  # the delivery worker's channel for outbound webhooks
KIND = OutboxKind.webhook
CHAT = "signoff"  # one configured receiver (the setting API_WEBHOOK_URL)


class MonthEvent(StrEnum):
    signed_off = "signed_off"  # the commune signed its month off
    approved = "approved"  # the level above approved (locked) it
    returned = "returned"  # the level above sent it back with a reason
    reopened = "reopened"


def event_body(event_id: str, unit: Unit, month: str, event: MonthEvent, at: datetime) -> str:
    """The JSON body (fixed key order: the signature covers these exact bytes)."""
    body = {
        "id": event_id, "type": f"month.{event.value}", "unit_code": unit.code,
        "unit_name": unit.name, "level": unit.level.value, "month": month,
        "at": at.isoformat(),
    }  # fmt: skip
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


async def notify_signoff(
    store: Store, rules: Rules, unit: Unit, month: str, event: MonthEvent, at: datetime
) -> bool:
    """Queue the event for the configured receiver; False when no receiver is configured
    or the same event (unit, month, kind, moment) was queued before."""
    if not rules.webhook_enabled:
        return False
    event_id = f"{unit.code}:{month}:{event.value}:{at.isoformat()}"
    return await store.outbox.enqueue(
        f"webhook:{event_id}", kind=KIND, platform=PLATFORM, chat_id=CHAT,
        html=event_body(event_id, unit, month, event, at), not_before=at,
    )  # fmt: skip
