"""Scope targets of the registry's routes: each a FastAPI dependency returning a Target.

A path id is looked up by RPC (GET_ORG_UNIT, GET_MEMBER, GET_TEAM; masked) and the answer
kept on `request.state.resource` for the handler (`targets.found_resource`). As for
requests, a missing resource, an id no resource can have and one outside the caller's scope
all answer the same 404: the target is then "nothing, from a resource".

Who reaches what (authz._covers):
- an org unit, a member by their home community (COMMUNITY scope);
- a team (TEAM scope): its community's admins, and the leaders of it or of any team above
  it, so a leader's scope covers their sub-squads but not a sibling's or the parent's;
- a member (SELF scope): themselves, their home community's admins, and the leaders of the
  teams they are in (and of the teams above those).
"""

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from services.gateway.authz import UNCHECKABLE, Target
from services.gateway.service_rpc import look_up
from services.gateway.targets import json_body
from shared.contracts.commands import registry as commands

Document = dict[str, Any]
NOTHING = Target(None, from_resource=True)  # missing, or not a possible id


async def _look_up(
    request: Request, command: str, model: type[BaseModel], **ids: str
) -> Document | None:
    """A registry resource, or None if it is missing or cannot exist (service_rpc.look_up)."""
    return await look_up(request, commands.SERVICE, command, model, **ids)


async def _unit(request: Request, unit_id: str) -> Document | None:
    return await _look_up(request, commands.GET_ORG_UNIT, commands.GetOrgUnit, unit_id=unit_id)


async def _member(request: Request, member_id: str) -> Document | None:
    return await _look_up(request, commands.GET_MEMBER, commands.GetMember, member_id=member_id)


async def _team(request: Request, team_id: str) -> Document | None:
    return await _look_up(request, commands.GET_TEAM, commands.GetTeam, team_id=team_id)


def home_community(member: Document) -> str | None:
    home = member.get("home") or {}
    community = home.get("community_id")
    return community if isinstance(community, str) else None


def member_teams(member: Document) -> tuple[str, ...]:
    """The teams a member is in now, and every team above them (whose leaders reach them)."""
    teams: list[str] = []
    for membership in member.get("teams") or []:
        for team in [membership.get("team_id"), *(membership.get("path") or [])]:
            if isinstance(team, str) and team not in teams:
                teams.append(team)
    return tuple(teams)


def team_line(team_id: str, team: Document) -> tuple[str, ...]:
    """The team and the teams above it: the leaders of any of them reach it."""
    return (team_id, *[t for t in team.get("path") or [] if isinstance(t, str)])


def _keep(request: Request, found: Document | None) -> Document | None:
    request.state.resource = found
    return found


# -- from a path id -------------------------------------------------------------------------


async def unit_community(request: Request, unit_id: str) -> Target:
    """An org unit: its community (a community's own id for a community)."""
    found = _keep(request, await _unit(request, unit_id))
    if found is None:
        return NOTHING
    return Target(found.get("community_id"), from_resource=True)


async def member_community(request: Request, member_id: str) -> Target:
    """A member, for the routes of their community's admins: their home community."""
    found = _keep(request, await _member(request, member_id))
    if found is None:
        return NOTHING
    return Target(home_community(found), from_resource=True)


async def member_self(request: Request, member_id: str) -> Target:
    """A member, for the routes they (and those above them) may call about themselves."""
    found = _keep(request, await _member(request, member_id))
    if found is None:
        return NOTHING
    return Target(
        member_id,
        from_resource=True,
        community=home_community(found),
        teams=member_teams(found),
    )


async def team_target(request: Request, team_id: str) -> Target:
    """A team: its community's admins and the leaders of it and of the teams above it."""
    found = _keep(request, await _team(request, team_id))
    if found is None:
        return NOTHING
    return Target(
        team_id,
        from_resource=True,
        community=found.get("community_id"),
        teams=team_line(team_id, found),
    )


# -- from a body ----------------------------------------------------------------------------


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def new_unit_community(request: Request) -> Target:
    """A new org unit: a community is the subdistrict's to add (SA only); anything else lies
    in its parent's community (the parent looked up; a missing one answers as one outside
    the caller's scope)."""
    body = await json_body(request)
    if body is None:
        return UNCHECKABLE
    if body.get("kind") == "community":
        return Target(None)
    parent_id = _id(body.get("parent_id"))
    if parent_id is None:
        return UNCHECKABLE  # the registry says the parent is required
    parent = await _unit(request, parent_id)
    if parent is None:
        return NOTHING
    return Target(parent.get("community_id"), from_resource=True)


async def partner_community(request: Request) -> Target:
    """A new partner unit: its community if every community it serves is one; a partner of
    several communities is the subdistrict's to register."""
    body = await json_body(request)
    ids = body.get("community_ids") if body else None
    if not isinstance(ids, list) or not ids or not all(_id(i) for i in ids):
        return UNCHECKABLE
    return Target(ids[0]) if len(set(ids)) == 1 else Target(None)


async def home_of_new_member(request: Request) -> Target:
    """A registration: the community of the member's home (`home.community_id`)."""
    body = await json_body(request)
    home = body.get("home") if body else None
    community = _id(home.get("community_id")) if isinstance(home, dict) else None
    return Target(community) if community else UNCHECKABLE


async def merged_members_community(request: Request) -> Target:
    """A merge: both members looked up; their community if they share one, else only a
    subdistrict-wide caller may merge them. A missing one answers as one outside scope."""
    body = await json_body(request)
    if body is None:
        return UNCHECKABLE
    ids = [_id(body.get("kept_member_id")), _id(body.get("merged_member_id"))]
    if not all(ids):
        return UNCHECKABLE
    found = [await _member(request, i) for i in ids if i]
    if any(member is None for member in found):
        return NOTHING
    communities = {home_community(m) for m in found if m}
    if len(communities) == 1:
        return Target(communities.pop(), from_resource=True)
    return Target(None, from_resource=True)


async def new_team_target(request: Request) -> Target:
    """A new team: a sub-squad lies under its parent team (whose leaders, and those above,
    may add it; a missing parent answers as one outside scope); a top team in a community is
    its admins'; a subdistrict-wide team (no community) the subdistrict admin's."""
    body = await json_body(request)
    if body is None:
        return UNCHECKABLE
    parent_id = _id(body.get("parent_id"))
    if parent_id is not None:
        parent = await _team(request, parent_id)
        if parent is None:
            return NOTHING
        return Target(
            parent_id,
            from_resource=True,
            community=parent.get("community_id"),
            teams=team_line(parent_id, parent),
        )
    if body.get("parent_id") is not None:
        return UNCHECKABLE  # not a string: the 422 says why
    community = body.get("community_id")
    if community is None:
        return Target(None)
    if not _id(community):
        return UNCHECKABLE
    return Target(community, community=community, teams=())


# -- from the query -------------------------------------------------------------------------


async def query_community_or_team(request: Request) -> Target:
    """A listing filtered by `?community_id=` and perhaps `?team_id=`: a team narrows it to
    the team's community, so naming your own community with another's team reaches nothing
    (404, as for a team outside your scope). Without either, only subdistrict-wide roles."""
    community = request.query_params.get("community_id") or None
    team_id = request.query_params.get("team_id") or None
    if team_id is None:
        return Target(community)
    team = await _team(request, team_id)
    if team is None:
        return NOTHING
    team_community = team.get("community_id")
    if community is not None and community != team_community:
        return NOTHING
    return Target(team_community, from_resource=True)
