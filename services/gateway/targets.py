"""Where a route's scope target comes from. Each is a FastAPI dependency returning a Target."""

import json
from typing import Any, Final

from fastapi import HTTPException, Request

from services.gateway.authz import UNCHECKABLE, Target
from shared.contracts.commands import requests as request_commands
from shared.contracts.rpc import NotFound

# The longest id a stored resource can have (the commands' `request_id` limit).
MAX_ID_LENGTH: Final = 64


async def body_community(request: Request) -> Target:
    """A body that creates something in a community: `location.community_id`."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return UNCHECKABLE
    location = body.get("location") if isinstance(body, dict) else None
    community = location.get("community_id") if isinstance(location, dict) else None
    return Target(community) if isinstance(community, str) and community else UNCHECKABLE


async def query_community(request: Request) -> Target:
    """A listing filtered by `?community_id=`; without it, only subdistrict-wide roles pass."""
    return Target(request.query_params.get("community_id") or None)


async def request_community(request: Request, request_id: str) -> Target:
    """An existing request: its own community. Kept on request.state for the handler.

    A request that does not exist (or an id no request can have) must not answer otherwise
    than one outside the caller's scope: the target is then "no community, from a resource",
    so the rule answers as usual (401 anonymous, 403 without the role, 404 "not found" for a
    community-scoped caller), and a subdistrict-wide caller gets the same 404 from
    `found_resource`, which every handler behind this target reads the request through."""
    request.state.resource = None
    if len(request_id) > MAX_ID_LENGTH:
        return Target(None, from_resource=True)
    try:
        found: dict[str, Any] = await request.app.state.rpc.call(
            request_commands.SERVICE,
            request_commands.GET_REQUEST,
            request_commands.GetRequest(request_id=request_id),
        )
    except NotFound:
        return Target(None, from_resource=True)
    request.state.resource = found
    return Target(found["location"]["community_id"], from_resource=True)


def not_found() -> HTTPException:
    """The one 404 for a resource that is missing or outside the caller's scope (authz's)."""
    return HTTPException(404, "not found")


def found_resource(request: Request) -> dict[str, Any]:
    """The resource the target looked up; 404 "not found" if there is none."""
    found: dict[str, Any] | None = getattr(request.state, "resource", None)
    if found is None:
        raise not_found()
    return found
