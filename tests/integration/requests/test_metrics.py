"""The three rates per month, for a community, a team with its sub-squads, and the
subdistrict (definitions in services/requests/domain/metrics.py)."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.contracts.commands import requests as commands
from shared.contracts.rpc import Invalid
from tests.integration.requests.conftest import Requests
from tests.integration.requests.lifecycle_support import (
    create,
    dispatched,
    movable_clock,
    team,
)

pytestmark = pytest.mark.integration


async def resolve(service: Requests, request_id: str) -> None:
    await service.call(
        commands.RESOLVE_REQUEST,
        commands.ResolveRequest(request_id=request_id, notes="已处理", hours_spent=1),
    )


async def follow_up(service: Requests, request_id: str, satisfaction: str) -> None:
    await service.call(
        commands.RECORD_FOLLOW_UP,
        commands.RecordFollowUp(request_id=request_id, satisfaction=satisfaction),  # type: ignore[arg-type]
    )


async def month(service: Requests, submitted: str, **scope: Any) -> dict[str, Any]:
    """The figures of the month the test's requests were submitted in."""
    at = datetime.fromisoformat(submitted).astimezone(ZoneInfo("Asia/Shanghai"))
    query = commands.GetMetrics(month_from=at.strftime("%Y-%m"), month_to=at.strftime("%Y-%m"))
    figures = await service.call(commands.GET_METRICS, query.model_copy(update=scope))
    [found] = figures["months"]
    assert found["month"] == at.strftime("%Y-%m")
    return found  # type: ignore[no-any-return]


async def test_the_three_rates(requests_service: Requests, monkeypatch: pytest.MonkeyPatch) -> None:
    service = requests_service
    clock = movable_clock(monkeypatch)
    await team(service, "t-top", "平安志愿服务队")
    await team(service, "t-sub", "平安一分队", parent="t-top")
    await team(service, "t-other", "环保志愿服务队")
    on_time = await dispatched(service, "team", "t-sub")
    late = await dispatched(service, "team", "t-top")
    await dispatched(service, "team", "t-other")  # still open past its deadline
    await create(service)  # never answered
    await create(service, community="c2", compound=None, building=None)

    await resolve(service, on_time["id"])
    clock.move(timedelta(hours=3))
    # The late one is resolved after its deadline; the other team's is still open past it.
    clock.at = datetime.fromisoformat(late["deadline"]) + timedelta(hours=1)
    await resolve(service, late["id"])
    clock.move(timedelta(days=1))
    await follow_up(service, on_time["id"], "unsatisfied")
    await resolve(service, on_time["id"])
    clock.move(timedelta(days=1))
    await follow_up(service, on_time["id"], "basically_satisfied")
    await follow_up(service, late["id"], "satisfied")

    submitted = on_time["submitted_at"]
    c1 = await month(service, submitted, community_id="c1")
    assert c1["submitted"] == 4 and c1["responded"] == 3 and c1["response_rate"] == 0.75
    assert c1["due"] == 3 and c1["resolved_on_time"] == 1 and c1["overdue"] == 2
    assert c1["resolution_rate"] == round(1 / 3, 4)
    assert c1["follow_ups"] == 3 and c1["satisfaction_rate"] == round(2 / 3, 4)
    assert c1["avg_hours_to_accept"] is not None and c1["avg_hours_to_accept"] < 0.1
    assert c1["avg_hours_to_resolve"] is not None and c1["avg_hours_to_resolve"] > 24

    squad = await month(service, submitted, team_id="t-top")
    assert squad["submitted"] == 2 and squad["resolved_on_time"] == 1 and squad["overdue"] == 1
    figures = await service.call(commands.GET_METRICS, commands.GetMetrics(team_id="t-top"))
    assert figures["scope"]["team_ids"] == ["t-sub", "t-top"]
    assert len(figures["months"]) == 12

    everywhere = await month(service, submitted)
    assert everywhere["submitted"] == 5 and everywhere["response_rate"] == 0.6

    with pytest.raises(Invalid) as backwards:
        await service.call(
            commands.GET_METRICS, commands.GetMetrics(month_from="2025-05", month_to="2025-01")
        )
    assert backwards.value.details[0].loc == ["month_from"]
