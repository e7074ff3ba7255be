"""Events of the requests service (residents' requests and micro-wishes)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalogue import EventData, event
from shared.contracts.events.common import LocalizedText, Location

Channel = Literal["in_person", "phone", "wechat_group", "app", "via_volunteer"]
Urgency = Literal["normal", "urgent", "emergency"]
# Who a request is dispatched to: a team, a volunteer (a member), or one of the compound's
# "3" (its party branch, owners' committee, property company), or the building head or grid
# worker (members holding that role).
HandlerType = Literal[
    "team",
    "volunteer",
    "party_branch",
    "owners_committee",
    "property_company",
    "building_head",
    "grid_worker",
]
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]
# How a request ended other than resolved-and-closed.
ClosedAs = Literal["closed", "duplicate", "not_responsible", "transferred", "cancelled"]


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
    resident_member_id: str | None = Field(
        default=None, description="the resident, when they are a registered member"
    )


class Handler(BaseModel):
    """Who handles a request: `id` is a team id, a member id, or the compound's id for one of
    its "3"; `name` is for display (a team's or unit's name; a member's masked name)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: HandlerType
    id: str
    name: str | None = None
    member_id: str | None = Field(
        default=None, description="the member who handles it, when a person does"
    )


class _RequestEvent(EventData):
    request_id: str
    community_id: str


@event("requests", "request", "accepted", version=1)
class RequestAccepted(_RequestEvent):
    """Accepted (受理): the deadline is fixed now, in working days of the official calendar."""

    kind: str
    accepted_by: str | None = None
    deadline: datetime


@event("requests", "request", "returned", version=1)
class RequestReturned(_RequestEvent):
    """Returned (退单) within one working day of submission, with the reason."""

    reason: str
    returned_by: str | None = None


@event("requests", "request", "dispatched", version=1)
class RequestDispatched(_RequestEvent):
    """Dispatched (派单) to a team, a volunteer or one of the compound's "3"."""

    handler: Handler
    dispatched_by: str | None = None
    deadline: datetime | None = None


@event("requests", "request", "volunteer_assigned", version=1)
class VolunteerAssigned(_RequestEvent):
    """A person (a volunteer, a building head, a grid worker) now handles the request."""

    member_id: str
    title: str
    kind: str
    deadline: datetime | None = None


@event("requests", "request", "started", version=1)
class RequestStarted(_RequestEvent):
    handler: Handler


@event("requests", "request", "extension_requested", version=1)
class ExtensionRequested(_RequestEvent):
    reason: str
    working_days: int = Field(ge=1)
    requested_by: str | None = None


@event("requests", "request", "extension_approved", version=1)
class ExtensionApproved(_RequestEvent):
    """The deadline moved; the reason is shown to the resident."""

    reason: str
    deadline: datetime
    approved_by: str | None = None


@event("requests", "request", "resolved", version=1)
class RequestResolved(_RequestEvent):
    """Resolved (办结). `volunteer_member_ids` served `hours_spent` each (the registry credits
    them, once per request)."""

    kind: str
    title: str
    handler: Handler | None = None
    resolved_by: str | None = None
    resolved_at: datetime
    hours_spent: float = Field(default=0, ge=0, le=24, multiple_of=0.5)
    volunteer_member_ids: list[str] = Field(default=[])
    notes: str = ""
    resolution: int = Field(
        default=1, ge=1, description="1 for the first resolution, 2 after one reopening, …"
    )


@event("requests", "request", "follow_up_recorded", version=1)
class FollowUpRecorded(_RequestEvent):
    """The follow-up call (回访): an unsatisfied resident reopens the request."""

    satisfaction: Satisfaction
    recorded_by: str | None = None


@event("requests", "request", "closed", version=1)
class RequestClosed(_RequestEvent):
    """Closed: after a follow-up, or as a duplicate (of `duplicate_of`), as not the
    community's responsibility (the reason is shown), or transferred or cancelled."""

    closed_as: ClosedAs
    reason: str | None = None
    duplicate_of: str | None = None


@event("requests", "request", "reopened", version=1)
class RequestReopened(_RequestEvent):
    reason: str


@event("requests", "request", "transferred", version=1)
class RequestTransferred(_RequestEvent):
    """Sent to another community, or out of the system (a city department)."""

    to_community_id: str | None = None
    to_outside: str | None = None
    reason: str


@event("requests", "request", "cancelled", version=1)
class RequestCancelled(_RequestEvent):
    """Cancelled by the resident (or for them)."""

    reason: str | None = None


@event("requests", "request", "reminder_due", version=1)
class RequestReminderDue(_RequestEvent):
    """催办: the deadline is near; the handler should be reminded (once)."""

    handler: Handler | None = None
    deadline: datetime


@event("requests", "request", "overdue", version=1)
class RequestOverdue(_RequestEvent):
    handler: Handler | None = None
    deadline: datetime


@event("requests", "request", "escalated", version=1)
class RequestEscalated(_RequestEvent):
    """督办: overdue past the grace period; the community admins take it up (once)."""

    handler: Handler | None = None
    deadline: datetime


class Claimant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["member", "partner"]
    id: str
    name: str | None = Field(default=None, description="masked for a member")


class _WishEvent(EventData):
    wish_id: str
    community_id: str


@event("requests", "wish", "submitted", version=1)
class WishSubmitted(_WishEvent):
    """A micro-wish (微心愿) of a resident in need, often entered by a volunteer."""

    title: str
    entered_by: str | None = None


@event("requests", "wish", "published", version=1)
class WishPublished(_WishEvent):
    """Reviewed and on the wish wall; the resident appears only masked."""

    title: str
    display_name: str


@event("requests", "wish", "claimed", version=1)
class WishClaimed(_WishEvent):
    claimant: Claimant
    title: str


@event("requests", "wish", "fulfilled", version=1)
class WishFulfilled(_WishEvent):
    claimant: Claimant
    photo_refs: list[str] = Field(default=[])


@event("requests", "wish", "confirmed", version=1)
class WishConfirmed(_WishEvent):
    """The resident (or a volunteer for them) confirmed it; a member claimant is credited
    `hours` (the registry, once per wish) and `points`."""

    claimant: Claimant
    title: str
    hours: float = Field(default=0, ge=0, le=24, multiple_of=0.5)
    points: int = Field(
        default=0, ge=0, description="time-bank points for a member claimant, besides its hours"
    )
    confirmed_by: str | None = None
    confirmed_at: datetime
