import pytest

from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from tests.integration.requests.conftest import Requests

pytestmark = pytest.mark.integration


async def test_a_request_is_created_over_nats(requests_service: Requests) -> None:
    body = commands.CreateRequest(
        kind="repair", title="楼道灯坏了", location=CommandLocation(community_id="quanyun")
    )
    made = await requests_service.call(commands.CREATE_REQUEST, body)
    assert made["status"] == "submitted" and made["kind"] == "repair"
