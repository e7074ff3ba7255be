"""Scope targets of the activities' routes: each a FastAPI dependency returning a Target.

An activity lies in its community and belongs to its first organiser team: the admins of
the community and the leaders of that team, or of any team above it, organise it (TEAM
scope: Target(team, community=the activity's community, teams=(team, *its path))). An
activity without an organiser team is its community admins' alone. The activity is looked
up (GET_ACTIVITY), then its team in the registry (GET_TEAM); as for the registry's
resources, a missing activity, an id none can have and one outside the caller's scope all
answer the same 404.

Volunteers: any volunteer may read, sign up for, check in to, an activity every volunteer
may see: one published or completed (cancelled and draft ones are the organisers'). For
those the resolver answers "the role alone decides" (authz skips the scope check) and
records on `request.state.as_organiser` that the caller acts as a volunteer, so the handler
masks the roster and lets them act for themselves only. A draft answers a volunteer 404, as
if it did not exist. The calendar: a volunteer reads any community's or team's published
and completed activities (the handler forces the status).
"""

from typing import Any, Final

from fastapi import HTTPException, Request

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import UNCHECKABLE, Scope, Target, authorize
from services.gateway.registry_targets import team_line
from services.gateway.service_rpc import look_up
from services.gateway.targets import json_body
from shared.contracts.commands import activities as commands
from shared.contracts.commands import registry

Document = dict[str, Any]
NOTHING = Target(None, from_resource=True)  # missing, or not a possible id
# authz checks no scope for this target: the caller's role alone decides. Returned only to a
# volunteer, for what every volunteer may see.
ANY_VOLUNTEER: Final = UNCHECKABLE
VISIBLE_TO_VOLUNTEERS: Final = frozenset({"published", "completed"})
ORGANISERS: Final = frozenset({Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.TEAM_LEADER})
# Who reads an activity in full: its organisers, and integrations (subdistrict-wide reads).
OVERSEERS: Final = ORGANISERS | {Role.INTEGRATION}


async def find_activity(request: Request, activity_id: str) -> Document | None:
    return await look_up(
        request,
        commands.SERVICE,
        commands.GET_ACTIVITY,
        commands.GetActivity,
        activity_id=activity_id,
    )


async def find_team(request: Request, team_id: str) -> Document | None:
    return await look_up(
        request, registry.SERVICE, registry.GET_TEAM, registry.GetTeam, team_id=team_id
    )


def caller(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, "principal", None)
    return found


def volunteer_member(request: Request) -> str | None:
    """The caller's member id if they are a volunteer (the member their account is tied to)."""
    who = caller(request)
    if who is None or Role.VOLUNTEER not in who.roles:
        return None
    return who.member_id


def reaches(request: Request, target: Target, roles: frozenset[Role] = OVERSEERS) -> bool:
    """Whether the caller passes the TEAM rule for `target` with one of `roles`: the one
    check authz makes, asked here to learn whether they act as an organiser."""
    try:
        authorize(caller(request), roles, Scope.TEAM, target, write=False)
    except HTTPException:
        return False
    return True


def as_organiser(request: Request) -> bool:
    """For handlers: whether the resolver found the caller organises the activity (or
    oversees it) rather than acting as a volunteer."""
    return bool(getattr(request.state, "as_organiser", False))


def _keep(request: Request, found: Document | None) -> Document | None:
    request.state.resource = found
    return found


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def organisers_of(request: Request, activity: Document) -> Target:
    """Who organises an activity: its community's admins and the leaders of its first
    organiser team and of the teams above it (the team as it stands in the registry; a team
    the registry no longer has is reached by its own leaders only)."""
    community = _str(activity.get("community_id"))
    teams = [t for t in activity.get("organiser_team_ids") or [] if _str(t)]
    if not teams:
        return Target(community, from_resource=True, community=community, teams=())
    team = await find_team(request, teams[0])
    line = team_line(teams[0], team) if team is not None else (teams[0],)
    return Target(teams[0], from_resource=True, community=community, teams=line)


# -- from a path id -------------------------------------------------------------------------


async def activity_team(request: Request, activity_id: str) -> Target:
    """An activity, for the routes of its organisers only."""
    request.state.as_organiser = True  # no one else passes the rule
    found = _keep(request, await find_activity(request, activity_id))
    if found is None:
        return NOTHING
    return await organisers_of(request, found)


async def activity_or_open(request: Request, activity_id: str) -> Target:
    """An activity, for the routes of its organisers and of volunteers: a volunteer reaches
    one every volunteer may see (published or completed), as a volunteer."""
    request.state.as_organiser = False
    found = _keep(request, await find_activity(request, activity_id))
    if found is None:
        return NOTHING
    target = await organisers_of(request, found)
    if reaches(request, target):
        request.state.as_organiser = True
        return target
    if volunteer_member(request) and found.get("status") in VISIBLE_TO_VOLUNTEERS:
        return ANY_VOLUNTEER
    return target


# -- from a body ----------------------------------------------------------------------------


async def new_activity_target(request: Request) -> Target:
    """A new activity (or series): as an existing one, from the body's community and first
    organiser team (looked up; a missing one answers as one outside the caller's scope and
    is kept as None on request.state.resource). Without an organiser team, its community's
    admins alone may plan it."""
    request.state.resource = None
    body = await json_body(request)
    community = _str(body.get("community_id")) if body else None
    if body is None or community is None:
        return UNCHECKABLE  # the 422 says why
    teams = body.get("organiser_team_ids")
    if teams is None or teams == []:
        return Target(community, community=community, teams=())
    if not isinstance(teams, list) or _str(teams[0]) is None:
        return UNCHECKABLE
    team = _keep(request, await find_team(request, teams[0]))
    if team is None:
        return NOTHING
    return Target(
        teams[0], from_resource=True, community=community, teams=team_line(teams[0], team)
    )


# -- from the query -------------------------------------------------------------------------


async def query_team_or_community(request: Request) -> Target:
    """A listing by `?team_id=` (the team's leaders, those above, its community's admins) or
    by `?community_id=` (its admins). A team outside the named community reaches nothing
    (404); without either, only subdistrict-wide roles."""
    community = request.query_params.get("community_id") or None
    team_id = request.query_params.get("team_id") or None
    if team_id is None:
        return Target(community, community=community, teams=())
    team = await find_team(request, team_id)
    if team is None:
        return NOTHING
    team_community = _str(team.get("community_id"))
    if community is not None and community != team_community:
        return NOTHING
    return Target(
        team_id, from_resource=True, community=team_community, teams=team_line(team_id, team)
    )


async def calendar_target(request: Request) -> Target:
    """The calendar: as `query_team_or_community` for organisers; any volunteer reads any
    community's published and completed activities (the handler forces the status)."""
    target = await query_team_or_community(request)
    request.state.as_organiser = reaches(request, target)
    if not request.state.as_organiser and volunteer_member(request):
        return ANY_VOLUNTEER
    return target
