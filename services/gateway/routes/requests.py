"""Residents' requests (诉求)."""

from typing import Any

from fastapi import APIRouter, Request

from services.gateway.deps import CorrelationId, Rpc
from shared.contracts.commands import requests as commands

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])


@router.post("", status_code=201, summary="Record a resident's request")
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


@router.get("/{request_id}", summary="One request, personal data masked")
async def get_request(request_id: str, rpc: Rpc, correlation_id: CorrelationId) -> dict[str, Any]:
    result: dict[str, Any] = await rpc.call(
        commands.SERVICE,
        commands.GET_REQUEST,
        commands.GetRequest(request_id=request_id),
        correlation_id=correlation_id,
    )
    return result
