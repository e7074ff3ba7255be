"""Commands and queries served by the requests service."""

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.commands.common import Command, CommandLocation, PageQuery
from shared.contracts.events.requests import Channel, Urgency

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
