"""A service built and started in the test's process on the real servers, an RPC client
that calls it over NATS as the gateway does, and a recorder of every event of the test's
subdistrict (as an outside subscriber sees them). The services' conftests build on it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData, parse_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from tests.waiting import eventually

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
