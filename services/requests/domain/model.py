"""A resident's request: pure state and rules, no I/O."""

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from services.requests.domain import kinds as catalogue
from services.requests.domain.intake import Value, checked_extra
from services.requests.domain.privacy import mask_text
from shared.contracts.commands.requests import CreateRequest
from shared.contracts.events.common import LocalizedText, Location
from shared.contracts.events.requests import Channel, RequestCreated, Urgency

Status = Literal["submitted"]


class Resident(BaseModel):
    name: str | None = None
    phone: str | None = None
    member_id: str | None = None


class Request(BaseModel):
    id: str
    kind: str
    kind_name: LocalizedText
    title: str
    description: str
    location: Location
    channel: Channel
    urgency: Urgency
    status: Status
    resident: Resident
    entered_by: str | None
    submitted_at: datetime
    photo_refs: list[str]
    extra: dict[str, Value]
    # The deadline scheduler's marks (each set once; an extension or a reopen clears them).
    reminded_at: datetime | None = None
    overdue_at: datetime | None = None
    escalated_at: datetime | None = None


def submit(
    cmd: CreateRequest,
    *,
    request_id: str,
    now: datetime,
    kinds: Mapping[str, catalogue.Kind] = catalogue.DEFAULTS,
) -> tuple[Request, RequestCreated]:
    """Raises UnknownKind for a kind not in `kinds` (the catalogue), Invalid for extra fields
    the kind does not accept."""
    kind = catalogue.find(kinds, cmd.kind)
    request = Request(
        id=request_id,
        kind=cmd.kind,
        kind_name=kind.name,
        title=cmd.title,
        description=cmd.description,
        location=cmd.location,
        channel=cmd.channel,
        urgency=cmd.urgency,
        status="submitted",
        resident=Resident(
            name=cmd.resident_name, phone=cmd.resident_phone, member_id=cmd.resident_member_id
        ),
        entered_by=cmd.entered_by,
        submitted_at=now,
        photo_refs=list(cmd.photo_refs),
        extra=checked_extra(kind, cmd.extra),
    )
    shared = {"kind", "kind_name", "location", "channel", "urgency", "entered_by", "submitted_at"}
    created = RequestCreated(
        request_id=request.id,
        # The live feed and the inbox show the title: phone and ID numbers in it are masked.
        title=mask_text(request.title) or request.title,
        resident_member_id=request.resident.member_id,
        **request.model_dump(include=shared),
    )
    return request, created
