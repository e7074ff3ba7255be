"""The deadline scheduler on real servers, driven with its own `now`: the reminder (催办),
overdue and escalation (督办) of an accepted request, each once however many replicas tick
and however often; a closed request is never chased."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.requests.deadlines import Deadlines
from services.requests.domain.calendar import deadline
from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from shared.contracts.events.requests import (
    RequestEscalated,
    RequestOverdue,
    RequestReminderDue,
)
from shared.store.aggregates import AggregateStore
from tests.integration.requests.conftest import Requests

pytestmark = pytest.mark.integration

ACCEPTED_AT = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai
PROPERTY = {"type": "property_company", "id": "c2", "name": "绿城物业", "member_id": None}
NOTHING: dict[str, list[str]] = {"reminded": [], "overdue": [], "escalated": []}


@pytest.fixture
def requests_overrides() -> dict[str, Any]:
    return {"scheduler_interval_s": 3600.0, "reminder_before_h": 24.0, "escalation_grace_h": 8.0}


async def accepted_leak(service: Requests, *, status: str = "dispatched") -> dict[str, Any]:
    """A leak, with the fields acceptance and dispatch give it written as they would be."""
    made = await service.call(
        commands.CREATE_REQUEST,
        commands.CreateRequest(
            kind="repair", title="厨房漏水", location=CommandLocation(community_id="quanyun")
        ),
    )
    due = deadline(ACCEPTED_AT, same_day=False, working_days=3, tz="Asia/Shanghai")
    fields = {
        "status": status,
        "accepted_at": ACCEPTED_AT,
        "time_limit": {"same_day": False, "working_days": 3},
        "deadline": due,
        "handler": PROPERTY,
        "timeline": [],
    }
    store = service.runtime.aggregates("requests")
    return await store.update(made["id"], lambda doc: ({**doc, **fields}, []))


async def test_reminder_overdue_and_escalation_each_come_once(requests_service: Requests) -> None:
    request = await accepted_leak(requests_service)
    rid, due = request["_id"], request["deadline"]
    # The National Day holiday starts on Oct 1st: 3 working days after Sep 29 end on Oct 9.
    assert due == datetime(2026, 10, 9, 16, 0, tzinfo=UTC)
    here = Deadlines(requests_service.runtime.aggregates("requests"), requests_service.settings)
    other_replica = Deadlines(
        AggregateStore(requests_service.runtime.db["requests"]), requests_service.settings
    )

    assert await here.tick(due - timedelta(hours=25)) == NOTHING

    at_reminder = due - timedelta(hours=24)
    first, second = await asyncio.gather(here.tick(at_reminder), other_replica.tick(at_reminder))
    assert sorted(first["reminded"] + second["reminded"]) == [rid]
    assert first["overdue"] == second["overdue"] == []
    assert await other_replica.tick(at_reminder + timedelta(hours=1)) == NOTHING
    [reminder] = await requests_service.events.wait_for(RequestReminderDue)
    assert reminder.request_id == rid and reminder.deadline == due
    assert reminder.handler is not None and reminder.handler.type == "property_company"
    assert reminder.community_id == "quanyun"

    assert (await here.tick(due))["overdue"] == [rid]
    assert await other_replica.tick(due + timedelta(hours=7)) == NOTHING
    await requests_service.events.wait_for(RequestOverdue)

    after_grace = due + timedelta(hours=8)
    first, second = await asyncio.gather(here.tick(after_grace), other_replica.tick(after_grace))
    assert sorted(first["escalated"] + second["escalated"]) == [rid]
    assert await here.tick(after_grace + timedelta(days=30)) == NOTHING
    [escalated] = await requests_service.events.wait_for(RequestEscalated)
    assert escalated.deadline == due

    # All three are out; none came twice (a second copy would have been published first).
    assert len(requests_service.events.of(RequestReminderDue)) == 1
    assert len(requests_service.events.of(RequestOverdue)) == 1
    stored = await requests_service.runtime.aggregates("requests").get(rid)
    assert (stored["reminded_at"], stored["overdue_at"], stored["escalated_at"]) == (
        at_reminder,
        due,
        after_grace,
    )
    assert [e["action"] for e in stored["timeline"]] == ["reminded", "overdue", "escalated"]
    assert all(e["status"] == "dispatched" for e in stored["timeline"])


async def test_stages_that_fell_due_together_come_in_order_in_one_write(
    requests_service: Requests,
) -> None:
    request = await accepted_leak(requests_service, status="in_progress")
    ticker = Deadlines(requests_service.runtime.aggregates("requests"), requests_service.settings)
    late = request["deadline"] + timedelta(days=2)  # the scheduler was down meanwhile
    marked = await ticker.tick(late)
    assert marked == {
        "reminded": [request["_id"]],
        "overdue": [request["_id"]],
        "escalated": [request["_id"]],
    }
    stored = await requests_service.runtime.aggregates("requests").get(request["_id"])
    assert stored["revision"] == request["revision"] + 1
    await requests_service.events.wait_for(RequestEscalated)
    kinds = [type(data).__name__ for _, data in requests_service.events.seen]
    stages = [k for k in kinds if k in {"RequestReminderDue", "RequestOverdue", "RequestEscalated"}]
    assert stages == ["RequestReminderDue", "RequestOverdue", "RequestEscalated"]


async def test_a_closed_or_submitted_request_is_never_chased(requests_service: Requests) -> None:
    closed = await accepted_leak(requests_service, status="closed")
    resolved = await accepted_leak(requests_service, status="resolved")
    submitted = await requests_service.call(
        commands.CREATE_REQUEST,
        commands.CreateRequest(
            kind="repair", title="灯坏了", location=CommandLocation(community_id="quanyun")
        ),
    )
    open_one = await accepted_leak(requests_service)
    ticker = Deadlines(requests_service.runtime.aggregates("requests"), requests_service.settings)
    long_after = closed["deadline"] + timedelta(days=60)
    marked = await ticker.tick(long_after)
    assert marked["escalated"] == [open_one["_id"]]
    for rid in (closed["_id"], resolved["_id"], submitted["id"]):
        stored = await requests_service.runtime.aggregates("requests").get(rid)
        assert stored["reminded_at"] is None and stored["escalated_at"] is None
    await requests_service.events.wait_for(RequestEscalated)
    assert {e.request_id for e in requests_service.events.of(RequestReminderDue)} == {
        open_one["_id"]
    }


async def test_marks_cleared_by_an_extension_let_the_new_deadline_chase_again(
    requests_service: Requests,
) -> None:
    request = await accepted_leak(requests_service)
    store = requests_service.runtime.aggregates("requests")
    ticker = Deadlines(store, requests_service.settings)
    assert (await ticker.tick(request["deadline"]))["overdue"] == [request["_id"]]
    later = request["deadline"] + timedelta(days=3)
    # What the lifecycle does on an approved extension: a new deadline, the marks cleared.
    cleared = {"deadline": later, "reminded_at": None, "overdue_at": None, "escalated_at": None}
    await store.update(request["_id"], lambda doc: ({**doc, **cleared}, []))
    assert await ticker.tick(request["deadline"] + timedelta(hours=1)) == NOTHING
    assert (await ticker.tick(later))["overdue"] == [request["_id"]]
    await requests_service.events.wait_for(RequestOverdue, count=2)
    assert [e.deadline for e in requests_service.events.of(RequestOverdue)] == [
        request["deadline"],
        later,
    ]
