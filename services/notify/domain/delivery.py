"""A delivery: one notification to one recipient on one channel other than the inbox.

pending → sent, or pending → (failed attempt, back to pending with a later `due_at`) → …
→ dead after the last attempt; an admin's retry puts a dead one back to pending."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

DeliveryStatus = Literal["pending", "sent", "dead"]


def delivery_id(cause_event_id: str, recipient: str, channel: str) -> str:
    """Deterministic: the same event delivered many times makes one delivery per recipient
    and channel (a second insert of the id is refused by the store)."""
    return f"{cause_event_id}:{recipient}:{channel}"


class Attempt(BaseModel):
    at: datetime
    ok: bool
    error: str | None = None
    note: str | None = None  # e.g. "retried by user:a1"


class Delivery(BaseModel):
    id: str
    cause_event_id: str
    cause_event_type: str
    recipient: str
    community_id: str | None = None
    channel: str
    # The channel's own address: a robot id, an e-mail address, a mobile number, a webhook
    # id. Shown masked; never in an event.
    address: str
    language: str
    priority: str
    title: str
    body: str
    payload: dict[str, Any] = {}
    status: DeliveryStatus = "pending"
    due_at: datetime
    digest: bool = False
    attempts: int = 0
    history: list[Attempt] = []
    last_error: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    # A sender holds it until then; past it, another pass may take it (the sender died).
    claimed_until: datetime | None = None
