"""Commands and queries served by the requests service."""

from typing import Literal

from pydantic import Field

from shared.contracts.commands.common import Command
from shared.contracts.events.common import Location
from shared.contracts.events.requests import Channel, Urgency

SERVICE = "requests"
CREATE_REQUEST = "create_request"
GET_REQUEST = "get_request"


class CreateRequest(Command):
    kind: str = Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    location: Location
    channel: Channel = "app"
    urgency: Urgency = "normal"
    resident_name: str | None = Field(default=None, max_length=50)
    resident_phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    entered_by: str | None = Field(default=None, max_length=64)


class GetRequest(Command):
    """One request. The resident's personal data comes back masked (138****1234) except the
    fields named in `reveal`; only the gateway asks for those, after checking the caller's
    role, and it audits the reveal before passing anything unmasked on."""

    request_id: str = Field(min_length=1, max_length=64)
    reveal: list[Literal["phone", "name"]] = Field(
        default=[], max_length=2, description="resident fields to return unmasked"
    )


# --- Queries for listings and the Open311 view -------------------------------------------

# Imported here, not at the top, only because this block was appended while the top of the
# file was being edited elsewhere; hoist them when convenient.
from typing import Annotated  # noqa: E402

from pydantic import AwareDatetime  # noqa: E402

from shared.contracts.commands.common import PageQuery  # noqa: E402

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
