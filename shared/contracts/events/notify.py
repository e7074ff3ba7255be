"""Events of the notify service."""

from datetime import datetime

from pydantic import Field

from shared.contracts.catalogue import EventData, event


@event("notify", "notification", "sent", version=1)
class NotificationSent(EventData):
    """A notification was delivered on one channel (the in-app inbox counts as delivered)."""

    notification_id: str
    channel: str = Field(description="inbox, wecom_robot, email, sms, webhook")
    audience: str = Field(description="who it was for, e.g. role:community_admin@community:c1")
    cause_event_id: str = Field(description="id of the event that caused it")
    cause_event_type: str
    sent_at: datetime
