"""Scope targets of the requests' routes: each a FastAPI dependency returning a Target.

Who reaches a request (authz._covers; SELF scope: Target(member, community=, teams=)):
- its community's admins (and the subdistrict's) reach every request of it;
- "handler or CA" (start, extension, resolve, notes): the assigned member themselves, the
  leaders of the handling team and of the teams above it (the team as the registry has it,
  GET_TEAM), and the admins;
- its readers: those, the leaders of the teams the assigned member is in (they oversee
  their volunteers' work; read-only, without mediation notes or contacts: request_view.py),
  and the volunteer who entered it;
- cancelling: the admins, and the volunteer who entered it on the resident's behalf.
A missing request, an id no request can have and one outside the caller's scope all answer
the same 404 (the target is then "nothing, from a resource"). The request is kept on
`request.state.resource` for the handler (targets.found_resource), the handling team's
line on `request.state.handling_teams` and the team itself on `request.state.handling_team`.
"""

from typing import Any, Final

from fastapi import Request

from services.gateway.accounts.model import Principal
from services.gateway.activity_targets import find_team
from services.gateway.authz import Target
from services.gateway.registry_targets import member_teams, team_line
from services.gateway.request_view import (
    community_of,
    entered_by_caller,
    handler_member,
    handling_team,
)
from services.gateway.service_rpc import ask, look_up
from services.gateway.targets import MAX_ID_LENGTH, get_request_query
from shared.contracts.commands import registry
from shared.contracts.commands import requests as commands
from shared.contracts.rpc import NotFound

Document = dict[str, Any]
NOTHING: Final = Target(None, from_resource=True)  # missing, or not a possible id
# A SELF target's value when no member is meant: no member id equals it, so only the
# community's admins and the named teams' leaders pass.
NO_MEMBER: Final = "(no member)"


def caller(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, "principal", None)
    return found


async def find_request(request: Request, request_id: str) -> Document | None:
    """The request (masked, mediation notes included: request_view filters them per
    caller); None if it is missing or no request can have this id."""
    if len(request_id) > MAX_ID_LENGTH or not request_id.strip():
        return None
    try:
        found: Document = await ask(
            request, commands.SERVICE, commands.GET_REQUEST, get_request_query(request_id)
        )
    except NotFound:
        return None
    return found


def _keep(request: Request, found: Document | None) -> Document | None:
    request.state.resource = found
    request.state.handling_teams = ()
    request.state.handling_team = None
    return found


async def _handling_line(request: Request, doc: Document) -> tuple[str, ...]:
    """The handling team and the teams above it (their leaders handle the request); a team
    the registry no longer has is reached by its own leaders only."""
    team_id = handling_team(doc)
    if team_id is None:
        return ()
    team = await find_team(request, team_id)
    request.state.handling_team = team
    line = team_line(team_id, team) if team is not None else (team_id,)
    request.state.handling_teams = line
    return line


def _entered_by_them(request: Request, doc: Document) -> str | None:
    """The caller's member, if their account entered the request."""
    who = caller(request)
    if who is not None and who.member_id and entered_by_caller(doc, who):
        return who.member_id
    return None


# -- from a path id -------------------------------------------------------------------------


async def request_admins(request: Request, request_id: str) -> Target:
    """A request, for its community's admins only (COMMUNITY scope)."""
    found = _keep(request, await find_request(request, request_id))
    if found is None:
        return NOTHING
    return Target(community_of(found), from_resource=True)


async def handler_or_admin(request: Request, request_id: str) -> Target:
    """A request, for its handler (the assigned member; the leaders of the handling team and
    of the teams above it) and its community's admins (SELF scope)."""
    found = _keep(request, await find_request(request, request_id))
    if found is None:
        return NOTHING
    return Target(
        handler_member(found) or NO_MEMBER,
        from_resource=True,
        community=community_of(found),
        teams=await _handling_line(request, found),
    )


async def request_reader(request: Request, request_id: str) -> Target:
    """A request, for reading: its handler and admins, the leaders of the teams the
    assigned member is in, and the volunteer who entered it (SELF scope)."""
    found = _keep(request, await find_request(request, request_id))
    if found is None:
        return NOTHING
    teams = list(await _handling_line(request, found))
    member_id = handler_member(found)
    if member_id is not None:
        member = await look_up(
            request, registry.SERVICE, registry.GET_MEMBER, registry.GetMember, member_id=member_id
        )
        teams += [t for t in member_teams(member or {}) if t not in teams]
    return Target(
        _entered_by_them(request, found) or member_id or NO_MEMBER,
        from_resource=True,
        community=community_of(found),
        teams=tuple(teams),
    )


async def request_canceller(request: Request, request_id: str) -> Target:
    """A request, for cancelling: its community's admins, and the volunteer who entered it
    on the resident's behalf (SELF scope)."""
    found = _keep(request, await find_request(request, request_id))
    if found is None:
        return NOTHING
    return Target(
        _entered_by_them(request, found) or NO_MEMBER,
        from_resource=True,
        community=community_of(found),
        teams=(),
    )
