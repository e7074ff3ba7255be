"""Commands and queries served by the requests service."""

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
    request_id: str = Field(min_length=1, max_length=64)
