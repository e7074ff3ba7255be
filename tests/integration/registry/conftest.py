"""The registry service built and started in the test's process, on the real servers, with
an RPC client that calls it over NATS as the gateway does, and a recorder of its events."""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import BaseModel

from services.registry.bootstrap import build
from services.registry.config import RegistrySettings
from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData, parse_event
from shared.contracts.commands import registry as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from tests.waiting import eventually

ADMIN = "user:test-admin"


@dataclass
class Recorder:
    """Every event published in the test's subdistrict, as an outside subscriber sees it."""

    seen: list[tuple[CloudEvent, EventData]] = field(default_factory=list)

    async def on_message(self, msg: Msg) -> None:
        self.seen.append(parse_event(msg.data))

    def of(self, model: type[EventData]) -> list[Any]:
        return [data for _, data in self.seen if isinstance(data, model)]

    async def wait_for(
        self,
        model: type[EventData],
        where: Callable[[Any], bool] = lambda _: True,
        count: int = 1,
        within: float = 15.0,
    ) -> list[Any]:
        async def matching() -> list[Any]:
            return [data for data in self.of(model) if where(data)]

        return await eventually(
            matching, lambda found: len(found) >= count, within=within, what=model.__name__
        )


@dataclass
class Registry:
    runtime: ServiceRuntime
    settings: RegistrySettings
    rpc: RpcClient
    events: Recorder

    async def call(
        self, command: str, body: BaseModel, *, actor: str | None = ADMIN, name: str = "管理员"
    ) -> Any:
        return await self.rpc.call(
            commands.SERVICE, command, body, actor=actor, actor_name=name, timeout_s=30
        )


def registry_settings(
    nats_url: str, mongo_url: str, subdistrict: str, **overrides: Any
) -> RegistrySettings:
    return RegistrySettings(
        subdistrict=subdistrict,
        nats_url=nats_url,
        mongo_url=mongo_url,
        allow_dev_secret=True,
        outbox_sweep_interval_s=1,
        retry_backoff_s=[0.2, 0.5],
        ack_wait_s=10,
        graceful_timeout_s=5,
        **overrides,
    )


@pytest.fixture
def registry_overrides() -> dict[str, Any]:
    """Settings a test module changes (override this fixture in it)."""
    return {}


@pytest.fixture
async def registry(
    nats_url: str,
    mongo_url: str,
    subdistrict: str,
    js: JetStreamContext,
    registry_overrides: dict[str, Any],
) -> AsyncIterator[Registry]:
    settings = registry_settings(nats_url, mongo_url, subdistrict, **registry_overrides)
    runtime = build(settings)
    await runtime.start()
    client: NatsClient = await nats.connect(nats_url, connect_timeout=5)
    recorder = Recorder()
    subscription = await client.subscribe(events_filter(subdistrict), cb=recorder.on_message)
    try:
        yield Registry(runtime, settings, RpcClient(client, subdistrict, 10), recorder)
    finally:
        await subscription.unsubscribe()
        await client.drain()
        await asyncio.wait_for(runtime.stop(), 30)
