"""The lifecycle's rules, pure: guards naming the status, the one-working-day return window
across a holiday, extensions only before the deadline, the next-day follow-up, the side
exits, and a timeline entry per transition."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.requests.domain import lifecycle, metrics
from shared.contracts.commands import requests as commands
from shared.contracts.events.requests import (
    Handler,
    RequestClosed,
    RequestReopened,
    VolunteerAssigned,
)
from shared.contracts.rpc import Conflict, Invalid

pytestmark = pytest.mark.unit

TZ = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TZ)
FIVE_DAYS = {"same_day": False, "working_days": 5}


def local(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def submitted(at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "_id": "r1",
        "kind": "repair",
        "title": "漏水 13812345678",
        "location": {"community_id": "c1", "compound_id": "k1", "building_id": "b1"},
        "status": "submitted",
        "submitted_at": at,
        "timeline": [],
        **fields,
    }


def accepted(at: datetime) -> dict[str, Any]:
    doc, _ = lifecycle.accept(
        submitted(at),
        commands.AcceptRequest(request_id="r1"),
        at,
        "user:ca",
        time_limit=FIVE_DAYS,
        tz=TZ,
    )
    return doc


def in_progress(at: datetime) -> dict[str, Any]:
    handler = Handler(type="volunteer", id="m1", name="李**", member_id="m1")
    cmd = commands.DispatchRequest(request_id="r1", handler_type="volunteer", handler_id="m1")
    doc, _ = lifecycle.dispatch(accepted(at), cmd, at, "user:ca", handler=handler)
    doc, _ = lifecycle.start(doc, commands.StartRequest(request_id="r1"), at, "user:m1")
    return doc


def resolved(at: datetime) -> dict[str, Any]:
    cmd = commands.ResolveRequest(request_id="r1", notes="修好了", hours_spent=1.5)
    doc, _ = lifecycle.resolve(in_progress(at), cmd, at, "user:m1")
    return doc


def test_accepting_fixes_the_deadline_and_records_who() -> None:
    at = local(2025, 9, 30, 10)  # Tuesday before the National Day holiday
    doc, events = lifecycle.accept(
        submitted(at),
        commands.AcceptRequest(request_id="r1"),
        at,
        "user:ca",
        time_limit=FIVE_DAYS,
        tz=TZ,
    )
    # Oct 1-8 are holidays; Oct 9, 10, 11 (an adjusted working Saturday), 13, 14.
    assert doc["deadline"] == local(2025, 10, 15)
    assert doc["status"] == "accepted" and doc["accepted_by"] == "user:ca"
    assert doc["timeline"] == [
        {"at": at, "by": "user:ca", "action": "accepted", "status": "accepted", "note": None}
    ]
    assert [type(e).__name__ for e in events] == ["RequestAccepted"]
    with pytest.raises(Conflict, match="is accepted: it cannot be accepted"):
        lifecycle.accept(
            doc, commands.AcceptRequest(request_id="r1"), at, None, time_limit=FIVE_DAYS, tz=TZ
        )


def test_a_return_is_allowed_within_one_working_day_only() -> None:
    doc = submitted(local(2025, 9, 30, 10))
    cmd = commands.ReturnRequest(request_id="r1", reason="不属于本社区")
    # Across the holiday, Oct 9 is the first working day after Sep 30.
    returned, events = lifecycle.return_request(doc, cmd, local(2025, 10, 9, 17), "user:ca", tz=TZ)
    assert returned["status"] == "returned" and returned["return_reason"] == "不属于本社区"
    assert type(events[0]).__name__ == "RequestReturned"
    with pytest.raises(Conflict, match="more than one working day"):
        lifecycle.return_request(doc, cmd, local(2025, 10, 10, 9), "user:ca", tz=TZ)


def test_an_extension_only_before_the_deadline_and_its_approval_moves_it() -> None:
    at = local(2025, 9, 30, 10)
    doc = in_progress(at)
    doc["reminded_at"] = doc["overdue_at"] = at
    ask = commands.RequestExtension(request_id="r1", reason="等配件到货", working_days=2)
    with pytest.raises(Conflict, match="before the deadline"):
        lifecycle.request_extension(doc, ask, doc["deadline"], "user:m1")
    asked, _ = lifecycle.request_extension(doc, ask, at, "user:m1")
    with pytest.raises(Conflict, match="already has an extension"):
        lifecycle.request_extension(asked, ask, at, "user:m1")
    approve = commands.ApproveExtension(request_id="r1")
    done, events = lifecycle.approve_extension(asked, approve, at, "user:ca", tz=TZ)
    assert done["deadline"] == local(2025, 10, 17)  # two working days after Oct 15
    assert done["reminded_at"] is None and done["overdue_at"] is None
    assert done["extension"]["status"] == "approved" and len(done["extensions"]) == 1
    assert type(events[0]).__name__ == "ExtensionApproved"
    with pytest.raises(Conflict, match="no extension waiting"):
        lifecycle.approve_extension(done, approve, at, "user:ca", tz=TZ)


def test_dispatch_to_a_person_assigns_them_and_resolution_credits_them() -> None:
    at = local(2025, 9, 30, 10)
    handler = Handler(type="building_head", id="m7", name="王**", member_id="m7")
    cmd = commands.DispatchRequest(request_id="r1", handler_type="building_head", handler_id="m7")
    doc, events = lifecycle.dispatch(accepted(at), cmd, at, "user:ca", handler=handler)
    assert isinstance(events[1], VolunteerAssigned) and events[1].title == "漏水 138****5678"
    assert doc["assigned_member_ids"] == ["m7"]
    with pytest.raises(Conflict, match="already dispatched"):
        lifecycle.dispatch(doc, cmd, at, "user:ca", handler=handler)
    done, events = lifecycle.resolve(
        doc, commands.ResolveRequest(request_id="r1", notes="调解完成", hours_spent=2), at, None
    )
    assert events[0].volunteer_member_ids == ["m7"]  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="is resolved: it cannot be dispatched"):
        lifecycle.dispatch(done, cmd, at, "user:ca", handler=handler)


def test_the_follow_up_is_from_the_next_day_and_unsatisfied_reopens() -> None:
    at = local(2025, 9, 30, 10)
    doc = resolved(at)
    unhappy = commands.RecordFollowUp(request_id="r1", satisfaction="unsatisfied", comment="还漏")
    with pytest.raises(Conflict, match="from the next day"):
        lifecycle.record_follow_up(
            doc, unhappy, at + timedelta(hours=10), None, tz=TZ, from_next_day=True
        )
    lifecycle.record_follow_up(doc, unhappy, at, None, tz=TZ, from_next_day=False)
    reopened, events = lifecycle.record_follow_up(
        doc, unhappy, at + timedelta(days=1), "user:ca", tz=TZ, from_next_day=True
    )
    assert reopened["status"] == "in_progress" and reopened["handler"]["id"] == "m1"
    assert reopened["reopened"] == 1 and reopened["resolved_at"] is None
    assert isinstance(events[1], RequestReopened) and "还漏" in events[1].reason
    assert [e["action"] for e in reopened["timeline"]][-2:] == ["resolved", "followed_up"]


def test_side_exits() -> None:
    at = local(2025, 9, 30, 10)
    doc = accepted(at)
    why = commands.MarkNotResponsible(request_id="r1", reason="属于市政管辖")
    closed, events = lifecycle.mark_not_responsible(doc, why, at, "user:ca")
    assert closed["closed_as"] == "not_responsible" and closed["close_reason"] == "属于市政管辖"
    assert isinstance(events[0], RequestClosed) and events[0].reason == "属于市政管辖"
    with pytest.raises(Conflict, match="is closed: it cannot be cancelled"):
        lifecycle.cancel(closed, commands.CancelRequest(request_id="r1"), at, None)

    there = commands.TransferRequest(request_id="r1", to_community_id="c2", reason="地址在c2")
    moved, events = lifecycle.transfer(doc, there, at, "user:ca")
    assert moved["status"] == "submitted" and moved["location"]["community_id"] == "c2"
    assert moved["deadline"] is None and len(events) == 1
    out = commands.TransferRequest(request_id="r1", to_outside="县住建局", reason="房屋质量问题")
    gone, events = lifecycle.transfer(doc, out, at, "user:ca")
    assert gone["status"] == "transferred" and gone["closed_as"] == "transferred"
    with pytest.raises(Invalid) as neither:
        lifecycle.transfer(
            doc, commands.TransferRequest(request_id="r1", reason="不知道"), at, None
        )
    assert neither.value.details[0].loc == ["to_community_id"]

    original = submitted(at, _id="r0")
    dup, events = lifecycle.mark_duplicate(
        doc, commands.MarkDuplicate(request_id="r1", original_id="r0"), at, None, original=original
    )
    assert dup["duplicate_of"] == "r0" and dup["closed_as"] == "duplicate"
    reopened, _ = lifecycle.reopen(
        dup, commands.ReopenRequest(request_id="r1", reason="并非重复"), at, None
    )
    assert reopened["status"] == "accepted" and reopened["duplicate_of"] is None


def test_notes_are_kept_but_not_in_the_timeline() -> None:
    at = local(2025, 9, 30, 10)
    doc = accepted(at)
    noted, events = lifecycle.add_note(
        doc, commands.AddNote(request_id="r1", text="双方情绪激动", mediation=True), at, "user:h"
    )
    assert noted["notes"][0]["mediation"] and events == []
    assert noted["timeline"] == doc["timeline"]


def test_metrics_by_month() -> None:
    at = local(2025, 9, 30, 10)
    on_time = resolved(at)
    on_time["follow_ups"] = [{"satisfaction": "unsatisfied"}, {"satisfaction": "satisfied"}]
    late_open = accepted(at)
    never_answered = submitted(local(2025, 9, 1, 9))
    october = submitted(local(2025, 10, 9, 9))
    figures = metrics.monthly(
        [on_time, late_open, never_answered, october],
        "2025-09",
        "2025-10",
        now=local(2025, 11, 1),
        tz=TZ,
    )
    september = figures["months"][0]
    assert september["month"] == "2025-09" and september["submitted"] == 3
    assert september["response_rate"] == round(2 / 3, 4)
    assert september["due"] == 2 and september["resolved_on_time"] == 1
    assert september["resolution_rate"] == 0.5 and september["overdue"] == 1
    assert september["satisfaction_rate"] == 0.5
    assert september["avg_hours_to_accept"] == 0.0
    assert figures["months"][1]["submitted"] == 1
    assert figures["months"][1]["resolution_rate"] is None
    assert figures["total"]["submitted"] == 4
    assert metrics.previous_months("2025-02", 3) == "2024-11"
