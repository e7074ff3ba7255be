"""Where a route's scope target comes from. Each is a FastAPI dependency returning a Target."""

import json
from typing import Any, Final

from fastapi import HTTPException, Request

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import UNCHECKABLE, Target
from shared.contracts.commands import requests as request_commands

# The longest id a stored resource can have (the commands' `request_id` limit).
MAX_ID_LENGTH: Final = 64


def get_request_query(
    request_id: str, reveal: list[str] | None = None
) -> request_commands.GetRequest:
    """GetRequest as the gateway sends it: mediation notes included, for the gateway shows
    them only to those who may see them (request_view.shown_to)."""
    return request_commands.GetRequest(
        request_id=request_id,
        reveal=reveal or [],  # type: ignore[arg-type]
        include_mediation=True,
    )


async def json_body(request: Request) -> dict[str, Any] | None:
    """The request's JSON object, or None (not JSON, or not an object): the route's own
    validation then answers 422, so a target need not."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def body_community(request: Request) -> Target:
    """A body that creates something in a community: `location.community_id`."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return UNCHECKABLE
    location = body.get("location") if isinstance(body, dict) else None
    community = location.get("community_id") if isinstance(location, dict) else None
    return Target(community) if isinstance(community, str) and community else UNCHECKABLE


async def body_community_or_volunteer(request: Request) -> Target:
    """A request entered by a community's admins (`location.community_id`), or by a
    volunteer collecting it from a resident of any community (the role alone decides)."""
    target = await body_community(request)
    who: Principal | None = getattr(request.state, "principal", None)
    if target.value is None or who is None or who.covers_community(target.value):
        return target
    return UNCHECKABLE if Role.VOLUNTEER in who.roles else target


async def query_community(request: Request) -> Target:
    """A listing filtered by `?community_id=`; without it, only subdistrict-wide roles pass."""
    return Target(request.query_params.get("community_id") or None)


def not_found() -> HTTPException:
    """The one 404 for a resource that is missing or outside the caller's scope (authz's)."""
    return HTTPException(404, "not found")


def found_resource(request: Request) -> dict[str, Any]:
    """The resource the target looked up; 404 "not found" if there is none."""
    found: dict[str, Any] | None = getattr(request.state, "resource", None)
    if found is None:
        raise not_found()
    return found
