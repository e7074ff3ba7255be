"""Commands and queries served by the requests service."""

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.commands.common import Command, CommandLocation, PageQuery
from shared.contracts.events.requests import Channel, HandlerType, Satisfaction, Urgency

SERVICE = "requests"
CREATE_REQUEST = "create_request"
GET_REQUEST = "get_request"


class CreateRequestBody(Command):
    """What a caller sends to create a request (`POST /api/v1/requests`). Who entered it and
    the retry reference are not the caller's to say: the gateway adds them (CreateRequest)."""

    kind: str = Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    location: CommandLocation
    channel: Channel = "app"
    urgency: Urgency = "normal"
    resident_name: str | None = Field(default=None, max_length=50)
    resident_phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    resident_member_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="the resident, if a member"
    )
    photo_refs: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default=[], max_length=10
    )
    extra: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")], str | float | bool] = (
        Field(
            default={},
            max_length=20,
            description="the kind's extra fields (see its definition); unknown ones are refused",
        )
    )


class CreateRequest(CreateRequestBody):
    """Record a resident's request. Only the gateway sends it, after its rule ran."""

    entered_by: str | None = Field(
        default=None,
        max_length=64,
        description="who entered it, as the gateway knows the caller: user:<account id>, "
        "api_key:<key id> or open311:<key id>",
    )
    client_ref: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="the caller's retry reference: a SHA-256 digest of (caller, "
        "Idempotency-Key) made by the gateway. The same client_ref again returns the request "
        "already made for it instead of a second one",
    )


class GetRequest(Command):
    """One request. The resident's personal data comes back masked (138****1234) except the
    fields named in `reveal`; only the gateway asks for those, after checking the caller's
    role, and it audits the reveal before passing anything unmasked on."""

    request_id: str = Field(min_length=1, max_length=64)
    reveal: list[Literal["phone", "name"]] = Field(
        default=[], max_length=2, description="resident fields to return unmasked"
    )
    include_mediation: bool = Field(
        default=False,
        description="include dispute mediation notes: only the gateway sets it, for the "
        "request's handler and community admins",
    )


# --- Queries for listings and the Open311 view -------------------------------------------

LIST_KINDS = "list_kinds"
LIST_REQUESTS = "list_requests"

MAX_FILTER_VALUES = 100

FilterId = Annotated[str, Field(min_length=1, max_length=64)]


class ListKinds(Command):
    """The catalogue of request kinds: code, zh/en names, group."""


class ListRequests(PageQuery):
    """Requests, newest first, cursor-paged by id, personal data masked; filters combine."""

    ids: list[FilterId] | None = Field(default=None, max_length=MAX_FILTER_VALUES)
    kinds: list[FilterId] | None = Field(default=None, max_length=MAX_FILTER_VALUES)
    statuses: list[FilterId] | None = Field(
        default=None, max_length=MAX_FILTER_VALUES, description="any of these statuses"
    )
    not_statuses: list[FilterId] | None = Field(
        default=None, max_length=MAX_FILTER_VALUES, description="none of these statuses"
    )
    community_id: str | None = Field(default=None, min_length=1, max_length=64)
    submitted_from: AwareDatetime | None = Field(default=None, description="inclusive")
    submitted_to: AwareDatetime | None = Field(default=None, description="exclusive")


# --- The catalogue of kinds (Open311-style service definitions) ------------------------------

DEFINE_KIND = "define_kind"

KindCode = Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,31}$")]
Reason = Annotated[str, Field(min_length=2, max_length=200)]
Note = Annotated[str, Field(max_length=2000)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class TimeLimit(Command):
    """How long a kind may take from acceptance: the same day (by 24:00 local time), or a
    number of working days of the official calendar (holidays and adjusted working days)."""

    same_day: bool = False
    working_days: int | None = Field(default=None, ge=1, le=60)


class ExtraField(Command):
    """A field a kind asks for beyond the common ones (Open311 attributes)."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    zh: Annotated[str, Field(min_length=1, max_length=30)]
    en: Annotated[str, Field(min_length=1, max_length=60)]
    type: Literal["string", "number", "boolean", "choice"] = "string"
    required: bool = False
    values: list[Annotated[str, Field(min_length=1, max_length=30)]] | None = Field(
        default=None, max_length=30, description="the allowed values of a choice"
    )


class KindBody(Command):
    zh: Annotated[str, Field(min_length=1, max_length=20)]
    en: Annotated[str, Field(min_length=1, max_length=40)]
    group: Literal["help", "repair", "dispute", "health", "environment", "feedback", "emergency"]
    time_limit: TimeLimit
    default_handler: HandlerType | None = None
    extra_fields: list[ExtraField] = Field(default=[], max_length=20)
    auto_dispatch: bool = Field(
        default=False, description="dispatch to the best suggestion at acceptance"
    )


class DefineKind(KindBody):
    """Add a kind to the catalogue, or change one (requests already accepted keep their
    deadline)."""

    code: KindCode


# --- The lifecycle ------------------------------------------------------------------------------

ACCEPT_REQUEST = "accept_request"
RETURN_REQUEST = "return_request"
DISPATCH_REQUEST = "dispatch_request"
START_REQUEST = "start_request"
REQUEST_EXTENSION = "request_extension"
APPROVE_EXTENSION = "approve_extension"
RESOLVE_REQUEST = "resolve_request"
RECORD_FOLLOW_UP = "record_follow_up"
REOPEN_REQUEST = "reopen_request"
TRANSFER_REQUEST = "transfer_request"
MARK_DUPLICATE = "mark_duplicate"
MARK_NOT_RESPONSIBLE = "mark_not_responsible"
CANCEL_REQUEST = "cancel_request"
ADD_NOTE = "add_note"
SUGGEST_HANDLERS = "suggest_handlers"


class RequestCommand(Command):
    """Every transition names its request and may name the revision the caller saw: two
    concurrent dispatches of one request -> one wins, the other is a conflict."""

    request_id: Id
    expected_revision: int | None = Field(default=None, ge=1)


class AcceptRequest(RequestCommand):
    """受理: fixes the deadline from the kind's time limit, in the subdistrict's time zone."""


class ReturnRequestBody(Command):
    reason: Reason


class ReturnRequest(ReturnRequestBody, RequestCommand):
    """退单: only within one working day of submission."""


class DispatchBody(Command):
    handler_type: HandlerType
    handler_id: Id = Field(
        description="a team id, a member id, or the compound id for its party branch, owners' "
        "committee or property company"
    )
    note: Note = ""
    expected_revision: int | None = Field(default=None, ge=1)


class DispatchRequest(DispatchBody):
    """派单 (or re-dispatch) of an accepted request."""

    request_id: Id


class StartRequest(RequestCommand):
    """The handler starts work."""


class RequestExtensionBody(Command):
    reason: Reason
    working_days: int = Field(ge=1, le=30)


class RequestExtension(RequestExtensionBody, RequestCommand):
    """Only before the deadline; the reason is shown to the resident."""


class ApproveExtension(RequestCommand):
    """A community admin approves the pending extension: the deadline moves."""


class ResolveBody(Command):
    notes: Annotated[str, Field(min_length=1, max_length=2000)]
    hours_spent: float = Field(default=0, ge=0, le=24, multiple_of=0.5)
    volunteer_member_ids: list[Id] = Field(
        default=[], max_length=20, description="who served (credited hours_spent each)"
    )


class ResolveRequest(ResolveBody, RequestCommand):
    """办结."""


class FollowUpBody(Command):
    satisfaction: Satisfaction
    comment: Note = ""


class RecordFollowUp(FollowUpBody, RequestCommand):
    """回访, from the day after resolution: satisfied or basically satisfied closes the
    request; unsatisfied reopens it."""


class ReopenBody(Command):
    reason: Reason


class ReopenRequest(ReopenBody, RequestCommand):
    pass


class TransferBody(Command):
    to_community_id: Id | None = None
    to_outside: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="a department outside the system, e.g. 县住建局"
    )
    reason: Reason


class TransferRequest(TransferBody, RequestCommand):
    pass


class DuplicateBody(Command):
    original_id: Id


class MarkDuplicate(DuplicateBody, RequestCommand):
    pass


class NotResponsibleBody(Command):
    reason: Reason = Field(description="shown on the request")


class MarkNotResponsible(NotResponsibleBody, RequestCommand):
    pass


class CancelBody(Command):
    reason: Annotated[str, Field(max_length=200)] | None = None


class CancelRequest(CancelBody, RequestCommand):
    """Cancelled by the resident (or by whoever entered it for them)."""


class NoteBody(Command):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    mediation: bool = Field(
        default=False, description="a mediation note: only the handler and admins see it"
    )


class AddNote(NoteBody, RequestCommand):
    pass


class SuggestHandlers(Command):
    """Volunteers and teams ranked for a request by skill, nearness, open load and
    availability, each with the reasons for its score."""

    request_id: Id
    limit: int = Field(default=10, ge=1, le=50)


# --- Queries ------------------------------------------------------------------------------------

GET_BOARD = "get_board"
ASSIGNED_TO_MEMBER = "assigned_to_member"
GET_METRICS = "get_metrics"


class GetBoard(PageQuery):
    """Requests by status for the board; filters combine. `overdue` = past the deadline."""

    community_id: Id | None = None
    kind: KindCode | None = None
    status: Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")] | None = None
    handler_id: Id | None = None
    overdue: bool | None = None


class AssignedToMemberBody(PageQuery):
    open_only: bool = True


class AssignedToMember(AssignedToMemberBody):
    member_id: Id


class GetMetrics(Command):
    """The three rates (response, resolution, satisfaction), average times to accept and to
    resolve, and overdue counts, per month, for a community, a team, or the subdistrict."""

    community_id: Id | None = None
    team_id: Id | None = None
    month_from: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    month_to: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None


# --- Micro-wishes (微心愿) ------------------------------------------------------------------------

SUBMIT_WISH = "submit_wish"
REVIEW_WISH = "review_wish"
CLAIM_WISH = "claim_wish"
FULFIL_WISH = "fulfil_wish"
CONFIRM_WISH = "confirm_wish"
GET_WISH = "get_wish"
WISH_WALL = "wish_wall"


class SubmitWish(Command):
    title: Annotated[str, Field(min_length=1, max_length=60)]
    description: Annotated[str, Field(max_length=1000)] = ""
    location: CommandLocation
    resident_name: Annotated[str, Field(min_length=1, max_length=50)]
    resident_phone: Annotated[str, Field(pattern=r"^1\d{10}$")] | None = None


class ReviewWishBody(Command):
    decision: Literal["publish", "reject"]
    reason: Annotated[str, Field(max_length=200)] | None = None


class ReviewWish(ReviewWishBody):
    """The community reviews a submitted wish: published (resident masked) or rejected."""

    wish_id: Id


class ClaimWishBody(Command):
    claimant_type: Literal["member", "partner"]
    claimant_id: Id


class ClaimWish(ClaimWishBody):
    """One claimant only: a second claim is a conflict."""

    wish_id: Id


class FulfilWishBody(Command):
    photo_refs: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=10
    )
    note: Note = ""


class FulfilWish(FulfilWishBody):
    wish_id: Id


class ConfirmWishBody(Command):
    hours: float = Field(
        default=0, ge=0, le=24, multiple_of=0.5, description="the claimant's service time"
    )


class ConfirmWish(ConfirmWishBody):
    """The resident, or the volunteer on their behalf, confirms: the claimant is credited."""

    wish_id: Id


class GetWish(Command):
    wish_id: Id


class WishWall(PageQuery):
    """Published (and claimed, fulfilled) wishes, residents masked."""

    community_id: Id | None = None
    status: Literal["submitted", "published", "claimed", "fulfilled", "confirmed", "rejected"] | (
        None
    ) = None
