"""Rate limits per account, per API key, and per client IP for anonymous callers.

A moving window (the `limits` library): at most N requests in any span of the period, so a
burst at the edge of a fixed window cannot double the rate. Over the limit the answer is
429 (a problem document) with `Retry-After`: the seconds until the oldest request in the
window leaves it and frees a slot (at least 1).

Limits (env, in the `limits` notation such as "300/minute"):
`GATEWAY_RATE_LIMIT_PER_ACCOUNT` (300/minute), `GATEWAY_RATE_LIMIT_PER_API_KEY`
(600/minute), `GATEWAY_RATE_LIMIT_ANONYMOUS` (60/minute per client IP). The caller is found
as for the Idempotency-Key (`idempotency.identify`): a bearer token, `X-API-Key`, or on the
Open311 routes the spec's `?api_key=`, which gets the per-key limit; a key only in an Open311
form/JSON body is not seen before the route runs, so that request counts as anonymous. A
request whose credentials are not valid counts as anonymous, so guessing tokens or keys is
limited too.

The counters live in memory, **per gateway replica**: with N replicas behind a load
balancer a caller may get up to N times the limit, and a restart forgets the counts. A
shared storage (`limits` supports Redis, Memcached, MongoDB) would make them global; we
take the per-replica bound, which needs no extra server.

The client IP is the connection's peer. Behind a proxy or ingress, run uvicorn with
`--proxy-headers --forwarded-allow-ips=<the proxy>` so the peer is the real client;
otherwise every anonymous caller shares the proxy's budget.

The liveness and readiness probes (`/healthz/live`, `/healthz/ready`), metrics, the API
docs, the console and the AsyncAPI documents are not limited. The aggregated `/healthz`
(which pings every service over NATS) is: anonymous, per client IP.
"""

import math
import time
from typing import Final

from fastapi import FastAPI
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.accounts.model import Principal
from services.gateway.idempotency import identify
from services.gateway.problems import problem

# Paths never limited: the probes, exactly (not the aggregated /healthz, which fans out to
# every service), and prefixes (each also matching its sub-paths).
EXEMPT_PATHS: Final = frozenset({"/healthz/live", "/healthz/ready"})
EXEMPT: Final = (
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/static-offline-docs",
    "/console",
    "/asyncapi",
)


def exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or any(
        path == prefix or path.startswith(prefix + "/") for prefix in EXEMPT
    )


class Limits:
    def __init__(self, per_account: str, per_api_key: str, anonymous: str) -> None:
        # parse() raises ValueError on a malformed setting: the gateway refuses to start.
        self.per_account = parse(per_account)
        self.per_api_key = parse(per_api_key)
        self.anonymous = parse(anonymous)

    def of(self, principal: Principal | None, client_ip: str) -> tuple[RateLimitItem, str]:
        """The limit that applies to a caller, and the identity it counts against."""
        if principal is None:
            return self.anonymous, f"ip:{client_ip}"
        if principal.kind == "api_key":
            return self.per_api_key, f"api_key:{principal.id}"
        return self.per_account, f"account:{principal.id}"


def retry_after(reset_time: float, now: float) -> int:
    """Whole seconds until a slot frees (rounded up: earlier would be refused again)."""
    return max(1, math.ceil(reset_time - now))


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, gateway: FastAPI, limits: Limits) -> None:
        self.app = app
        self.gateway = gateway
        self.limits = limits
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        caller = await identify(self.gateway, scope)
        client = scope.get("client")
        limit, who = self.limits.of(caller.principal, client[0] if client else "unknown")
        if await self.limiter.hit(limit, who):
            await self.app(scope, receive, send)
            return
        stats = await self.limiter.get_window_stats(limit, who)
        wait = retry_after(stats.reset_time, time.time())
        response = problem(
            429,
            f"Too many requests: the limit is {limit}; retry in {wait} s.",
            instance=scope["path"],
            code="rate-limited",
            headers={"Retry-After": str(wait)},
        )
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Add the rate limits to the app (outside the Idempotency-Key handling, so a 429 is
    never stored as a key's response)."""
    settings = app.state.settings
    limits = Limits(
        settings.rate_limit_per_account,
        settings.rate_limit_per_api_key,
        settings.rate_limit_anonymous,
    )
    app.add_middleware(RateLimitMiddleware, gateway=app, limits=limits)
