"""Events of the requests service (residents' requests and micro-wishes)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.contracts.catalogue import EventData, event
from shared.contracts.events.common import LocalizedText, Location

Channel = Literal["in_person", "phone", "wechat_group", "app", "via_volunteer"]
Urgency = Literal["normal", "urgent", "emergency"]


@event("requests", "request", "created", version=1)
class RequestCreated(EventData):
    """A resident's request (诉求) was recorded. Personal data is not carried: only ids."""

    request_id: str
    kind: str = Field(description="code from the catalogue of request kinds, e.g. repair")
    kind_name: LocalizedText | None = Field(
        default=None, description="the kind's display name, e.g. 维修 / Repair"
    )
    title: str
    location: Location
    channel: Channel
    urgency: Urgency
    submitted_at: datetime
    entered_by: str | None = Field(
        default=None, description="who entered it on the resident's behalf, if anyone"
    )
