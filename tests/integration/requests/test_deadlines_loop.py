"""The deadline scheduler runs by itself in the service (runtime.background), at the real
time: a request accepted long ago is chased without anyone calling `tick`."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from shared.contracts.events.requests import RequestEscalated, RequestReminderDue
from tests.integration.requests.conftest import Requests

pytestmark = pytest.mark.integration


@pytest.fixture
def requests_overrides() -> dict[str, Any]:
    return {"scheduler_interval_s": 0.2}


async def test_the_service_escalates_a_late_request_on_its_own(requests_service: Requests) -> None:
    made = await requests_service.call(
        commands.CREATE_REQUEST,
        commands.CreateRequest(
            kind="emergency", title="燃气味", location=CommandLocation(community_id="quanyun")
        ),
    )
    accepted_at = datetime.now(UTC) - timedelta(days=3)
    late = {
        "status": "accepted",
        "accepted_at": accepted_at,
        "deadline": accepted_at + timedelta(hours=12),
        "timeline": [],
    }
    store = requests_service.runtime.aggregates("requests")
    await store.update(made["id"], lambda doc: ({**doc, **late}, []))
    [escalated] = await requests_service.events.wait_for(RequestEscalated)
    assert escalated.request_id == made["id"] and escalated.handler is None
    assert [e.request_id for e in requests_service.events.of(RequestReminderDue)] == [made["id"]]
    stored = await store.get(made["id"])
    assert [e["action"] for e in stored["timeline"]] == ["reminded", "overdue", "escalated"]
