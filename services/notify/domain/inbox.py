"""Inbox notifications: who hears of an event, and what they read. Pure, no I/O."""

from datetime import datetime

from pydantic import BaseModel

from shared.contracts.events.common import LocalizedText
from shared.contracts.events.requests import RequestCreated


class Message(BaseModel):
    title: str
    body: str


class Notification(BaseModel):
    id: str
    audience: str
    community_id: str | None
    channel: str = "inbox"
    priority: str
    cause_event_id: str
    cause_event_type: str
    zh: Message
    en: Message
    read: bool = False
    created_at: datetime


def community_admins(community_id: str) -> str:
    return f"role:community_admin@community:{community_id}"


def notification_id(cause_event_id: str, audience: str) -> str:
    """Deterministic, so a second delivery of the same event makes the same notification."""
    return f"{cause_event_id}:{audience}"


def for_request_created(
    event: RequestCreated, *, event_id: str, event_type: str, now: datetime
) -> list[Notification]:
    audience = community_admins(event.location.community_id)
    kind = event.kind_name or LocalizedText(zh=event.kind, en=event.kind)
    urgent = event.urgency != "normal"
    return [
        Notification(
            id=notification_id(event_id, audience),
            audience=audience,
            community_id=event.location.community_id,
            priority="urgent" if urgent else "normal",
            cause_event_id=event_id,
            cause_event_type=event_type,
            zh=Message(
                title=f"{'【紧急】' if urgent else ''}新诉求：{event.title}",
                body=f"社区收到一条新的居民诉求（{kind.zh}），请及时受理。",
            ),
            en=Message(
                title=f"{'[URGENT] ' if urgent else ''}New request: {event.title}",
                body=(f"A resident's request ({kind.en}) arrived; please accept it in time."),
            ),
            created_at=now,
        )
    ]
