"""The gateway's FastAPI app. The NATS connection starts in the lifespan, never at import."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from faststream.nats import NatsBroker

from services.gateway import problems
from services.gateway.config import GatewaySettings
from services.gateway.routes import asyncapi, console, health, notifications, requests
from shared.bus.rpc import RpcClient
from shared.runtime.health import health_routes

DESCRIPTION = """RedVest (红马甲) admin API: Party building + volunteer service for one subdistrict.

Errors are RFC 9457 problem details (`application/problem+json`)."""


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Reconnect for ever: after an outage the gateway must come back by itself.
        broker = NatsBroker(settings.nats_url, name="redvest-gateway", max_reconnect_attempts=-1)
        await broker.connect()
        app.state.broker = broker
        app.state.rpc = RpcClient(broker.connection, settings.subdistrict, settings.rpc_timeout_s)
        try:
            yield
        finally:
            await broker.stop()

    app = FastAPIOffline(
        title="RedVest API", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    problems.install(app, settings.retry_after_s)

    async def ready() -> dict[str, bool]:
        broker = getattr(app.state, "broker", None)
        return {"nats": broker is not None and await broker.ping(timeout=1.0)}

    health_routes(app, ready)
    for module in (requests, notifications, health, asyncapi, console):
        app.include_router(module.router)
    return app
