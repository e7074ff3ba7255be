"""A resident's request: pure state and rules, no I/O."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from services.requests.domain.kinds import kind_name
from services.requests.domain.privacy import mask_text
from shared.contracts.commands.requests import CreateRequest
from shared.contracts.events.common import Location
from shared.contracts.events.requests import Channel, RequestCreated, Urgency

Status = Literal["submitted"]


class Resident(BaseModel):
    name: str | None = None
    phone: str | None = None


class Request(BaseModel):
    id: str
    kind: str
    title: str
    description: str
    location: Location
    channel: Channel
    urgency: Urgency
    status: Status
    resident: Resident
    entered_by: str | None
    submitted_at: datetime


def submit(cmd: CreateRequest, *, request_id: str, now: datetime) -> tuple[Request, RequestCreated]:
    """Raises UnknownKind for a kind not in the catalogue."""
    kind_name(cmd.kind)
    request = Request(
        id=request_id,
        kind=cmd.kind,
        title=cmd.title,
        description=cmd.description,
        location=cmd.location,
        channel=cmd.channel,
        urgency=cmd.urgency,
        status="submitted",
        resident=Resident(name=cmd.resident_name, phone=cmd.resident_phone),
        entered_by=cmd.entered_by,
        submitted_at=now,
    )
    shared = {"kind", "location", "channel", "urgency", "entered_by", "submitted_at"}
    created = RequestCreated(
        request_id=request.id,
        kind_name=kind_name(cmd.kind),
        # The live feed and the inbox show the title: phone and ID numbers in it are masked.
        title=mask_text(request.title) or request.title,
        **request.model_dump(include=shared),
    )
    return request, created
