"""The requests service built and started in the test's process (tests/integration/
service_harness.py), called over NATS as the gateway does, its events recorded, and a way to
put another service's event (the registry's) on JetStream."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from nats.js import JetStreamContext

from services.requests.bootstrap import build
from services.requests.config import RequestsSettings
from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData
from shared.contracts.commands import requests as commands
from shared.contracts.envelope import CloudEvent
from shared.runtime.service import ServiceRuntime
from tests.integration.service_harness import ADMIN as ADMIN
from tests.integration.service_harness import (
    FAST_SETTINGS,
    CallsService,
    Recorder,
    publish_event,
    running,
)


@dataclass
class Requests(CallsService):
    service: ClassVar[str] = commands.SERVICE

    runtime: ServiceRuntime
    settings: RequestsSettings
    rpc: RpcClient
    events: Recorder
    js: JetStreamContext

    async def publish(
        self, data: EventData, *, subject: str, msg_id: str | None = None
    ) -> CloudEvent:
        """Put an event on JetStream as its own service's relay would (`subject`: the
        aggregate id). A different `msg_id` makes a second delivery of the same event."""
        return await publish_event(
            self.js, self.settings.subdistrict, data, subject=subject, msg_id=msg_id
        )


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
