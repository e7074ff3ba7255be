"""Inbox notifications: stored, both languages, read state per reader. Pure, no I/O."""

from datetime import datetime

from pydantic import BaseModel


class Message(BaseModel):
    title: str
    body: str


class Notification(BaseModel):
    """One inbox item for one address. An address may be shared (a community's admins): each
    reader's read state is theirs (`read_by` holds the account ids that read it)."""

    id: str
    audience: str
    community_id: str | None
    channel: str = "inbox"
    priority: str
    cause_event_id: str
    cause_event_type: str
    zh: Message
    en: Message
    read_by: list[str] = []
    proxy_for: str | None = None
    created_at: datetime


def notification_id(cause_event_id: str, audience: str) -> str:
    """Deterministic, so a second delivery of the same event makes the same notification."""
    return f"{cause_event_id}:{audience}"
