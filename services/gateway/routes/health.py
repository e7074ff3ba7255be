"""The aggregated health of every service, each pinged over NATS.
(The gateway's own liveness, readiness and metrics come from shared/runtime/health.py.)"""

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.gateway.authz import Scope, rule
from services.gateway.deps import Rpc
from shared.contracts.commands.health import PING, Ping
from shared.contracts.rpc import ServiceError

SERVICES = ("registry", "activities", "requests", "notify")

router = APIRouter(include_in_schema=False)


@router.get("/healthz", **rule(scope=Scope.PUBLIC))
async def aggregated(rpc: Rpc) -> JSONResponse:
    async def check(service: str) -> tuple[str, dict[str, Any]]:
        try:
            return service, await rpc.call(service, PING, Ping())
        except ServiceError as exc:
            return service, {"service": service, "error": exc.message}

    results = dict(await asyncio.gather(*(check(s) for s in SERVICES)))
    ok = all("checks" in r and all(r["checks"].values()) for r in results.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "services": results},
        status_code=200 if ok else 503,
    )
