"""The delivery log: every message on a channel other than the inbox (robot, e-mail, SMS,
webhook), per cause event or recipient, pending, sent or dead; and retrying a dead one once
its cause is fixed. Addresses masked."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.gateway import service_rpc
from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from services.gateway.notify_targets import check_delivery_id
from services.gateway.notify_view import delivery_view, page_of
from services.gateway.service_rpc import command
from services.gateway.targets import query_community
from shared.contracts.commands import notify as commands

router = APIRouter(prefix="/api/v1/notify/deliveries", tags=["notify"])


@router.get(
    "",
    summary="The delivery log, newest first, cursor-paged; addresses masked",
    description=(
        "Filter by cause event (`event_id`), recipient (`member:m1`, `robot:b3`), "
        "`status` (pending, sent, dead: the failed ones to look at) and `channel`. "
        "A community admin names their community (`community_id`)."
    ),
    **rule(
        Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN, scope=Scope.COMMUNITY, target=query_community
    ),
)
async def list_deliveries(
    query: Annotated[commands.ListDeliveries, Query()], request: Request
) -> Any:
    answer = await service_rpc.ask(request, commands.SERVICE, commands.LIST_DELIVERIES, query)
    return page_of(answer, delivery_view)


@router.post(
    "/{delivery_id}/retry",
    summary="Retry a dead delivery: back to pending, attempts from zero, due now",
    description="The subdistrict's admins (who fix channel settings).",
    **rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT, write=True),
)
async def retry_delivery(delivery_id: str, request: Request) -> Any:
    check_delivery_id(delivery_id)
    retry = command(commands.RetryDelivery, delivery_id=delivery_id)
    answer = await service_rpc.ask(request, commands.SERVICE, commands.RETRY_DELIVERY, retry)
    return delivery_view(answer)
