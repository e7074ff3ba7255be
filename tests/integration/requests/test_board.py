"""The board: requests by status with filters (community, kind, handler, overdue), newest
first and cursor-paged, residents masked."""

from datetime import datetime, timedelta

import pytest

from shared.contracts.commands import requests as commands
from tests.integration.requests.conftest import Requests
from tests.integration.requests.lifecycle_support import (
    accepted,
    create,
    dispatched,
    movable_clock,
)

pytestmark = pytest.mark.integration


async def ids(service: Requests, **filters: object) -> list[str]:
    page = await service.call(commands.GET_BOARD, commands.GetBoard(**filters))  # type: ignore[arg-type]
    return [item["id"] for item in page["items"]]


async def test_the_board_filters_and_pages(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    clock = movable_clock(monkeypatch)
    urgent = await accepted(service, kind="emergency", title="老人摔倒")  # due tonight
    repair = await dispatched(service, "team", "t-repair")
    dispute = await create(service, kind="neighbour_dispute", title="噪音")
    elsewhere = await accepted(service, community="c2", compound=None, building=None)

    assert await ids(service) == [elsewhere["id"], dispute["id"], repair["id"], urgent["id"]]
    assert await ids(service, community_id="c1") == [dispute["id"], repair["id"], urgent["id"]]
    assert await ids(service, status="accepted") == [elsewhere["id"], urgent["id"]]
    assert await ids(service, kind="neighbour_dispute") == [dispute["id"]]
    assert await ids(service, handler_id="t-repair") == [repair["id"]]
    assert await ids(service, overdue=True) == []

    # The emergency was due by midnight; the others have working days left.
    clock.at = datetime.fromisoformat(urgent["deadline"]) + timedelta(minutes=5)
    assert await ids(service, overdue=True) == [urgent["id"]]
    assert await ids(service, overdue=True, status="submitted") == []
    assert await ids(service, overdue=False, community_id="c1") == [dispute["id"], repair["id"]]

    first = await service.call(commands.GET_BOARD, commands.GetBoard(limit=3))
    assert len(first["items"]) == 3 and first["next_cursor"] == first["items"][-1]["id"]
    rest = await service.call(
        commands.GET_BOARD, commands.GetBoard(limit=3, cursor=first["next_cursor"])
    )
    assert [item["id"] for item in rest["items"]] == [urgent["id"]]
    assert rest["next_cursor"] is None
    assert first["items"][0]["resident"] == {"name": "张**", "phone": "138****5678"}
