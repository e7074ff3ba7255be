"""Pure rules of volunteer service records: crediting, stars, points, corrections, merging,
stats and proof data, on plain member documents."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.registry.domain import corrections, merge, points, proof, records, stars, stats
from services.registry.domain.record_rules import RecordRules
from shared.contracts.events.registry import (
    MembersMerged,
    MemberStatusChanged,
    PointsChanged,
    ServiceHoursCredited,
    ServiceRecordCorrected,
    StarLevelReached,
)
from shared.contracts.rpc import Conflict, Invalid, NotFound

pytestmark = pytest.mark.unit

RULES = RecordRules()
AT = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def member(member_id: str = "m1", **overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": member_id,
        "volunteer_no": f"QT{member_id[-1]:0>6}",
        "name": "李四",
        "id_type": "resident_id",
        "home": {"community_id": "quanyun", "compound_id": None, "building_id": None},
        "skills": [],
        "availability": [],
        "tags": [],
        "status": "active",
        "status_history": [],
        "left": None,
        "merged_into": None,
        "merged_from": [],
        "records": [],
        "credited_sources": [],
        "total_hours": 0.0,
        "star_level": 0,
        "stars": [],
        "star_pending": [],
        "points_balance": 0,
        "points": [],
        "corrections": [],
    }
    return {**doc, **overrides}


def credit_of(
    source_id: str, hours: float, *, served_on: date = date(2026, 5, 20), at: datetime = AT
) -> records.Credit:
    return records.Credit(
        record_id=f"r-{source_id}",
        source="activity",
        source_id=source_id,
        served_on=served_on,
        hours=hours,
        content=f"活动 {source_id}",
        organiser="五老红",
        approver="user:a1",
        credited_at=at,
        points_entry_id=f"p-{source_id}",
    )


def credited(doc: dict[str, Any], *entries: records.Credit) -> tuple[dict[str, Any], list[Any]]:
    events: list[Any] = []
    for entry in entries:
        doc, new = records.credit(doc, entry, RULES)
        events += new
    return doc, events


def levels(events: list[Any]) -> list[int]:
    return [e.level for e in events if isinstance(e, StarLevelReached)]


# --- crediting ---------------------------------------------------------------------------


def test_a_credit_records_the_entry_total_points_and_events() -> None:
    doc, events = records.credit(member(), credit_of("a1", 2.5), RULES)
    assert doc["total_hours"] == 2.5
    assert doc["credited_sources"] == ["activity:a1"]
    [entry] = doc["records"]
    assert entry["served_on"] == "2026-05-20" and entry["organiser"] == "五老红"
    assert entry["approver"] == "user:a1" and entry["history"] == []
    assert doc["points_balance"] == 25  # 2.5 h x 10
    assert [type(e) for e in events] == [ServiceHoursCredited, PointsChanged]
    deposit = events[1]
    assert isinstance(deposit, PointsChanged)
    assert deposit.kind == "deposit" and deposit.reason == "服务时长 活动 a1"


def test_points_for_half_hours_round_down() -> None:
    doc, _ = records.credit(member(), credit_of("a1", 0.5), RecordRules(points_per_hour=3))
    assert doc["points_balance"] == 1


def test_the_same_source_twice_changes_nothing_and_emits_nothing() -> None:
    doc, _ = records.credit(member(), credit_of("a1", 3), RULES)
    again, events = records.credit(doc, credit_of("a1", 3), RULES)
    assert again is doc and events == []


def test_zero_hours_are_not_recorded() -> None:
    doc, events = records.credit(member(), credit_of("a1", 0), RULES)
    assert doc["records"] == [] and events == [] and doc["credited_sources"] == []


def test_left_members_are_credited_and_merged_ones_point_elsewhere() -> None:
    doc, events = records.credit(member(status="left"), credit_of("a1", 1), RULES)
    assert doc["total_hours"] == 1 and events
    with pytest.raises(records.MergedInto) as hop:
        records.credit(member(status="merged", merged_into="m9"), credit_of("a1", 1), RULES)
    assert hop.value.kept_id == "m9"


def test_record_view_is_newest_first_within_the_period() -> None:
    doc, _ = credited(
        member(),
        credit_of("a1", 1, served_on=date(2026, 1, 5)),
        credit_of("a2", 2, served_on=date(2026, 3, 5)),
        credit_of("a3", 4, served_on=date(2026, 2, 5)),
    )
    view = records.record_view(doc, date(2026, 2, 1), date(2026, 3, 31))
    assert [e["source_id"] for e in view["entries"]] == ["a2", "a3"]
    assert view["period_hours"] == 6 and view["total_hours"] == 7


# --- stars -------------------------------------------------------------------------------


def test_crossing_a_threshold_awards_the_level_once() -> None:
    doc, events = credited(
        member(), credit_of("a1", 20), *(credit_of(f"b{i}", 20) for i in range(4))
    )
    reached = [e for e in events if isinstance(e, StarLevelReached)]
    assert [e.level for e in reached] == [1] and reached[0].total_hours == 100
    doc, events = credited(doc, credit_of("c1", 10))
    assert not [e for e in events if isinstance(e, StarLevelReached)]
    assert doc["star_level"] == 1 and [s["level"] for s in doc["stars"]] == [1]


def test_a_big_jump_awards_every_level_crossed() -> None:
    doc = member(total_hours=650.0)
    doc, events = stars.award(doc, RULES, at=AT)
    assert levels(events) == [1, 2, 3] and doc["star_level"] == 3


def test_a_level_needing_approval_waits_and_approval_emits_it() -> None:
    doc, events = stars.award(member(total_hours=1500.0), RULES, at=AT)
    assert levels(events) == [1, 2, 3, 4]
    assert doc["star_pending"] == [5] and doc["star_level"] == 4
    again, none = stars.award(doc, RULES, at=AT)
    assert none == [] and again["star_pending"] == [5]
    approved, [event] = stars.approve(doc, 5, RULES, by="user:ca", at=AT)
    assert isinstance(event, StarLevelReached)
    assert event.level == 5 and event.approved_by == "user:ca"
    assert approved["star_pending"] == [] and approved["star_level"] == 5
    with pytest.raises(Conflict) as exc:
        stars.approve(approved, 5, RULES, by="user:ca", at=AT)
    assert exc.value.details[0].loc == ["level"]


# --- points ------------------------------------------------------------------------------


def test_redeeming_more_than_the_balance_is_a_conflict_naming_points() -> None:
    with pytest.raises(Conflict) as exc:
        points.redeem(
            member(points_balance=5), points=6, reason="换米", reference="x1", entry_id="e1", at=AT
        )
    assert exc.value.details[0].loc == ["points"] and "5" in exc.value.message


def test_redeeming_with_the_same_reference_withdraws_once() -> None:
    doc, [event] = points.redeem(
        member(points_balance=50), points=20, reason="换米", reference="x1", entry_id="e1", at=AT
    )
    assert isinstance(event, PointsChanged)
    assert event.kind == "withdrawal" and event.delta == -20 and doc["points_balance"] == 30
    again, events = points.redeem(
        doc, points=20, reason="换米", reference="x1", entry_id="e2", at=AT
    )
    assert events == [] and again["points_balance"] == 30


def test_a_statement_balances_opening_movements_closing() -> None:
    doc = member()
    for day, hours in [(1, 3.0), (5, 2.0), (9, 1.5), (12, 4.0)]:
        doc, _ = records.credit(
            doc, credit_of(f"a{day}", hours, at=AT + timedelta(days=day)), RULES
        )
        if day == 9:
            doc, _ = points.redeem(
                doc,
                points=25,
                reason="换米",
                reference="x",
                entry_id="w",
                at=AT + timedelta(days=day),
            )
    first, last = (AT + timedelta(days=4)).date(), (AT + timedelta(days=10)).date()
    sheet = points.statement(doc, first, last, SHANGHAI)
    assert sheet["opening_balance"] == 30
    assert [e["delta"] for e in sheet["entries"]] == [20, 15, -25]
    assert sheet["closing_balance"] == 40
    assert (
        sheet["opening_balance"] + sum(e["delta"] for e in sheet["entries"])
        == sheet["closing_balance"]
    )
    whole = points.statement(doc, None, None, SHANGHAI)
    assert whole["opening_balance"] == 0 and whole["closing_balance"] == doc["points_balance"]


# --- corrections -------------------------------------------------------------------------


def ask(record_id: str, **fields: Any) -> corrections.CorrectionRequest:
    values = {
        "correction_id": "c1",
        "record_id": record_id,
        "hours": None,
        "content": None,
        "reason": "签到表记错了",
        "requested_by": "user:v1",
        "requested_at": AT,
    }
    return corrections.CorrectionRequest(**{**values, **fields})


def test_a_correction_names_a_known_entry_and_changes_something() -> None:
    doc, _ = credited(member(), credit_of("a1", 3))
    with pytest.raises(NotFound) as missing:
        corrections.request(doc, ask("nope", hours=2))
    assert missing.value.details[0].loc == ["record_id"]
    with pytest.raises(Invalid):
        corrections.request(doc, ask("r-a1", hours=3, content="活动 a1"))
    pending, events = corrections.request(doc, ask("r-a1", hours=2))
    assert events == [] and pending["corrections"][0]["status"] == "pending"
    with pytest.raises(Conflict):
        corrections.request(pending, ask("r-a1", correction_id="c2", content="别的"))


def test_approving_changes_the_entry_keeps_history_and_moves_points() -> None:
    doc, _ = credited(member(), credit_of("a1", 3))
    doc, _ = corrections.request(doc, ask("r-a1", hours=4.5, content="修正后的内容"))
    done, events = corrections.decide(
        doc, "c1", "approve", RULES, note="ok", by="user:ca", at=AT, points_entry_id="pc"
    )
    entry = done["records"][0]
    assert entry["hours"] == 4.5 and entry["content"] == "修正后的内容"
    assert entry["history"] == [
        {"hours": 3.0, "content": "活动 a1", "correction_id": "c1", "at": AT, "by": "user:ca"}
    ]
    assert done["total_hours"] == 4.5 and done["points_balance"] == 45
    corrected, moved = events[0], events[1]
    assert isinstance(corrected, ServiceRecordCorrected) and corrected.hours_before == 3
    assert isinstance(moved, PointsChanged) and moved.kind == "correction" and moved.delta == 15
    with pytest.raises(Conflict):
        corrections.decide(
            done, "c1", "reject", RULES, note=None, by="x", at=AT, points_entry_id="p"
        )


def test_rejecting_changes_only_the_correction() -> None:
    doc, _ = credited(member(), credit_of("a1", 3))
    doc, _ = corrections.request(doc, ask("r-a1", hours=1))
    done, events = corrections.decide(
        doc, "c1", "reject", RULES, note="签到表为准", by="user:ca", at=AT, points_entry_id="p"
    )
    assert events == [] and done["records"] == doc["records"]
    assert done["corrections"][0]["status"] == "rejected" and done["total_hours"] == 3


def test_lowering_hours_keeps_the_star_and_floors_points_at_zero() -> None:
    doc, _ = credited(member(), *(credit_of(f"a{i}", 20) for i in range(5)))
    assert doc["star_level"] == 1
    doc, _ = points.redeem(doc, points=990, reason="换", reference="x", entry_id="w", at=AT)
    doc, _ = corrections.request(doc, ask("r-a0", hours=0))
    done, events = corrections.decide(
        doc, "c1", "approve", RULES, note=None, by="user:ca", at=AT, points_entry_id="pc"
    )
    assert done["total_hours"] == 80 and done["star_level"] == 1  # an honour stays
    moved = next(e for e in events if isinstance(e, PointsChanged))
    assert moved.delta == -10 and moved.balance == 0 and "扣至 0" in moved.reason
    assert not [e for e in events if isinstance(e, StarLevelReached)]


# --- merging -----------------------------------------------------------------------------


def a_merge(**overrides: Any) -> merge.Merge:
    values = {
        "kept_id": "m1",
        "merged_id": "m2",
        "reason": "同一人两次登记",
        "by": "user:ca",
        "at": AT,
        "on": date(2026, 5, 27),
        "points_entry_id": "pm",
    }
    return merge.Merge(**{**values, **overrides})


def test_merging_keeps_both_histories_and_drops_a_shared_activity_once() -> None:
    kept, _ = credited(member("m1", tags=["party_member"]), credit_of("a1", 60), credit_of("a2", 2))
    other = records.Credit(
        **{**credit_of("a1", 60).__dict__, "record_id": "dup", "points_entry_id": "q"}
    )
    merged, _ = credited(member("m2", tags=["old_soldier"]), other, credit_of("b1", 40))
    assert merge.duplicates(kept, merged)[0]["record_id"] == "dup"
    new, events = merge.absorb(kept, merged, a_merge(), RULES)
    ids = {r["record_id"]: r["merged_from"] for r in new["records"]}
    assert ids == {"r-a1": None, "r-a2": None, "r-b1": "m2"}
    assert new["total_hours"] == 102 and new["star_level"] == 1
    assert new["tags"] == ["party_member", "old_soldier"] and new["merged_from"] == ["m2"]
    # 620 + (1000 - 600 for the duplicate) points
    assert new["points_balance"] == 1020
    kinds = [type(e) for e in events]
    assert kinds == [MembersMerged, PointsChanged, StarLevelReached]
    assert isinstance(events[1], PointsChanged)
    assert "合并 QT000002" in events[1].reason and events[1].kind == "correction"
    assert merge.outcome(new, "m2")["dropped_duplicate_record_ids"] == ["dup"]
    again, none = merge.absorb(new, merged, a_merge(), RULES)
    assert again is new and none == []


def test_marking_merged_once_and_never_into_another() -> None:
    marked, [event] = merge.mark_merged(member("m2"), a_merge())
    assert isinstance(event, MemberStatusChanged) and event.status == "merged"
    assert marked["merged_into"] == "m1" and marked["status_history"][-1]["previous"] == "active"
    again, none = merge.mark_merged(marked, a_merge())
    assert again is marked and none == []
    with pytest.raises(Conflict):
        merge.mark_merged(marked, a_merge(kept_id="m3"))


# --- stats and proof -----------------------------------------------------------------------


def test_stats_count_members_hours_by_month_and_stars() -> None:
    a, _ = credited(
        member("m1", tags=["party_member", "old_cadre"]),
        credit_of("a1", 2, served_on=date(2026, 1, 9)),
        credit_of("a2", 3, served_on=date(2026, 2, 9)),
    )
    b = member("m2", status="left", star_level=2, tags=["party_member"])
    c = member("m3", status="merged", tags=["party_member"], records=a["records"])
    result = stats.summary([a, b, c], "2026-02", None)
    assert result["members"] == 2
    assert result["by_status"] == {"active": 1, "suspended": 0, "left": 1, "merged": 1}
    assert result["by_tag"] == {"old_cadre": 1, "party_member": 2}
    assert result["by_star_level"]["0"] == 1 and result["by_star_level"]["2"] == 1
    assert result["hours"] == {"total": 3.0, "by_month": {"2026-02": 3.0}}
    [one, empty] = stats.per_community([a, b], {"quanyun": "泉韵", "xinggang": "星港"}, None, None)
    assert one["name"] == "泉韵" and one["hours"]["total"] == 5 and empty["members"] == 0


def test_proof_data_holds_the_national_fields_for_the_period() -> None:
    doc, _ = credited(
        member(),
        credit_of("a1", 2, served_on=date(2026, 1, 9)),
        credit_of("a2", 3, served_on=date(2026, 2, 9)),
    )
    first, last = proof.period_of(doc, None, None, date(2026, 5, 27))
    assert (first, last) == (date(2026, 1, 9), date(2026, 5, 27))
    data = proof.proof_data(
        doc,
        proof_no=proof.proof_number("QT", 2026, 7),
        served_from=date(2026, 2, 1),
        served_to=last,
        issuer=proof.Issuer("泉塘街道新时代文明实践所", "负责人", "0731-1"),
        handler="张三",
        issued_on=date(2026, 5, 27),
    )
    assert data["proof_no"] == "QT-2026-000007" and data["name"] == "李四"
    assert data["volunteer_no"] == "QT000001" and data["total_hours"] == 3
    assert data["entries"] == [
        {"served_on": "2026-02-09", "content": "活动 a2", "hours": 3.0, "organiser": "五老红"}
    ]
    assert "id_number" not in data and "id_cipher" not in data
