"""Teams (志愿服务队) and their sub-squads to any depth, with members and roles.

A team leader reaches their team and every sub-squad under it, never a sibling squad or
the team above; a community admin every team of the community."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from services.gateway.registry_rpc import ask, command
from services.gateway.registry_targets import (
    new_team_target,
    query_community_or_team,
    team_target,
)
from services.gateway.targets import found_resource
from shared.contracts.commands import registry as commands

router = APIRouter(prefix="/api/v1/teams", tags=["teams"])

ADMINS = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
MANAGERS = (*ADMINS, Role.TEAM_LEADER)


@router.post(
    "",
    status_code=201,
    summary="Create a team in a community (or of the subdistrict), or a sub-squad",
    description=(
        "With `parent_id` a sub-squad of that team (to any depth; it takes its parent's "
        "community): the parent's leaders may add it. Without, a team of `community_id` "
        "(its admins), or of the whole subdistrict (subdistrict admins)."
    ),
    **rule(*MANAGERS, scope=Scope.TEAM, target=new_team_target, write=True),
)
async def create_team(body: commands.CreateTeam, request: Request) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.CREATE_TEAM, body)
    return result


@router.get(
    "",
    summary="Teams with their sub-squads nested, and member counts",
    description="A team leader reads their own team (with its sub-squads) at /teams/{id}.",
    **rule(*ADMINS, Role.INTEGRATION, scope=Scope.COMMUNITY, target=query_community_or_team),
)
async def team_tree(
    query: Annotated[commands.GetTeamTree, Query()], request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.GET_TEAM_TREE, query)
    return result


@router.get(
    "/{team_id}",
    summary="One team with its sub-squads and its members (masked), current and past",
    **rule(*MANAGERS, Role.INTEGRATION, scope=Scope.TEAM, target=team_target),
)
async def get_team(team_id: str, request: Request) -> dict[str, Any]:
    return found_resource(request)  # looked up by the rule's target, or 404


@router.patch(
    "/{team_id}",
    summary="Rename a team, change its party branch or description",
    **rule(*MANAGERS, scope=Scope.TEAM, target=team_target, write=True),
)
async def update_team(
    team_id: str, body: commands.UpdateTeamBody, request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.UpdateTeam, team_id=team_id, **body.model_dump(exclude_unset=True))
    result: dict[str, Any] = await ask(request, commands.UPDATE_TEAM, cmd)
    return result


@router.post(
    "/{team_id}/members",
    summary="Add a member to the team, or change their role in it",
    **rule(*MANAGERS, scope=Scope.TEAM, target=team_target, write=True),
)
async def join_team(team_id: str, body: commands.JoinTeamBody, request: Request) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.JoinTeam, team_id=team_id, **body.model_dump())
    result: dict[str, Any] = await ask(request, commands.JOIN_TEAM, cmd)
    return result


@router.post(
    "/{team_id}/members/{member_id}/leave",
    summary="A member leaves the team (the membership is kept, with its dates)",
    **rule(*MANAGERS, scope=Scope.TEAM, target=team_target, write=True),
)
async def leave_team(
    team_id: str,
    member_id: Annotated[str, Path(max_length=64)],
    body: commands.LeaveTeamBody,
    request: Request,
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.LeaveTeam, team_id=team_id, member_id=member_id, **body.model_dump())
    result: dict[str, Any] = await ask(request, commands.LEAVE_TEAM, cmd)
    return result
