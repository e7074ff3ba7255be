"""The activities' demo: a year of the report's teams at work, every body valid for its
command, every person and place one the registry's demo made, nobody in two places at
once; and a loader that sends each change once and picks up where an earlier load stopped."""

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from services.activities.domain.activity_types import DEFAULT_ACTIVITY_TYPES
from services.activities.domain.series import dates
from shared.contracts.commands import activities as commands
from tools import demo_activities, demo_http
from tools.demo_activities import load_activities
from tools.demo_activities_data import (
    AHEAD,
    TZ,
    YEAR,
    ActivitiesDemo,
    DemoSeries,
    build_activities_demo,
)
from tools.demo_activities_plans import Plan
from tools.demo_http import DemoLoadError
from tools.demo_registry_data import DEMO_REGISTRY

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 29, 8, 40, tzinfo=TZ)
DEMO = build_activities_demo(NOW)
PEOPLE = {p.key: p for p in DEMO_REGISTRY.people}
TEAMS = {t["team_id"]: t for t in DEMO_REGISTRY.teams}
ALL = list(DEMO.all())


def of_team(team_id: str) -> list[tuple[str, Plan, Any]]:
    return [
        (a, plan, o)
        for a, plan, o in ALL
        if any(t == team_id or t.startswith(team_id + "-") for t in plan.teams)
    ]


def test_wulaohong_shows_300_plus_activities_in_its_year() -> None:
    mine = of_team("wulaohong")
    assert len(mine) >= 300
    done = [o for _, _, o in mine if o.status == "completed"]
    assert len(done) >= 280
    titles = {plan.title for _, plan, _ in mine}
    assert "小园丁护苗成长小课堂" in titles
    kinds = {plan.activity_type for _, plan, _ in mine}
    assert {"science_class", "civility_campaign", "clean_up", "hardship_visit"} <= kinds


def test_linli_plays_its_anti_fraud_clapper_talk_weekly_50_plus_times() -> None:
    shows = [o for _, plan, o in of_team("linli") if plan.activity_type == "clapper_talk_show"]
    assert sum(o.status == "completed" for o in shows) >= 50
    clapper = next(s for s in DEMO.series if s.series_id == "linli-anti-fraud-clapper")
    assert clapper.weekdays == (3,) and clapper.interval_weeks == 1


def test_every_team_works_and_each_huiguanjia_squad_on_its_own() -> None:
    counts = Counter(plan.teams[0] for _, plan, _ in ALL if plan.teams)
    for team in ("linli", "fenghua", "tongxing"):
        assert counts[team] >= 12, team
    squads = [t for t in TEAMS if t.startswith("huiguanjia-")]
    assert len(squads) == 6 and all(counts[s] >= 12 for s in squads)


def test_the_27_may_health_check_has_100_plus_elders_many_by_proxy() -> None:
    day = next(a for a in DEMO.activities if a.activity_id == "tongxing-health-day-2026")
    o = day.occurrence
    assert o.starts_at.astimezone(TZ).date() == date(2026, 5, 27)
    assert day.plan.target_group == "elders" and day.plan.compound_id == "shengli_huayuan"
    assert set(day.plan.partners) == {"quantang-health-centre", "jingxing-care-station"}
    assert o.status == "completed" and o.participant_count >= 100
    assert len(o.residents) >= 100 and day.plan.capacity >= len(o.residents)
    proxies = [r for r in o.residents if r.proxy]
    assert len(proxies) > len(o.residents) / 2
    assert all(r.phone is None for r in proxies)
    assert all(r.phone for r in o.residents if not r.proxy)
    assert len({r.name for r in o.residents}) == len(o.residents)


def test_the_health_check_ahead_gets_its_residents_registered_in_advance() -> None:
    ahead = build_activities_demo(datetime(2027, 5, 20, 9, 0, tzinfo=TZ))
    day = next(a for a in ahead.activities if a.activity_id == "tongxing-health-day-2027")
    assert day.occurrence.status == "published"
    assert len(day.occurrence.residents) >= 100 and day.occurrence.signups


def test_dianxi_wanjia_repairs_as_a_partner_unit_with_the_community() -> None:
    repairs = next(s for s in DEMO.series if s.series_id == "dianxi-repair-days")
    assert repairs.plan.partners == ("dianxi-wanjia",) and repairs.plan.teams == ()
    assert repairs.plan.community_id == "jingxing"
    assert sum(o.status == "completed" for o in repairs.occurrences) >= 12


def test_past_ones_are_completed_and_later_ones_published_with_sign_ups() -> None:
    for activity_id, plan, o in ALL:
        if o.status == "completed":
            assert o.ends_at <= NOW and o.roster and o.summary, activity_id
            assert "{n}" not in o.summary and o.participant_count >= 0
            assert not o.signups
        elif o.status == "published":
            assert o.ends_at > NOW and not o.roster, activity_id
            for role in plan.roles:  # nobody is waitlisted in the demo
                taken = sum(r == role.role_id for _, r in o.signups)
                assert taken <= role.head_count
        elif o.status == "cancelled":
            assert o.cancel_reason
    upcoming = [o for _, _, o in ALL if o.status == "published"]
    assert sum(bool(o.signups) for o in upcoming) >= len(upcoming) - 3
    window = [o for _, _, o in ALL if o.status != "draft"]
    first, last = (NOW - YEAR).date(), (NOW + AHEAD).date()
    assert all(first <= o.starts_at.astimezone(TZ).date() <= last for o in window)
    assert Counter(o.status for _, _, o in ALL)["draft"] == 1


def test_every_member_team_partner_place_and_type_exists() -> None:
    units = {u["unit_id"]: u for u in DEMO_REGISTRY.communities + DEMO_REGISTRY.compounds}
    partners = {p["partner_id"] for p in DEMO_REGISTRY.partners}
    for activity_id, plan, o in ALL:
        assert plan.activity_type in DEFAULT_ACTIVITY_TYPES, activity_id
        assert units[plan.community_id]["kind"] == "community"
        assert plan.compound_id is None or units[plan.compound_id]["parent_id"] == (
            plan.community_id
        )
        assert set(plan.teams) <= set(TEAMS) and set(plan.partners) <= partners
        for team in plan.teams:
            community = (
                TEAMS[team].get("community_id") or TEAMS[TEAMS[team]["parent_id"]]["community_id"]
            )
            assert community == plan.community_id, activity_id
        assert o.members() <= set(PEOPLE), activity_id


def test_skills_roles_and_hours_are_as_the_service_takes_them() -> None:
    for activity_id, plan, o in ALL:
        roles = {r.role_id: r for r in plan.roles}
        length_h = (o.ends_at - o.starts_at).total_seconds() / 3600
        for line in o.roster:
            role = roles[line.role_id]
            assert role.skill is None or role.skill in PEOPLE[line.key].skills, activity_id
            assert line.hours * 2 == int(line.hours * 2), activity_id  # 0.5 h steps
            assert 0 < line.hours <= length_h
        for key, role_id in o.signups:
            skill = roles[role_id].skill
            assert skill is None or skill in PEOPLE[key].skills
        assert len({s.key for s in o.roster}) == len(o.roster)


def test_no_volunteer_holds_two_activities_at_once() -> None:
    held: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for activity_id, _, o in ALL:
        if o.status in ("completed", "published"):
            for key in o.members():
                held.setdefault(key, []).append((o.starts_at, o.ends_at, activity_id))
    for key, spans in held.items():
        spans.sort()
        for (_, end, a), (start, _, b) in pairwise(spans):
            assert end <= start, f"{key}: {a} overlaps {b}"


def test_every_body_is_valid_for_its_command() -> None:
    ids = {key: f"m-{key}" for key in PEOPLE}
    for s in DEMO.series:
        commands.CreateSeries.model_validate(s.body())
    for a in DEMO.activities:
        commands.CreateActivity.model_validate(a.body())
    for _, _, o in ALL:
        if o.status == "completed":
            commands.EnterRosterBody.model_validate(o.roster_body(ids))
            commands.CompleteActivityBody.model_validate(o.completion_body())
        if o.status == "cancelled":
            commands.CancelActivityBody.model_validate({"reason": o.cancel_reason})
        for resident in o.residents:
            commands.RegisterParticipantBody.model_validate(resident.body())
        for key, role_id in o.signups:
            commands.SignUpBody.model_validate({"member_id": ids[key], "role_id": role_id})


def test_series_dates_are_the_services_own() -> None:
    for s in DEMO.series:
        rule = commands.SeriesRule.model_validate(s.body()["rule"])
        first = s.occurrences[0].starts_at.astimezone(TZ)
        expected = dates(rule, first.date())
        for o in s.occurrences:
            assert o.starts_at.astimezone(TZ).date() == next(expected), s.series_id
            assert o.starts_at.astimezone(TZ).time() == first.time()
        # The service makes at most 100 occurrences in the call that creates a series.
        assert len(s.occurrences) + 8 <= 100


def test_the_same_day_makes_the_same_demo() -> None:
    again = build_activities_demo(NOW + timedelta(minutes=5))
    assert [(a, o) for a, _, o in again.all()] == [(a, o) for a, _, o in ALL]


# --- The loader, against a gateway that answers as the activities' routes do ---------------


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_http, "RETRY_INTERVAL", 0.01)
    monkeypatch.setattr(demo_http, "RETRY_WITHIN", 1.0)
    monkeypatch.setattr(demo_activities, "MEMBERS_WAIT_S", 1.0)
    monkeypatch.setattr(demo_activities, "WORKERS", 1)  # calls in a predictable order


def small_demo() -> ActivitiesDemo:
    """The kids' class series cut to its last two past and first upcoming occurrences, and
    the health-check day."""
    kids = next(s for s in DEMO.series if s.series_id == "wulaohong-kids-class")
    done = [o for o in kids.occurrences if o.status == "completed"][-2:]
    ahead = [o for o in kids.occurrences if o.status == "published"][:1]
    series = DemoSeries(kids.series_id, kids.plan, kids.weekdays, 1, (*done, *ahead))
    day = next(a for a in DEMO.activities if a.activity_id == "tongxing-health-day-2026")
    return ActivitiesDemo(NOW, [series], [day])


class Gateway:
    def __init__(self, answers: dict[str, list[httpx.Response]] | None = None) -> None:
        self.answers = answers or {}  # "METHOD path" -> answers in turn, then the default
        self.calls: list[str] = []
        self.bodies: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        call = f"{request.method} {request.url.path}"
        self.calls.append(call)
        if request.content:
            self.bodies.append(json.loads(request.content))
        queued = self.answers.get(call)
        if queued:
            return queued.pop(0)
        if request.method == "GET" and call.endswith("/activity-types"):
            return httpx.Response(200, json={"items": []})
        if request.method == "GET":
            return httpx.Response(200, json={"status": "published"})
        return httpx.Response(201, json={})

    def load(self, demo: ActivitiesDemo | None = None) -> dict[str, int]:
        ids = {key: f"m-{key}" for key in PEOPLE}
        transport = httpx.MockTransport(self.handle)
        with httpx.Client(base_url="http://gw", transport=transport) as client:
            return load_activities(client, demo or small_demo(), ids, lambda _: None)


def test_the_calendar_comes_first_then_each_past_one_roster_then_completion() -> None:
    gw = Gateway({})
    done = gw.load()
    posts = [c for c in gw.calls if c.startswith("POST")]
    series = "/api/v1/activities/wulaohong-kids-class"
    assert posts[:2] == ["POST /api/v1/activity-series", "POST /api/v1/activities"]
    upcoming = [c for c in posts if c.startswith(f"POST {series}-003")]
    assert {f"POST {series}-003/signups", f"POST {series}-003/participants"} == set(upcoming)
    # The history, oldest first: roster, then completion, for each.
    history = [c for c in posts[2:] if c.endswith(("/roster", "/complete"))]
    assert history == [
        "POST /api/v1/activities/tongxing-health-day-2026/roster",
        "POST /api/v1/activities/tongxing-health-day-2026/complete",
        f"POST {series}-001/roster",
        f"POST {series}-001/complete",
        f"POST {series}-002/roster",
        f"POST {series}-002/complete",
    ]
    # A past activity's residents are entered (before its completion), like the upcoming ones'.
    health_day = next(o for i, _, o in small_demo().all() if i == "tongxing-health-day-2026")
    entered = gw.calls.count("POST /api/v1/activities/tongxing-health-day-2026/participants")
    assert entered == len(health_day.residents) > 0
    assert done["completed"] == 3 and done["resident"] == 8 + entered


def test_a_second_load_reads_what_is_there_and_does_only_the_rest() -> None:
    taken = httpx.Response(409, json={"detail": "the series id wulaohong-kids-class is taken"})
    gone = httpx.Response(409, json={"detail": "the activity id x is taken"})
    completed = [httpx.Response(200, json={"status": "completed"}) for _ in range(2)]
    gw = Gateway(
        {
            "POST /api/v1/activity-series": [taken],
            "POST /api/v1/activities": [gone],
            "GET /api/v1/activities/wulaohong-kids-class-001": completed[:1],
            "GET /api/v1/activities/tongxing-health-day-2026": completed[1:],
        }
    )
    done = gw.load()
    assert not any("kids-class-001/" in c or "health-day-2026/" in c for c in gw.calls)
    assert "POST /api/v1/activities/wulaohong-kids-class-002/complete" in gw.calls
    # No residents again: they have no id an earlier load could be found by.
    assert not any(c.endswith("/participants") for c in gw.calls)
    assert done["completed"] == 1


def test_a_member_not_yet_known_is_asked_again_and_nothing_else_is() -> None:
    not_yet = httpx.Response(
        422, json={"detail": "lines.0.member_id: member m is not registered (or not yet "
                   "known to activities)"}
    )  # fmt: skip
    roster = "POST /api/v1/activities/tongxing-health-day-2026/roster"
    gw = Gateway(
        {
            roster: [not_yet, not_yet],
        }
    )
    gw.load()
    assert gw.calls.count(roster) == 3


@pytest.mark.parametrize("failure", [httpx.Response(503, json={}), httpx.ReadTimeout("lost")])
def test_a_change_that_may_have_been_made_is_not_repeated(
    failure: httpx.Response | Exception,
) -> None:
    complete = "POST /api/v1/activities/tongxing-health-day-2026/complete"
    gw = Gateway({})
    handle = gw.handle

    def failing(request: httpx.Request) -> httpx.Response:
        if f"{request.method} {request.url.path}" == complete:
            gw.calls.append(complete)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return handle(request)

    gw.handle = failing  # type: ignore[method-assign]
    with pytest.raises(DemoLoadError, match="not repeated"):
        gw.load()
    assert gw.calls.count(complete) == 1


def test_a_start_in_the_window_is_never_in_utc_only() -> None:
    # Dates are the subdistrict's: an 08:00 start in Beijing is 00:00 UTC, same day.
    civility = next(s for s in DEMO.series if s.series_id == "wulaohong-civility-tue")
    first = civility.occurrences[0].starts_at
    assert first.astimezone(UTC).hour == 0 and first.astimezone(TZ).isoweekday() == 2
