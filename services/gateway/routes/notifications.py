"""The in-app inbox."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.gateway.deps import CorrelationId, Rpc
from shared.contracts.commands import notify as commands

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("", summary="Notifications, newest first, cursor-paged")
async def list_notifications(
    query: Annotated[commands.ListNotifications, Query()],
    rpc: Rpc,
    correlation_id: CorrelationId,
) -> dict[str, Any]:
    result: dict[str, Any] = await rpc.call(
        commands.SERVICE, commands.LIST_NOTIFICATIONS, query, correlation_id=correlation_id
    )
    return result
