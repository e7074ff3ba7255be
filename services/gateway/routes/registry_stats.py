"""Registry statistics: members by tag and status, hours and star levels, hours per month."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from services.gateway.registry_rpc import ask
from services.gateway.registry_targets import query_community_or_team
from shared.contracts.commands import registry as commands

router = APIRouter(prefix="/api/v1/registry", tags=["statistics"])


@router.get(
    "/stats",
    summary="Members, hours and stars per community (or one community or team), per month",
    description=(
        "A subdistrict admin without `community_id` gets the subdistrict's totals; a "
        "community admin names their community."
    ),
    **rule(
        Role.SUBDISTRICT_ADMIN,
        Role.COMMUNITY_ADMIN,
        Role.INTEGRATION,
        scope=Scope.COMMUNITY,
        target=query_community_or_team,
    ),
)
async def registry_stats(
    query: Annotated[commands.GetStats, Query()], request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.GET_STATS, query)
    return result
