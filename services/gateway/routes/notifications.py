"""The in-app inbox."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from services.gateway.deps import CorrelationId, Rpc
from services.gateway.targets import query_community
from shared.contracts.commands import notify as commands

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get(
    "",
    summary="Notifications, newest first, cursor-paged",
    **rule(
        Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN, scope=Scope.COMMUNITY, target=query_community
    ),
)
async def list_notifications(
    query: Annotated[commands.ListNotifications, Query()],
    rpc: Rpc,
    correlation_id: CorrelationId,
) -> dict[str, Any]:
    result: dict[str, Any] = await rpc.call(
        commands.SERVICE, commands.LIST_NOTIFICATIONS, query, correlation_id=correlation_id
    )
    return result
