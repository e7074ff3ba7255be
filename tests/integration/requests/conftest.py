"""The requests service built and started in the test's process (tests/integration/
service_harness.py), called over NATS as the gateway does, its events recorded, and a way to
put another service's event (the registry's) on JetStream."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from nats.js import JetStreamContext
from pydantic import BaseModel

from services.requests.bootstrap import build
from services.requests.config import RequestsSettings
from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData, event_type_of, new_event
from shared.contracts.commands import requests as commands
from shared.contracts.envelope import CloudEvent
from shared.runtime.service import ServiceRuntime
from tests.integration.service_harness import FAST_SETTINGS, Recorder, running

ADMIN = "user:test-admin"


@dataclass
class Requests:
    runtime: ServiceRuntime
    settings: RequestsSettings
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
        await self.js.publish(
            event_type_of(data).subject(self.settings.subdistrict),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or event.id},
        )
        return event


@pytest.fixture
def requests_overrides() -> dict[str, Any]:
    """Settings a test module changes (override this fixture in it). The scheduler hardly
    runs by itself: tests drive its tick with their own `now`."""
    return {"scheduler_interval_s": 3600.0}


@pytest.fixture
async def requests_service(
    nats_url: str,
    mongo_url: str,
    subdistrict: str,
    js: JetStreamContext,
    requests_overrides: dict[str, Any],
) -> AsyncIterator[Requests]:
    settings = RequestsSettings(
        subdistrict=subdistrict,
        nats_url=nats_url,
        mongo_url=mongo_url,
        **{**FAST_SETTINGS, **requests_overrides},
    )
    async with running(build(settings), nats_url) as service:
        yield Requests(service.runtime, settings, service.rpc, service.events, js)
