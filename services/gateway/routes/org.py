"""The "1+3+N" organisation (communities, compounds, buildings, grids), partner units and
the managed list of skills: the registry's, served under the gateway's rules."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from services.gateway.registry_rpc import ask, command
from services.gateway.registry_targets import (
    new_unit_community,
    partner_community,
    unit_community,
)
from services.gateway.targets import found_resource, query_community
from shared.contracts.commands import registry as commands

router = APIRouter(tags=["organisation"])

ADMINS = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
READERS = (*ADMINS, Role.INTEGRATION)


# The commands whose id comes from the path, without it (the contract has no XxxBody).
@router.get(
    "/api/v1/org/tree",
    summary="Communities -> compounds -> buildings, grids beside them, with their 1+3+N",
    **rule(*READERS, scope=Scope.COMMUNITY, target=query_community),
)
async def org_tree(
    query: Annotated[commands.GetOrgTree, Query()], request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.GET_ORG_TREE, query)
    return result


@router.post(
    "/api/v1/org/units",
    status_code=201,
    summary="Add a community (subdistrict admins), or a compound, building or grid",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=new_unit_community, write=True),
)
async def create_org_unit(body: commands.CreateOrgUnit, request: Request) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.CREATE_ORG_UNIT, body)
    return result


@router.get(
    "/api/v1/org/units/{unit_id}",
    summary="One org unit with its party branch, committees and roles",
    **rule(*READERS, scope=Scope.COMMUNITY, target=unit_community),
)
async def get_org_unit(unit_id: str, request: Request) -> dict[str, Any]:
    return found_resource(request)  # looked up by the rule's target, or 404


@router.patch(
    "/api/v1/org/units/{unit_id}",
    summary="Change an org unit; fields left out stay as they are",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=unit_community, write=True),
)
async def update_org_unit(
    unit_id: str, body: commands.UpdateOrgUnitBody, request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.UpdateOrgUnit, unit_id=unit_id, **body.model_dump(exclude_unset=True))
    result: dict[str, Any] = await ask(request, commands.UPDATE_ORG_UNIT, cmd)
    return result


@router.get(
    "/api/v1/partners",
    summary="Partner units (共建单位), of one community or all",
    **rule(*READERS, scope=Scope.COMMUNITY, target=query_community),
)
async def list_partners(
    query: Annotated[commands.ListPartners, Query()], request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.LIST_PARTNERS, query)
    return result


@router.post(
    "/api/v1/partners",
    status_code=201,
    summary="Register a partner unit and the communities it serves",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=partner_community, write=True),
)
async def register_partner(body: commands.RegisterPartner, request: Request) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.REGISTER_PARTNER, body)
    return result


@router.get(
    "/api/v1/skills",
    summary="The managed list of skills a member may have",
    **rule(scope=Scope.AUTHENTICATED),
)
async def list_skills(request: Request) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.LIST_SKILLS, commands.ListSkills())
    return result


@router.put(
    "/api/v1/skills/{code}",
    summary="Add a skill to the list, or rename one",
    **rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT, write=True),
)
async def define_skill(code: str, body: commands.SkillNames, request: Request) -> dict[str, Any]:
    result: dict[str, Any] = await ask(
        request,
        commands.DEFINE_SKILL,
        command(commands.DefineSkill, code=code, **body.model_dump()),
    )
    return result
