"""Dependencies routes ask for, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Request

from shared.bus.rpc import RpcClient


def get_rpc(request: Request) -> RpcClient:
    rpc: RpcClient = request.app.state.rpc
    return rpc


def get_correlation_id(request: Request) -> str | None:
    return request.headers.get("X-Correlation-Id")


Rpc = Annotated[RpcClient, Depends(get_rpc)]
CorrelationId = Annotated[str | None, Depends(get_correlation_id)]
