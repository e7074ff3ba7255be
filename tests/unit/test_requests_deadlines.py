"""The deadline stages of a request: when each is due, marked once, in order, only while
the request is open."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.requests.domain import deadlines
from services.requests.domain.deadlines import NothingDue, Policy
from shared.contracts.events.requests import RequestOverdue, RequestReminderDue

pytestmark = pytest.mark.unit

DUE = datetime(2026, 10, 9, 16, 0, tzinfo=UTC)
POLICY = Policy(reminder_before=timedelta(hours=24), escalation_grace=timedelta(hours=8))


def request(**fields: Any) -> dict[str, Any]:
    doc = {
        "_id": "r1",
        "status": "dispatched",
        "deadline": DUE,
        "location": {"community_id": "c1"},
        "handler": {"type": "volunteer", "id": "m1", "name": "王*", "member_id": "m1"},
        "reminded_at": None,
        "overdue_at": None,
        "escalated_at": None,
        "timeline": [{"action": "dispatched"}],
    }
    return {**doc, **fields}


@pytest.mark.parametrize(
    ("now", "stages"),
    [
        (DUE - timedelta(hours=24, seconds=1), []),
        (DUE - timedelta(hours=24), ["reminded"]),
        (DUE, ["reminded", "overdue"]),
        (DUE + timedelta(hours=8), ["reminded", "overdue", "escalated"]),
    ],
)
def test_each_stage_is_due_from_its_time(now: datetime, stages: list[str]) -> None:
    assert deadlines.due(request(), now, POLICY) == stages


@pytest.mark.parametrize("status", ["submitted", "resolved", "closed", "cancelled", "returned"])
def test_a_request_not_open_is_never_due(status: str) -> None:
    assert deadlines.due(request(status=status), DUE + timedelta(days=9), POLICY) == []


def test_a_request_without_a_deadline_is_never_due() -> None:
    assert deadlines.due(request(deadline=None), DUE + timedelta(days=9), POLICY) == []


def test_marking_sets_the_flag_appends_the_timeline_and_makes_the_event() -> None:
    now = DUE - timedelta(hours=2)
    new, [event] = deadlines.mark(request(), now, POLICY)
    assert isinstance(event, RequestReminderDue)
    assert event.handler is not None and event.handler.member_id == "m1"
    assert (event.request_id, event.community_id, event.deadline) == ("r1", "c1", DUE)
    assert new["reminded_at"] == now and new["overdue_at"] is None
    assert new["timeline"][-1] == {
        "at": now,
        "by": deadlines.SCHEDULER,
        "action": "reminded",
        "status": "dispatched",
        "note": "",
    }
    with pytest.raises(NothingDue):
        deadlines.mark(new, now + timedelta(hours=1), POLICY)
    again, [overdue] = deadlines.mark(new, DUE, POLICY)
    assert isinstance(overdue, RequestOverdue) and again["reminded_at"] == now


def test_an_unassigned_request_is_chased_without_a_handler() -> None:
    _, events = deadlines.mark(request(handler=None, status="accepted"), DUE, POLICY)
    assert [e.handler for e in events] == [None, None]  # type: ignore[attr-defined]
