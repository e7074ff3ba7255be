import pytest

from shared.contracts.commands.health import PING, Ping
from tests.integration.registry.conftest import Registry

pytestmark = pytest.mark.integration


async def test_the_registry_answers_ping_over_nats(registry: Registry) -> None:
    answer = await registry.rpc.call("registry", PING, Ping())
    assert answer["service"] == "registry"
    assert answer["checks"] == {"nats": True, "mongodb": True}
