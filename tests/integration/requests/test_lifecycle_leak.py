"""The issue's leak: reported in a building's WeChat group by a volunteer for an elder,
accepted, dispatched to the property company, reminded, overdue, escalated, resolved; the
follow-up "unsatisfied" reopens it; a second resolution, "satisfied" closes it. Every step
emits its event once."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from services.requests.deadlines import Deadlines
from services.requests.domain import calendar
from shared.contracts.catalogue import EventData
from shared.contracts.commands import requests as commands
from shared.contracts.events import requests as events
from shared.contracts.rpc import Conflict, Invalid
from tests.integration.requests.conftest import Requests
from tests.integration.requests.lifecycle_support import (
    ADMIN,
    VOLUNTEER,
    compound_with_three,
    create,
    get,
    movable_clock,
)

pytestmark = pytest.mark.integration


async def test_a_leak_from_intake_to_a_satisfied_follow_up(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    clock = movable_clock(monkeypatch)
    await compound_with_three(service)
    made = await create(service, channel="wechat_group", entered_by=VOLUNTEER)
    request_id = made["id"]

    def one(event: Any) -> bool:
        return bool(event.request_id == request_id)

    # 受理: the deadline from the kind's time limit in the catalogue.
    accepted = await service.call(
        commands.ACCEPT_REQUEST, commands.AcceptRequest(request_id=request_id), actor=ADMIN
    )
    kind = await service.runtime.db["kinds"].find_one({"_id": "repair"})
    limit = kind["time_limit"] if kind else {"same_day": False, "working_days": 5}
    due = calendar.deadline(clock.at, tz="Asia/Shanghai", **limit)
    assert accepted["status"] == "accepted" and datetime.fromisoformat(accepted["deadline"]) == due
    [event] = await service.events.wait_for(events.RequestAccepted, one)
    assert event.deadline == due and event.accepted_by == ADMIN

    # 派单 to the compound's property company; an unknown compound names the field.
    with pytest.raises(Invalid) as unknown:
        await service.call(
            commands.DISPATCH_REQUEST,
            commands.DispatchRequest(
                request_id=request_id, handler_type="property_company", handler_id="nowhere"
            ),
        )
    assert unknown.value.details[0].loc == ["handler_id"]
    dispatched = await service.call(
        commands.DISPATCH_REQUEST,
        commands.DispatchRequest(
            request_id=request_id,
            handler_type="property_company",
            handler_id="k1",
            note="请物业上门查看",
            expected_revision=accepted["revision"],
        ),
        actor=ADMIN,
    )
    assert dispatched["handler"] == {
        "type": "property_company",
        "id": "k1",
        "name": "绿城物业",
        "member_id": None,
    }
    start = commands.StartRequest(request_id=request_id)
    await service.call(commands.START_REQUEST, start, actor="user:property")

    # 催办, overdue, 督办: the deadline scheduler's rounds at our times.
    deadlines = Deadlines(service.runtime.aggregates("requests"), service.settings)
    grace = timedelta(hours=service.settings.escalation_grace_h)
    for at in (due - timedelta(hours=1), due + timedelta(minutes=1), due + grace + timedelta(1)):
        await deadlines.tick(at)
    await deadlines.tick(due + grace + timedelta(days=2))  # nothing more comes
    await service.events.wait_for(events.RequestEscalated, one)
    clock.at = (due + timedelta(hours=2)).replace(microsecond=0)
    board = await service.call(
        commands.GET_BOARD, commands.GetBoard(community_id="c1", overdue=True)
    )
    assert [item["id"] for item in board["items"]] == [request_id]

    # 办结; the follow-up waits for the next day, and an unsatisfied one reopens.
    resolve = commands.ResolveRequest(request_id=request_id, notes="更换了楼上的水管接头")
    resolved = await service.call(commands.RESOLVE_REQUEST, resolve, actor="user:property")
    assert resolved["status"] == "resolved" and resolved["resolution"]["notes"]
    unhappy = commands.RecordFollowUp(
        request_id=request_id, satisfaction="unsatisfied", comment="还在滴水"
    )
    with pytest.raises(Conflict, match="from the next day"):
        await service.call(commands.RECORD_FOLLOW_UP, unhappy, actor=ADMIN)
    clock.move(timedelta(days=1))
    reopened = await service.call(commands.RECORD_FOLLOW_UP, unhappy, actor=ADMIN)
    assert reopened["status"] == "in_progress" and reopened["reopened"] == 1
    assert reopened["handler"]["id"] == "k1"  # the same handler takes it up again
    assert reopened["overdue_at"] is None and reopened["escalated_at"] is None

    again = commands.ResolveRequest(request_id=request_id, notes="重新做了防水")
    await service.call(commands.RESOLVE_REQUEST, again, actor="user:property")
    clock.move(timedelta(days=1))
    happy = commands.RecordFollowUp(request_id=request_id, satisfaction="satisfied")
    closed = await service.call(commands.RECORD_FOLLOW_UP, happy, actor=ADMIN)
    assert closed["status"] == "closed" and closed["closed_as"] == "closed"
    [ended] = await service.events.wait_for(events.RequestClosed, one)
    assert ended.closed_as == "closed"

    # Every step's event, once (twice for what happened twice).
    expected: dict[type[EventData], int] = {
        events.RequestAccepted: 1,
        events.RequestDispatched: 1,
        events.RequestStarted: 1,
        events.RequestReminderDue: 1,
        events.RequestOverdue: 1,
        events.RequestEscalated: 1,
        events.RequestResolved: 2,
        events.FollowUpRecorded: 2,
        events.RequestReopened: 1,
        events.RequestClosed: 1,
    }
    for model, count in expected.items():
        await service.events.wait_for(model, one, count=count)
    assert {m: len([e for e in service.events.of(m) if one(e)]) for m in expected} == expected
    assert not [e for e in service.events.of(events.VolunteerAssigned) if one(e)]

    view = await get(service, request_id)
    assert view["channel"] == "wechat_group" and view["entered_by"] == VOLUNTEER
    assert view["resident"] == {"name": "张**", "phone": "138****5678"}
    assert "13812345678" not in view["description"]
    assert [(e["action"], e["by"]) for e in view["timeline"] if e["by"] != "system:deadlines"] == [
        ("accepted", ADMIN),
        ("dispatched", ADMIN),
        ("started", "user:property"),
        ("resolved", "user:property"),
        ("followed_up", ADMIN),
        ("resolved", "user:property"),
        ("followed_up", ADMIN),
    ]
    assert [f["satisfaction"] for f in view["follow_ups"]] == ["unsatisfied", "satisfied"]
    assert len(view["resolutions"]) == 2
