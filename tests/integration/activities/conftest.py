"""The activities service built and started in the test's process, on the real servers, with
an RPC client that calls it over NATS as the gateway does, a recorder of its events, and a
way to put another service's event on JetStream (e.g. the registry's TeamCreated)."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from pydantic import BaseModel

from services.activities.bootstrap import build
from services.activities.config import ActivitiesSettings
from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData, catalogue, new_event
from shared.contracts.commands import activities as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from tests.integration.registry.conftest import Recorder

ADMIN = "user:test-admin"


@dataclass
class Activities:
    runtime: ServiceRuntime
    settings: ActivitiesSettings
    rpc: RpcClient
    events: Recorder
    js: JetStreamContext

    async def call(
        self, command: str, body: BaseModel, *, actor: str | None = ADMIN, name: str = "管理员"
    ) -> Any:
        return await self.rpc.call(
            commands.SERVICE, command, body, actor=actor, actor_name=name, timeout_s=30
        )

    async def publish(
        self, data: EventData, *, subject: str, msg_id: str | None = None
    ) -> CloudEvent:
        """Put an event on JetStream as its own service's relay would (`subject`: the
        aggregate id). A different `msg_id` makes a second delivery of the same event."""
        event = new_event(data, subdistrict=self.settings.subdistrict, subject=subject)
        spec = next(s for s in catalogue().values() if s.model is type(data))
        await self.js.publish(
            spec.subject(self.settings.subdistrict),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or event.id},
        )
        return event


def activities_settings(
    nats_url: str, mongo_url: str, subdistrict: str, **overrides: Any
) -> ActivitiesSettings:
    return ActivitiesSettings(
        subdistrict=subdistrict,
        nats_url=nats_url,
        mongo_url=mongo_url,
        outbox_sweep_interval_s=1,
        retry_backoff_s=[0.2, 0.5],
        ack_wait_s=10,
        graceful_timeout_s=5,
        **overrides,
    )


@pytest.fixture
def activities_overrides() -> dict[str, Any]:
    """Settings a test module changes (override this fixture in it). By default the
    scheduler hardly ever runs by itself: tests drive its tick functions with their own `now`."""
    return {"scheduler_interval_s": 3600.0}


@pytest.fixture
async def activities(
    nats_url: str,
    mongo_url: str,
    subdistrict: str,
    js: JetStreamContext,
    activities_overrides: dict[str, Any],
) -> AsyncIterator[Activities]:
    settings = activities_settings(nats_url, mongo_url, subdistrict, **activities_overrides)
    runtime = build(settings)
    await runtime.start()
    client: NatsClient = await nats.connect(nats_url, connect_timeout=5)
    recorder = Recorder()
    subscription = await client.subscribe(events_filter(subdistrict), cb=recorder.on_message)
    try:
        yield Activities(runtime, settings, RpcClient(client, subdistrict, 10), recorder, js)
    finally:
        await subscription.unsubscribe()
        await client.drain()
        await asyncio.wait_for(runtime.stop(), 30)
