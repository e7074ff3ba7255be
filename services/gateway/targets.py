"""Where a route's scope target comes from. Each is a FastAPI dependency returning a Target."""

import json
from typing import Any

from fastapi import Request

from services.gateway.authz import UNCHECKABLE, Target
from shared.contracts.commands import requests as request_commands


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
    """An existing request: its own community. Kept on request.state for the handler."""
    found: dict[str, Any] = await request.app.state.rpc.call(
        request_commands.SERVICE,
        request_commands.GET_REQUEST,
        request_commands.GetRequest(request_id=request_id),
    )
    request.state.resource = found
    return Target(found["location"]["community_id"], from_resource=True)
