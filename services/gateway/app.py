"""The gateway's FastAPI app. The NATS connection starts in the lifespan, never at import."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from faststream.nats import NatsBroker
from pymongo.asynchronous.database import AsyncDatabase

from services.gateway import bodylimit, idempotency, openapi, problems, ratelimit
from services.gateway.accounts.store import AccountStore, AuditLog, TokenPolicy
from services.gateway.authz import routes_without_rule
from services.gateway.config import DEV_SECRET, GatewaySettings
from services.gateway.routes import (
    activities,
    activities_attendance,
    asyncapi,
    audit,
    auth,
    console,
    events,
    health,
    members,
    notifications,
    notify_deliveries,
    notify_notices,
    notify_preferences,
    notify_rules,
    open311,
    org,
    proof_pdf,
    records,
    registry_stats,
    request_board,
    request_flow,
    requests,
    teams,
    users,
    wishes,
)
from shared.bus.rpc import RpcClient
from shared.runtime.health import health_routes
from shared.store.client import make_client, ping, service_database

log = logging.getLogger(__name__)

DESCRIPTION = """RedVest (红马甲) admin API: Party building + volunteer service for one subdistrict.

Errors are RFC 9457 problem details (`application/problem+json`)."""


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.jwt_secret.startswith("change-me"):
            raise RuntimeError(
                "GATEWAY_JWT_SECRET is the placeholder from deploy/example.env: set a real "
                "one, e.g. `openssl rand -hex 32`"
            )
        if settings.jwt_secret == DEV_SECRET:
            if not settings.allow_dev_secret:
                raise RuntimeError(
                    "GATEWAY_JWT_SECRET is unset or the public development default: set a "
                    "real one (at least 32 characters), or GATEWAY_ALLOW_DEV_SECRET=1 for "
                    "local development only"
                )
            log.warning("GATEWAY_JWT_SECRET is the public development default (dev only)")
        mongo = make_client(settings.mongo_url)
        db = service_database(mongo, settings.subdistrict, settings.service)
        app.state.accounts = accounts_store(db, settings)
        app.state.audit = AuditLog(db)
        await app.state.accounts.create_indexes()
        await app.state.audit.create_indexes()
        # Reconnect for ever: after an outage the gateway must come back by itself.
        broker = NatsBroker(settings.nats_url, name="redvest-gateway", max_reconnect_attempts=-1)
        await broker.connect()
        app.state.broker = broker
        app.state.rpc = RpcClient(broker.connection, settings.subdistrict, settings.rpc_timeout_s)
        try:
            yield
        finally:
            await broker.stop()
            await mongo.close()

    app = FastAPIOffline(
        title="RedVest API", version="0.1.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.settings = settings
    problems.install(app, settings.retry_after_s)

    async def ready() -> dict[str, bool]:
        broker = getattr(app.state, "broker", None)
        accounts = getattr(app.state, "accounts", None)
        return {
            "nats": broker is not None and await broker.ping(timeout=1.0),
            "mongodb": accounts is not None and await ping(accounts.users.database.client),
        }

    health_routes(app, ready)
    for module in (
        auth,
        users,
        request_board,  # before requests: /api/v1/requests/metrics is not a request's id
        requests,
        request_flow,
        wishes,
        org,
        members,
        records,
        proof_pdf,
        teams,
        registry_stats,
        activities,
        activities_attendance,
        notifications,
        notify_rules,
        notify_preferences,
        notify_deliveries,
        notify_notices,
        audit,
        open311,
        events,
        health,
        asyncapi,
        console,
    ):
        app.include_router(module.router)
    idempotency.install(app)
    ratelimit.install(app)
    bodylimit.install(app)  # last added = outermost: oversized bodies never reach the others
    openapi.install(app)
    if missing := routes_without_rule(app.routes):
        raise RuntimeError(f"routes without an authorization rule: {missing}")
    return app


def accounts_store(db: AsyncDatabase[dict[str, Any]], settings: GatewaySettings) -> AccountStore:
    return AccountStore(
        db,
        TokenPolicy(
            secret=settings.jwt_secret,
            access_ttl=timedelta(seconds=settings.access_token_ttl_s),
            refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
            max_failures=settings.login_max_failures,
            lockout=timedelta(seconds=settings.login_lockout_s),
            audience=settings.subdistrict,
        ),
    )
