"""An activity's lifecycle rules and guards (no I/O)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.activities.domain import lifecycle, stats
from services.activities.domain.activity_types import DEFAULT_ACTIVITY_TYPES
from shared.contracts.commands.activities import RoleIn
from shared.contracts.rpc import Conflict

pytestmark = pytest.mark.unit
AT = datetime(2031, 3, 8, 1, 0, tzinfo=UTC)


def activity(status: str = "draft", **more: Any) -> dict[str, Any]:
    fields = lifecycle.normalised(
        {
            "title": "义诊",
            "activity_type": "health_check",
            "community_id": "quanyun",
            "place": "广场",
            "starts_at": AT,
            "ends_at": AT + timedelta(hours=3),
            "target_group": "elders",
            "organiser_team_ids": ["t1", "t1", "t2"],
            "partner_unit_ids": [],
            "roles": [
                RoleIn(name="量血压", head_count=2),
                RoleIn(role_id="desk", name="登记", head_count=1),
            ],
            "participant_capacity": 3,
        }
    )
    doc = lifecycle.new_activity(fields, "a1", now=AT, actor="user:x", check_in_code="123456")
    return {**doc, "status": status, **more}


def test_fields_are_normalised() -> None:
    doc = activity()
    assert lifecycle.utc_ms(AT.replace(microsecond=123456)).microsecond == 123000
    assert [r["role_id"] for r in doc["roles"]] == ["role-1", "desk"]
    assert doc["organiser_team_ids"] == ["t1", "t2"]
    assert doc["volunteers"] == [] and doc["next_seq"] == 1


def test_field_errors_name_each_field() -> None:
    doc = activity(ends_at=AT, activity_type="x")
    doc["roles"] = doc["roles"] + [doc["roles"][1]]
    errors = lifecycle.field_errors(doc, DEFAULT_ACTIVITY_TYPES)
    assert [e.loc for e in errors] == [["ends_at"], ["activity_type"], ["roles", 2, "role_id"]]
    assert lifecycle.field_errors(activity(), DEFAULT_ACTIVITY_TYPES) == []


@pytest.mark.parametrize(
    ("status", "step", "message"),
    [
        ("published", "publish", "already published"),
        ("completed", "publish", "a completed activity cannot be published"),
        ("cancelled", "cancel", "a cancelled activity cannot be cancelled"),
        ("completed", "cancel", "a completed activity cannot be cancelled"),
        ("completed", "edit", "a completed activity cannot be changed"),
    ],
)
def test_transitions_not_allowed(status: str, step: str, message: str) -> None:
    doc = activity(status)
    with pytest.raises(Conflict, match=message):
        if step == "publish":
            lifecycle.publish(doc, now=AT, actor=None)
        elif step == "cancel":
            lifecycle.cancel(doc, "下雨", now=AT, actor=None)
        else:
            lifecycle.changed_activity(doc, {"title": "新"}, now=AT, actor=None)


def test_transitions_allowed() -> None:
    published = lifecycle.publish(activity(), now=AT, actor="user:x")
    assert (published["status"], published["published_at"]) == ("published", AT)
    cancelled = lifecycle.cancel(published, "下雨", now=AT, actor="user:y")
    assert cancelled["cancelled"] == {"at": AT, "by": "user:y", "reason": "下雨"}


def signed_up(doc: dict[str, Any]) -> dict[str, Any]:
    doc["volunteers"] = [
        {"member_id": "m1", "role_id": "role-1", "status": "confirmed"},
        {"member_id": "m2", "role_id": "role-1", "status": "waitlisted"},
        {"member_id": "m3", "role_id": "desk", "status": "cancelled"},
    ]
    doc["participants"] = [
        {"member_id": "m4", "status": "confirmed"},
        {"member_id": None, "status": "confirmed"},
        {"member_id": "m1", "status": "waitlisted"},
    ]
    return doc


def test_capacities_stay_at_or_above_those_confirmed() -> None:
    doc = signed_up(activity("published"))
    with pytest.raises(Conflict, match="below the 2 confirmed participants"):
        lifecycle.changed_activity(doc, {"participant_capacity": 1}, now=AT, actor=None)
    roles = [{**doc["roles"][0], "head_count": 1}]
    _, changed = lifecycle.changed_activity(doc, {"roles": roles}, now=AT, actor=None)
    assert changed == ["roles"]  # the desk went: nobody is confirmed in it
    with pytest.raises(Conflict, match="role-1 cannot go"):
        lifecycle.changed_activity(doc, {"roles": [doc["roles"][1]]}, now=AT, actor=None)


def test_an_edit_that_changes_nothing_is_unchanged() -> None:
    doc = activity()
    with pytest.raises(lifecycle.Unchanged):
        lifecycle.changed_activity(doc, {"title": "义诊"}, now=AT, actor=None)


def test_who_is_told() -> None:
    assert lifecycle.signed_up_member_ids(signed_up(activity())) == ["m1", "m2", "m4"]


def test_all_future_moves_later_occurrences_by_the_same_amount() -> None:
    this, later = (
        activity(),
        activity(starts_at=AT + timedelta(weeks=1), ends_at=AT + timedelta(weeks=1, hours=3)),
    )
    wanted = {"starts_at": AT + timedelta(minutes=30), "place": "二楼"}
    assert lifecycle.following(this, later, wanted) == {
        "place": "二楼",
        "starts_at": AT + timedelta(weeks=1, minutes=30),
    }


def test_stats_count_completed_activities_in_the_subdistricts_months() -> None:
    from zoneinfo import ZoneInfo

    done = {
        "status": "completed",
        "starts_at": datetime(2031, 1, 31, 17, 0, tzinfo=UTC),  # February in Shanghai
        "attendance": [{"approved_hours": 2.5}, {"approved_hours": None}],
        "participants": [{"status": "confirmed"}, {"status": "waitlisted"}],
        "completion": None,
    }
    result = stats.per_month([done, {**done, "status": "published"}], ZoneInfo("Asia/Shanghai"))
    assert result["months"] == [
        {"month": "2031-02", "activities_completed": 1, "volunteer_hours": 2.5, "participants": 1}
    ]
