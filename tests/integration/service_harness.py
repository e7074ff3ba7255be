"""A service built and started in the test's process on the real servers, an RPC client
that calls it over NATS as the gateway does, and a recorder of every event of the test's
subdistrict (as an outside subscriber sees them). The services' conftests build on it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import BaseModel

from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData, catalogue, new_event, parse_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from tests.waiting import eventually

# Who the tests' commands come from, as the gateway would name a signed-in admin.
ADMIN = "user:test-admin"

# Fast retries and sweeps, so fault paths finish in seconds.
FAST_SETTINGS: dict[str, Any] = {
    "outbox_sweep_interval_s": 1,
    "retry_backoff_s": [0.2, 0.5],
    "ack_wait_s": 10,
    "graceful_timeout_s": 5,
}


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
class Running:
    runtime: ServiceRuntime
    rpc: RpcClient
    events: Recorder


@asynccontextmanager
async def running(runtime: ServiceRuntime, nats_url: str) -> AsyncIterator[Running]:
    """Start `runtime`; on the way out stop it (bounded) and close the test's connection."""
    subdistrict = runtime.settings.subdistrict
    await runtime.start()
    client: NatsClient = await nats.connect(nats_url, connect_timeout=5)
    recorder = Recorder()
    subscription = await client.subscribe(events_filter(subdistrict), cb=recorder.on_message)
    try:
        yield Running(runtime, RpcClient(client, subdistrict, 10), recorder)
    finally:
        await subscription.unsubscribe()
        await client.drain()
        await asyncio.wait_for(runtime.stop(), 30)


class CallsService:
    """`call`: one command to the service under test, as the gateway sends it (the actor and
    their name in the headers). A fixture's dataclass names its `service` and has `rpc`."""

    service: ClassVar[str]
    rpc: RpcClient

    async def call(
        self, command: str, body: BaseModel, *, actor: str | None = ADMIN, name: str = "管理员"
    ) -> Any:
        return await self.rpc.call(
            self.service, command, body, actor=actor, actor_name=name, timeout_s=30
        )


async def put_on_stream(
    js: JetStreamContext, subdistrict: str, event: CloudEvent, msg_id: str | None = None
) -> None:
    """As the producing service's relay publishes: JetStream de-duplicates by Nats-Msg-Id,
    so a different `msg_id` puts a second copy of the same event on the stream."""
    await js.publish(
        catalogue()[event.type].subject(subdistrict),
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": msg_id or event.id},
    )


async def publish_event(
    js: JetStreamContext,
    subdistrict: str,
    data: EventData,
    *,
    subject: str,
    msg_id: str | None = None,
    at: datetime | None = None,
) -> CloudEvent:
    """Another service's event (`subject`: its aggregate id), stamped `at` if given (one
    published earlier and delivered late)."""
    event = new_event(data, subdistrict=subdistrict, subject=subject)
    if at is not None:
        event = event.model_copy(update={"time": at})
    await put_on_stream(js, subdistrict, event, msg_id)
    return event
