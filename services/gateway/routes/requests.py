"""Residents' requests (诉求)."""

from typing import Any

from fastapi import APIRouter, Request

from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from services.gateway.deps import CorrelationId, Rpc
from services.gateway.targets import body_community, request_community
from shared.contracts.commands import requests as commands

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])

ADMINS = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)


@router.post(
    "",
    status_code=201,
    summary="Record a resident's request",
    **rule(*ADMINS, Role.INTEGRATION, scope=Scope.COMMUNITY, target=body_community, write=True),
)
async def create_request(
    body: commands.CreateRequest, rpc: Rpc, correlation_id: CorrelationId, request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await rpc.call(
        commands.SERVICE,
        commands.CREATE_REQUEST,
        body,
        correlation_id=correlation_id,
        traceparent=request.headers.get("traceparent"),
    )
    return result


@router.get(
    "/{request_id}",
    summary="One request, personal data masked",
    **rule(*ADMINS, Role.INTEGRATION, scope=Scope.COMMUNITY, target=request_community),
)
async def get_request(request_id: str, request: Request) -> dict[str, Any]:
    found: dict[str, Any] = request.state.resource  # fetched by the rule's target lookup
    return found
