"""The activities service built and started in the test's process, on the real servers, with
an RPC client that calls it over NATS as the gateway does, a recorder of its events, and a
way to put another service's event on JetStream (e.g. the registry's TeamCreated)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from nats.js import JetStreamContext

from services.activities.bootstrap import build
from services.activities.config import ActivitiesSettings
from shared.bus.rpc import RpcClient
from shared.contracts.catalogue import EventData
from shared.contracts.commands import activities as commands
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
class Activities(CallsService):
    service: ClassVar[str] = commands.SERVICE

    runtime: ServiceRuntime
    settings: ActivitiesSettings
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


def activities_settings(
    nats_url: str, mongo_url: str, subdistrict: str, **overrides: Any
) -> ActivitiesSettings:
    return ActivitiesSettings(
        subdistrict=subdistrict,
        nats_url=nats_url,
        mongo_url=mongo_url,
        **{**FAST_SETTINGS, **overrides},
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
    async with running(build(settings), nats_url) as service:
        yield Activities(service.runtime, settings, service.rpc, service.events, js)
