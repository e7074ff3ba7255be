"""Events of the notify service.

A notification is one message to one recipient on one channel, caused by one event of
another service. Recipients appear as addresses, never as contact data: `member:<id>`,
`account:<id>`, `role:community_admin@community:<id>`, `role:subdistrict_admin`,
`robot:<id>` (a WeChat Work group robot), `webhook:<id>` (an integrator's endpoint).
"""

from datetime import datetime

from pydantic import Field

from shared.contracts.catalogue import EventData, event

CHANNELS_DOC = "inbox, wecom_robot, email, sms, webhook"


@event("notify", "notification", "sent", version=1)
class NotificationSent(EventData):
    """A notification was delivered on one channel (the in-app inbox counts as delivered).
    Exactly one per (cause event, recipient, channel), however often the cause arrives."""

    notification_id: str
    channel: str = Field(description=CHANNELS_DOC)
    audience: str = Field(description="the recipient, e.g. member:m1 or role:community_admin@…")
    cause_event_id: str = Field(description="id of the event that caused it")
    cause_event_type: str = Field(
        description="its CloudEvents type, e.g. cn.redvest.requests.request.created.v1"
    )
    sent_at: datetime
    attempts: int = Field(default=1, ge=1, description="1 when the first try succeeded")
    digest: bool = Field(default=False, description="sent inside a daily digest")


@event("notify", "notification", "failed", version=1)
class NotificationFailed(EventData):
    """A notification is dead: every attempt failed (or the channel refused it for good).
    It stays visible to admins, who may retry it."""

    notification_id: str
    channel: str = Field(description=CHANNELS_DOC)
    audience: str
    cause_event_id: str
    cause_event_type: str = Field(description="its CloudEvents type")
    attempts: int = Field(ge=1)
    error: str = Field(description="the last error, as the channel reported it")
    failed_at: datetime


@event("notify", "notice", "posted", version=1)
class NoticePosted(EventData):
    """Staff posted a notice to one building's, compound's or community's residents, or to a
    team (停水通知, a meeting). Notify fans it out like any other event, by its rule."""

    notice_id: str
    community_id: str
    scope: str = Field(description="building:<id>, compound:<id>, community:<id> or team:<id>")
    priority: str = Field(description="urgent goes through quiet hours; low may wait for digests")
    title_zh: str
    body_zh: str
    title_en: str
    body_en: str
    posted_by: str | None = None
