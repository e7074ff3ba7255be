"""Liveness, readiness and the aggregated health of every service (pinged over NATS)."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.gateway.deps import Rpc
from shared.contracts.rpc import ServiceError
from shared.runtime.service import PING, Ping

SERVICES = ("registry", "activities", "requests", "notify")

router = APIRouter(include_in_schema=False)


@router.get("/healthz/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/healthz/ready")
async def ready(request: Request) -> JSONResponse:
    ok = await request.app.state.broker.ping(timeout=1.0)
    return JSONResponse({"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503)


@router.get("/healthz")
async def aggregated(rpc: Rpc) -> JSONResponse:
    async def check(service: str) -> tuple[str, Any]:
        try:
            return service, await rpc.call(service, PING, Ping())
        except ServiceError as exc:
            return service, {"service": service, "error": exc.message}

    results = dict(await asyncio.gather(*(check(s) for s in SERVICES)))
    ok = all(all(r.get("checks", {"x": False}).values()) for r in results.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "services": results},
        status_code=200 if ok else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
