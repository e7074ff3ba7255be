"""The notify service built and started in the test's process (tests/integration/
service_harness.py), called over NATS as the gateway does, its events recorded, and a way to
put the other services' events on JetStream as their relays would."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from nats.js import JetStreamContext

from services.notify.bootstrap import build
from services.notify.config import NotifySettings
from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData
from shared.contracts.commands import notify as commands
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
class Notify(CallsService):
    service: ClassVar[str] = commands.SERVICE

    runtime: ServiceRuntime
    settings: NotifySettings
    rpc: RpcClient
    events: Recorder
    js: JetStreamContext

    async def publish(
        self, data: EventData, *, subject: str, msg_id: str | None = None
    ) -> CloudEvent:
        """Another service's event on JetStream (`subject`: its aggregate id). A different
        `msg_id` makes a second delivery of the same event."""
        return await publish_event(
            self.js, self.settings.subdistrict, data, subject=subject, msg_id=msg_id
        )


@pytest.fixture
def notify_overrides() -> dict[str, Any]:
    """Settings a test module changes (override this fixture in it): channel endpoints,
    robots, webhooks. The dispatcher's own loop hardly runs: tests drive its pass with
    their own `now` unless they set `dispatch_interval_s`."""
    return {"dispatch_interval_s": 3600.0}


@pytest.fixture
async def notify(
    nats_url: str,
    mongo_url: str,
    subdistrict: str,
    js: JetStreamContext,
    notify_overrides: dict[str, Any],
) -> AsyncIterator[Notify]:
    settings = NotifySettings(
        subdistrict=subdistrict,
        nats_url=nats_url,
        mongo_url=mongo_url,
        **{**FAST_SETTINGS, **notify_overrides},
    )
    async with running(build(settings), nats_url) as service:
        yield Notify(service.runtime, settings, service.rpc, service.events, js)
