"""Pure rules of sign-ups, attendance, completion and reminders, on plain activity documents."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.activities.domain import attendance, completion, members, reminders, signups
from shared.contracts.events.activities import (
    ActivityCompleted,
    ActivityReminderDue,
    ParticipantRegistered,
    SignUpCancelled,
    VolunteerCheckedIn,
    VolunteerCheckedOut,
    VolunteerSignedUp,
    WaitlistPromoted,
)
from shared.contracts.rpc import Conflict, Invalid, NotFound

pytestmark = pytest.mark.unit

STARTS = datetime(2026, 6, 6, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
BEFORE = STARTS - timedelta(days=2)
LEAD = timedelta(hours=24)


def activity(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": "plants",
        "title": "植物小课堂",
        "activity_type": "science_class",
        "status": "published",
        "community_id": "quanyun",
        "place": "社区活动室",
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=2),
        "organiser_team_ids": ["wulaohong"],
        "roles": [
            {"role_id": "teacher", "name": "讲解", "head_count": 2, "required_skill": "teaching"}
        ],
        "participant_capacity": 2,
        "volunteers": [],
        "participants": [],
        "attendance": [],
        "check_in_code": "123456",
    }
    return {**doc, **overrides}


def arrival(n: int, by: str | None = "user:a") -> signups.Arrival:
    return signups.Arrival(signup_id=f"s{n}", at=BEFORE + timedelta(minutes=n), by=by)


def signed(doc: dict[str, Any], *member_ids: str) -> dict[str, Any]:
    for n, member_id in enumerate(member_ids):
        doc, _ = signups.sign_up(doc, member_id, "teacher", arrival(len(doc["volunteers"]) + n))
    return doc


def resident(name: str, phone: str | None = None, proxy: bool = False) -> signups.Resident:
    return signups.Resident(member_id=None, name=name, phone=phone, proxy=proxy)


# -- sign-ups and waitlists -------------------------------------------------------------------


def test_full_roles_waitlist_in_arrival_order() -> None:
    doc = activity()
    statuses = []
    for n, m in enumerate(["m1", "m2", "m3", "m4"]):
        doc, events = signups.sign_up(doc, m, "teacher", arrival(n))
        assert isinstance(events[0], VolunteerSignedUp)
        statuses.append((events[0].status, events[0].waitlist_position))
    assert statuses == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert doc["next_seq"] == 5


def test_a_cancellation_promotes_the_first_waitlisted_of_that_role() -> None:
    doc = signed(activity(), "m1", "m2", "m3", "m4")
    first = doc["volunteers"][0]["signup_id"]
    doc, events = signups.cancel(doc, first, "ill", STARTS - timedelta(hours=5))
    cancelled, promoted = events
    assert isinstance(cancelled, SignUpCancelled) and cancelled.was == "confirmed"
    assert isinstance(promoted, WaitlistPromoted) and promoted.member_id == "m3"
    by_member = {v["member_id"]: v["status"] for v in doc["volunteers"]}
    assert by_member == {
        "m1": "cancelled",
        "m2": "confirmed",
        "m3": "confirmed",
        "m4": "waitlisted",
    }
    with pytest.raises(Conflict, match="already cancelled"):
        signups.cancel(doc, first, None, STARTS)


def test_a_waitlisted_cancelling_promotes_nobody() -> None:
    doc = signed(activity(), "m1", "m2", "m3")
    doc, events = signups.cancel(doc, doc["volunteers"][2]["signup_id"], None, BEFORE)
    assert [type(e) for e in events] == [SignUpCancelled]


def test_a_larger_head_count_fills_from_the_waitlist() -> None:
    doc = signed(activity(), "m1", "m2", "m3", "m4", "m5")
    roles = [{**doc["roles"][0], "head_count": 4}]
    doc, promoted = signups.fill({**doc, "roles": roles}, BEFORE)
    assert [p.member_id for p in promoted] == ["m3", "m4"]
    assert [v["status"] for v in doc["volunteers"]][-1] == "waitlisted"


def test_sign_up_guards() -> None:
    with pytest.raises(Conflict, match="is draft"):
        signups.sign_up(activity(status="draft"), "m1", "teacher", arrival(1))
    late = signups.Arrival(signup_id="s", at=STARTS, by=None)
    with pytest.raises(Conflict, match="started"):
        signups.sign_up(activity(), "m1", "teacher", late)
    with pytest.raises(Invalid) as bad:
        signups.sign_up(activity(), "m1", "cook", arrival(1))
    assert bad.value.details[0].loc == ["role_id"]
    doc = signed(activity(), "m1", "m2", "m3")
    with pytest.raises(Conflict, match="already holds"):
        signups.sign_up(doc, "m3", "teacher", arrival(9))


def test_participants_by_proxy_and_their_waitlist() -> None:
    doc = activity()
    events = []
    for n, name in enumerate(["王大妈", "李大爷", "赵奶奶"]):
        doc, more = signups.register_participant(
            doc, resident(name, proxy=True), signups.Arrival(f"p{n}", BEFORE, "user:v1")
        )
        events.extend(more)
    registered = [e for e in events if isinstance(e, ParticipantRegistered)]
    assert [(e.display_name, e.status, e.proxy, e.entered_by) for e in registered] == [
        ("王**", "confirmed", True, "user:v1"),
        ("李**", "confirmed", True, "user:v1"),
        ("赵**", "waitlisted", True, "user:v1"),
    ]
    doc, events = signups.cancel(doc, "p0", None, BEFORE)
    assert isinstance(events[1], WaitlistPromoted) and events[1].signup_id == "p2"
    assert events[1].role_id is None


def test_a_participant_needs_capacity_and_comes_once() -> None:
    with pytest.raises(Conflict, match="no resident participants"):
        signups.register_participant(activity(participant_capacity=0), resident("王芳"), arrival(1))
    doc, _ = signups.register_participant(activity(), resident("王芳", "13800001111"), arrival(1))
    with pytest.raises(Conflict, match="phone"):
        signups.register_participant(doc, resident("王芳", "13800001111"), arrival(2))


def test_residents_may_be_entered_until_completion_but_volunteers_only_before_the_start() -> None:
    during = signups.Arrival(signup_id="late", at=STARTS + timedelta(minutes=30), by="user:a")
    doc, events = signups.register_participant(activity(), resident("王芳", proxy=True), during)
    assert [p["name"] for p in doc["participants"]] == ["王芳"]
    assert events[0].status == "confirmed"
    with pytest.raises(Conflict):
        signups.sign_up(activity(), "m1", "teacher", during)
    with pytest.raises(Conflict):
        signups.register_participant(activity(status="completed"), resident("李华"), during)


def test_member_rules() -> None:
    with pytest.raises(Invalid, match="not yet known to activities") as unknown:
        members.ensure_may_serve(None, "m9")
    assert unknown.value.details[0].loc == ["member_id"]
    with pytest.raises(Conflict, match="left"):
        members.ensure_may_serve({"_id": "m1", "status": "left"}, "m1")
    with pytest.raises(Conflict, match="merged into m2"):
        members.ensure_may_serve({"_id": "m1", "status": "merged", "merged_into": "m2"}, "m1")
    role = activity()["roles"][0]
    with pytest.raises(Conflict, match="teacher needs the skill teaching"):
        members.ensure_skill({"_id": "m1", "skills": ["medical"]}, role)
    members.ensure_skill({"_id": "m1", "skills": ["teaching"]}, role)


# -- attendance and hours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(10, 0.0), (15, 0.5), (74, 1.0), (75, 1.5), (110, 2.0), (104, 1.5), (60 * 30, 24.0)],
)
def test_hours_round_to_the_nearest_half_hour(minutes: int, hours: float) -> None:
    assert attendance.hours_between(STARTS, STARTS + timedelta(minutes=minutes)) == hours


def test_check_in_and_out_compute_hours() -> None:
    doc = signed(activity(), "m1", "m2", "m3")
    with pytest.raises(Conflict, match="open from"):
        attendance.check_in(doc, "m1", STARTS - timedelta(hours=3), "code")
    with pytest.raises(Conflict, match="is waitlisted"):
        attendance.check_in(doc, "m3", STARTS, "code")
    with pytest.raises(Conflict, match="not signed up"):
        attendance.check_in(doc, "m7", STARTS, "code")
    doc, events = attendance.check_in(doc, "m1", STARTS - timedelta(minutes=5), "code")
    assert isinstance(events[0], VolunteerCheckedIn) and events[0].method == "code"
    with pytest.raises(signups.Unchanged):
        attendance.check_in(doc, "m1", STARTS, "code")
    doc, events = attendance.check_out(doc, "m1", STARTS + timedelta(minutes=100))
    assert isinstance(events[0], VolunteerCheckedOut)
    entry = attendance.entry_of(doc, "m1")
    assert entry is not None and (entry["hours"], entry["hours_source"]) == (2.0, "computed")
    with pytest.raises(Conflict, match="has not checked in"):
        attendance.check_out(doc, "m2", STARTS)


def test_no_show_and_approval() -> None:
    doc = signed(activity(), "m1", "m2")
    with pytest.raises(Conflict, match="only once it has started"):
        attendance.mark_no_show(doc, "m2", BEFORE)
    doc, _ = attendance.mark_no_show(doc, "m2", STARTS + timedelta(hours=1))
    assert attendance.entry_of(doc, "m2")["hours"] == 0.0  # type: ignore[index]
    doc, _ = attendance.check_in(doc, "m1", STARTS, "code")
    after = STARTS + timedelta(hours=3)
    with pytest.raises(Invalid) as missing:
        attendance.approve(doc, [attendance.Approval("m1", None, 0)], "user:o", after)
    assert missing.value.details[0].loc == ["approvals", 0, "hours"]
    with pytest.raises(Conflict, match="no-show"):
        attendance.approve(doc, [attendance.Approval("m2", 1.0, 0)], "user:o", after)
    doc, _ = attendance.approve(doc, [attendance.Approval("m1", 1.5, 0)], "user:o", after)
    entry = attendance.entry_of(doc, "m1")
    assert entry is not None and (entry["approved_hours"], entry["hours_source"]) == (
        1.5,
        "entered",
    )
    with pytest.raises(Conflict, match="approved"):
        attendance.check_out(doc, "m1", after)


def line(n: int, member_id: str, **fields: Any) -> attendance.Line:
    values: dict[str, Any] = {
        "role_id": None,
        "hours": None,
        "checked_in_at": None,
        "checked_out_at": None,
        "no_show": False,
        **fields,
    }
    return attendance.Line(index=n, member_id=member_id, **values)


def test_roster_lines_are_checked_before_anything() -> None:
    cases = [
        ([line(0, "m1", hours=2.0), line(1, "m1", hours=1.0)], "lines.1.member_id"),
        ([line(0, "m1")], "lines.0.hours"),
        ([line(0, "m1", no_show=True, hours=1.0)], "lines.0.no_show"),
        ([line(0, "m1", checked_out_at=STARTS)], "lines.0.checked_in_at"),
        (
            [line(0, "m1", checked_in_at=STARTS, checked_out_at=STARTS - timedelta(hours=1))],
            "lines.0.checked_out_at",
        ),
    ]
    for lines, loc in cases:
        with pytest.raises(Invalid) as bad:
            attendance.check_lines(lines)
        assert bad.value.details[0].loc == [int(p) if p.isdigit() else p for p in loc.split(".")]


def test_a_paper_roster_enters_hours_times_no_shows_and_walk_ins() -> None:
    doc = signed(activity(), "m1", "m2", "m3")
    after = STARTS + timedelta(hours=3)
    with pytest.raises(Invalid) as no_role:
        attendance.enter_roster(doc, [line(0, "m9", hours=1.0)], after)
    assert no_role.value.details[0].loc == ["lines", 0, "role_id"]
    lines = [
        line(0, "m1", hours=2.5),
        line(1, "m2", checked_in_at=STARTS, checked_out_at=STARTS + timedelta(minutes=80)),
        line(2, "m3", hours=1.0),  # waitlisted, yet came
        line(3, "m9", role_id="teacher", hours=1.0),  # a walk-in
    ]
    doc, events = attendance.enter_roster(doc, lines, after)
    hours = {a["member_id"]: (a["hours"], a["hours_source"]) for a in doc["attendance"]}
    assert hours == {
        "m1": (2.5, "entered"),
        "m2": (1.5, "entered"),
        "m3": (1.0, "entered"),
        "m9": (1.0, "entered"),
    }
    assert {v["member_id"] for v in doc["volunteers"] if v["status"] == "confirmed"} == {
        "m1",
        "m2",
        "m3",
        "m9",
    }
    assert sum(isinstance(e, VolunteerCheckedIn) for e in events) == 4
    with pytest.raises(Conflict, match="only once it has started"):
        attendance.enter_roster(doc, lines, BEFORE)


# -- completion and reminders ----------------------------------------------------------------


def test_completion_carries_only_volunteers_with_approved_hours() -> None:
    doc = signed(activity(), "m1", "m2")
    doc, _ = signups.register_participant(doc, resident("王芳"), arrival(5))
    after = STARTS + timedelta(hours=3)
    doc, _ = attendance.enter_roster(
        doc, [line(0, "m1", hours=2.0), line(1, "m2", no_show=True)], after
    )
    summary = completion.Summary(
        summary="讲了向日葵",
        photo_refs=["p1.jpg"],
        participant_count=None,
        approve_remaining=True,
        organiser="五老红志愿服务队",
        by="user:o",
        at=after,
    )
    with pytest.raises(Conflict, match="only once it has started"):
        completion.complete(doc, completion.Summary(**{**summary.__dict__, "at": BEFORE}))
    done, events = completion.complete(doc, summary)
    event = events[0]
    assert isinstance(event, ActivityCompleted)
    assert [(v.member_id, v.hours, v.role) for v in event.volunteers] == [("m1", 2.0, "讲解")]
    assert event.participant_count == 1 and event.organiser == "五老红志愿服务队"
    assert done["status"] == "completed" and done["completion"]["summary"] == "讲了向日葵"
    with pytest.raises(Conflict, match="is completed"):
        completion.complete(done, summary)
    not_approved = completion.Summary(**{**summary.__dict__, "approve_remaining": False})
    _, events = completion.complete(doc, not_approved)
    assert events[0].volunteers == []  # type: ignore[attr-defined]


def test_the_reminder_is_due_once_within_the_lead() -> None:
    doc = signed(activity(), "m1", "m2", "m3")
    with pytest.raises(signups.Unchanged):
        reminders.remind(doc, STARTS - LEAD - timedelta(minutes=1), LEAD)
    day_before = STARTS - timedelta(hours=20)
    reminded, events = reminders.remind(doc, day_before, LEAD)
    assert isinstance(events[0], ActivityReminderDue)
    assert events[0].volunteer_member_ids == ["m1", "m2"]
    with pytest.raises(signups.Unchanged):
        reminders.remind(reminded, day_before, LEAD)
    with pytest.raises(signups.Unchanged):
        reminders.remind(activity(status="cancelled"), day_before, LEAD)


def test_an_unknown_sign_up_is_not_found() -> None:
    with pytest.raises(NotFound):
        signups.cancel(activity(), "nope", None, BEFORE)
