"""The registry service built and started in the test's process, on the real servers, with
an RPC client that calls it over NATS as the gateway does, and a recorder of its events."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from nats.js import JetStreamContext

from services.registry.bootstrap import build
from services.registry.config import RegistrySettings
from shared.bus.rpc import RpcClient
from shared.contracts.commands import registry as commands
from shared.runtime.service import ServiceRuntime
from tests.integration.service_harness import ADMIN as ADMIN
from tests.integration.service_harness import (
    FAST_SETTINGS,
    CallsService,
    Recorder,
    running,
)


@dataclass
class Registry(CallsService):
    service: ClassVar[str] = commands.SERVICE

    runtime: ServiceRuntime
    settings: RegistrySettings
    rpc: RpcClient
    events: Recorder


def registry_settings(
    nats_url: str, mongo_url: str, subdistrict: str, **overrides: Any
) -> RegistrySettings:
    return RegistrySettings(
        subdistrict=subdistrict,
        nats_url=nats_url,
        mongo_url=mongo_url,
        allow_dev_secret=True,
        **{**FAST_SETTINGS, **overrides},
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
    async with running(build(settings), nats_url) as service:
        yield Registry(service.runtime, settings, service.rpc, service.events)
