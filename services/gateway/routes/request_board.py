"""Reading requests: the catalogue of kinds, the board, the metrics, and a volunteer's
assigned requests. Personal data comes masked from the service; mediation notes are shown
only to each request's admins and handler (request_view.listed_for)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.gateway import service_rpc
from services.gateway.accounts.model import Principal, Role
from services.gateway.activity_targets import query_team_or_community
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.registry_targets import member_self
from services.gateway.request_view import listed_for
from services.gateway.service_rpc import command
from services.gateway.targets import found_resource, query_community
from shared.contracts.commands import requests as commands

router = APIRouter(tags=["requests"])

ADMINS = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
Caller = Annotated[Principal, Depends(current_principal)]


async def ask(request: Request, name: str, body: Any) -> Any:
    return await service_rpc.ask(request, commands.SERVICE, name, body)


# -- the catalogue -------------------------------------------------------------------------------


@router.get(
    "/api/v1/request-kinds",
    summary="The catalogue of request kinds: names, group, time limit, default handler and "
    "each kind's extra fields",
    **rule(scope=Scope.AUTHENTICATED),
)
async def list_kinds(request: Request) -> Any:
    return await ask(request, commands.LIST_KINDS, commands.ListKinds())


@router.put(
    "/api/v1/request-kinds/{code}",
    summary="Add a kind to the catalogue, or change one (accepted requests keep their deadline)",
    **rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT, write=True),
)
async def define_kind(code: str, body: commands.KindBody, request: Request) -> Any:
    cmd = command(commands.DefineKind, code=code, **body.model_dump())
    return await ask(request, commands.DEFINE_KIND, cmd)


# -- the board and the metrics -------------------------------------------------------------------


@router.get(
    "/api/v1/requests",
    summary="The board: requests by status, filtered by community, kind, handler, overdue; "
    "cursor-paged",
    description="A community admin names their community (`community_id`).",
    **rule(*ADMINS, Role.INTEGRATION, scope=Scope.COMMUNITY, target=query_community),
)
async def board(
    query: Annotated[commands.GetBoard, Query()], request: Request, caller: Caller
) -> Any:
    return listed_for(caller, await ask(request, commands.GET_BOARD, query))


@router.get(
    "/api/v1/requests/metrics",
    summary="The three rates (response, resolution, satisfaction), average times to accept "
    "and resolve, and overdue counts, per month",
    description=(
        "For a community (`community_id`: its admins), a team (`team_id`: its leaders and "
        "those of the teams above it, and its community's admins), or, without either, the "
        "subdistrict."
    ),
    **rule(
        *ADMINS,
        Role.TEAM_LEADER,
        Role.INTEGRATION,
        scope=Scope.TEAM,
        target=query_team_or_community,
    ),
)
async def metrics(query: Annotated[commands.GetMetrics, Query()], request: Request) -> Any:
    return await ask(request, commands.GET_METRICS, query)


# -- a volunteer's requests ----------------------------------------------------------------------


@router.get(
    "/api/v1/members/{member_id}/requests",
    summary="The requests assigned to a member (open ones by default)",
    description="The member themselves, the leaders of their teams, their community's admins.",
    **rule(*ADMINS, Role.TEAM_LEADER, Role.VOLUNTEER, scope=Scope.SELF, target=member_self),
)
async def assigned_to_member(
    member_id: str,
    query: Annotated[commands.AssignedToMemberBody, Query()],
    request: Request,
    caller: Caller,
) -> Any:
    found_resource(request)
    cmd = command(commands.AssignedToMember, member_id=member_id, **query.model_dump())
    return listed_for(caller, await ask(request, commands.ASSIGNED_TO_MEMBER, cmd))
