"""The activities' routes in process, the registry and the activities service replaced by a
fake that answers lookups from a small world: who organises an activity (its community's
admins, the leaders of its first organiser team and of the teams above it), what a
volunteer reaches (published and completed activities, acting for themselves only), the
same 404 for missing and out-of-scope activities, the caller sent along with every call.
(The real path, against the running services, is in tests/e2e/test_activities_*.py.)"""

import base64
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from services.gateway import problems
from services.gateway.accounts.model import Principal, Role
from services.gateway.accounts.security import access_token
from services.gateway.config import DEV_SECRET
from services.gateway.routes import activities, activities_attendance
from shared.contracts.commands import activities as commands
from shared.contracts.commands import registry
from shared.contracts.rpc import NotFound
from tests.factories import FakeAudit

pytestmark = pytest.mark.unit

TEAMS = {
    "hgj": {"team_id": "hgj", "community_id": "c1", "path": []},
    "hgj-1": {"team_id": "hgj-1", "community_id": "c1", "path": ["hgj"]},
    "hgj-2": {"team_id": "hgj-2", "community_id": "c1", "path": ["hgj"]},
    "other-team": {"team_id": "other-team", "community_id": "c2", "path": []},
}


def activity(activity_id: str, status: str, community: str, *teams: str) -> dict[str, Any]:
    """An activity as GET_ACTIVITY answers it: m1 and m2 on the role, m3 waitlisted."""

    def place(member: str, status: str, n: int) -> dict[str, Any]:
        return {
            "signup_id": f"s-{member}",
            "member_id": member,
            "volunteer_no": f"QT{n}",
            "display_name": f"李*{n}",
            "role_id": "bp",
            "status": status,
            "seq": n,
        }

    return {
        "activity_id": activity_id,
        "title": "健康义诊",
        "status": status,
        "community_id": community,
        "organiser_team_ids": list(teams),
        "roles": [
            {
                "role_id": "bp",
                "name": "量血压",
                "head_count": 2,
                "confirmed_count": 2,
                "confirmed": [place("m1", "confirmed", 1), place("m2", "confirmed", 2)],
                "waitlist": [{**place("m3", "waitlisted", 3), "waitlist_position": 1}],
            }
        ],
        "participants": {
            "capacity": 100,
            "confirmed_count": 1,
            "confirmed": [
                {"signup_id": "p-1", "member_id": None, "display_name": "王**", "proxy": True}
            ],
            "waitlist": [],
        },
        "attendance": [
            {"member_id": "m1", "hours": 2.0, "display_name": "李*1"},
            {"member_id": "m2", "hours": 3.0, "display_name": "李*2"},
        ],
        "created_by": "user:leader",
    }


ACTIVITIES = {
    "draft": activity("draft", "draft", "c1", "hgj-1"),
    "open": activity("open", "published", "c1", "hgj-1", "hgj-2"),
    "done": activity("done", "completed", "c1", "hgj-1"),
    "called-off": activity("called-off", "cancelled", "c1", "hgj-1"),
    "no-team": activity("no-team", "published", "c1"),
    "elsewhere": activity("elsewhere", "draft", "c2", "other-team"),
    "gone-team": activity("gone-team", "draft", "c1", "dissolved"),
}


class FakeServices:
    """The registry's and the activities service's lookups from the world above; every
    other command echoes its body."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, BaseModel, dict[str, Any]]] = []

    async def call(self, service: str, command: str, body: BaseModel, **headers: Any) -> Any:
        self.calls.append((service, command, body, headers))
        if (service, command) == (registry.SERVICE, registry.GET_TEAM):
            return self._find(TEAMS, body.team_id)  # type: ignore[attr-defined]
        assert service == commands.SERVICE, (service, command)
        if command == commands.GET_ACTIVITY:
            return self._find(ACTIVITIES, body.activity_id)  # type: ignore[attr-defined]
        if command == commands.EXPORT_ATTENDANCE:
            content = base64.b64encode("姓名,时长\n李*1,2\n".encode()).decode()
            return {"content_base64": content, "filename": "签到表.csv", "rows": 1}
        return {"command": command, **body.model_dump(mode="json")}

    @staticmethod
    def _find(table: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
        if key not in table:
            raise NotFound("not found")
        return table[key]

    def sent(self, command: str) -> list[tuple[BaseModel, dict[str, Any]]]:
        return [(body, headers) for _, name, body, headers in self.calls if name == command]


def person(
    *roles: Role,
    communities: tuple[str, ...] = (),
    teams: tuple[str, ...] = (),
    member: str | None = None,
    kind: str = "user",
) -> Principal:
    return Principal(
        id="u-" + "-".join(sorted(roles)) + "-".join(teams + communities) + (member or ""),
        name="某人",
        kind=kind,  # type: ignore[arg-type]
        roles=frozenset(roles),
        communities=frozenset(communities),
        teams=frozenset(teams),
        member_id=member,
    )


SA = person(Role.SUBDISTRICT_ADMIN)
CA1 = person(Role.COMMUNITY_ADMIN, communities=("c1",))
CA2 = person(Role.COMMUNITY_ADMIN, communities=("c2",))
HGJ = person(Role.TEAM_LEADER, teams=("hgj",))
SQUAD1 = person(Role.TEAM_LEADER, teams=("hgj-1",))
SQUAD2 = person(Role.TEAM_LEADER, teams=("hgj-2",))
V1 = person(Role.VOLUNTEER, member="m1")
V9 = person(Role.VOLUNTEER, member="m9")  # signed up for nothing
INT = person(Role.INTEGRATION, kind="api_key")


def auth(principal: Principal) -> dict[str, str]:
    token = access_token(principal, DEV_SECRET, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


Gateway = tuple[httpx.AsyncClient, FastAPI]


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    app = FastAPI()
    problems.install(app, retry_after_s=5)
    for module in (activities, activities_attendance):
        app.include_router(module.router)
    app.state.settings = SimpleNamespace(jwt_secret=DEV_SECRET)
    app.state.rpc = FakeServices()
    app.state.audit = FakeAudit()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http, app


# -- who organises an activity ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "activity_id", "status"),
    [
        (SQUAD1, "draft", 200),  # their squad's
        (HGJ, "draft", 200),  # a squad of their team's
        (SQUAD2, "draft", 404),  # a sibling squad's (second organiser teams do not count)
        (SQUAD2, "open", 404),
        (CA1, "draft", 200),
        (CA2, "draft", 404),
        (CA1, "no-team", 200),  # no organiser team: its community's admins
        (HGJ, "no-team", 404),
        (SA, "elsewhere", 200),
        (CA1, "elsewhere", 404),
        (SQUAD1, "missing", 404),
        (SA, "missing", 404),
        (SA, "x" * 65, 404),
        (CA1, "gone-team", 200),  # a team the registry no longer has: the community still
        (HGJ, "gone-team", 404),
        (V1, "draft", 404),  # volunteers: not even a draft's existence
    ],
)
async def test_an_activity_is_organised_by_its_teams_leaders_and_its_community(
    gateway: Gateway, who: Principal, activity_id: str, status: int
) -> None:
    http, app = gateway
    code = await http.get(f"/api/v1/activities/{activity_id}/check-in-code", headers=auth(who))
    want = 403 if who is V1 else status  # the code is the organisers': not a volunteer's role
    assert code.status_code == want, code.text
    published = await http.post(f"/api/v1/activities/{activity_id}/publish", headers=auth(who))
    assert published.status_code == want, published.text
    if want == 404:
        assert published.json()["detail"] == code.json()["detail"] == "not found"
    if want != 200:
        assert not app.state.rpc.sent(commands.PUBLISH_ACTIVITY)
    else:
        [(body, headers)] = app.state.rpc.sent(commands.PUBLISH_ACTIVITY)
        assert body == commands.PublishActivity(activity_id=activity_id)
        assert headers["actor"] == f"user:{who.id}" and headers["actor_name"] == "某人"


@pytest.mark.parametrize(
    ("who", "activity_id", "status", "full"),
    [
        (SQUAD1, "draft", 200, True),
        (CA1, "open", 200, True),
        (INT, "elsewhere", 200, True),
        (CA2, "draft", 404, False),
        (V1, "open", 200, False),  # any published one
        (V1, "done", 200, False),  # and completed ones
        (V1, "draft", 404, False),
        (V1, "called-off", 404, False),
        (V1, "missing", 404, False),
        (SQUAD2, "open", 404, False),  # a leader elsewhere is no volunteer
    ],
)
async def test_a_volunteer_reads_published_and_completed_activities_masked(
    gateway: Gateway, who: Principal, activity_id: str, status: int, full: bool
) -> None:
    http, _ = gateway
    read = await http.get(f"/api/v1/activities/{activity_id}", headers=auth(who))
    assert read.status_code == status, read.text
    if status != 200:
        return
    if full:
        assert read.json() == ACTIVITIES[activity_id]
        return
    seen = read.json()
    [role] = seen["roles"]
    assert role["confirmed"][0] == {
        **ACTIVITIES[activity_id]["roles"][0]["confirmed"][0],
        "mine": True,
    }
    assert role["confirmed"][1] == {"display_name": "李*2", "status": "confirmed"}
    assert role["waitlist"] == [
        {"display_name": "李*3", "status": "waitlisted", "waitlist_position": 1}
    ]
    assert seen["participants"] == {
        "capacity": 100,
        "confirmed_count": 1,
        "waitlist_count": 0,
        "mine": [],
    }
    assert seen["attendance"] == [{"member_id": "m1", "hours": 2.0, "display_name": "李*1"}]
    assert "created_by" not in seen and "m2" not in read.text and "QT2" not in read.text
    assert seen["title"] == "健康义诊"
    assert seen["status"] == ACTIVITIES[activity_id]["status"]


# -- a volunteer acts for themselves ---------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "activity_id", "member", "status"),
    [
        (V1, "open", "m1", 201),
        (V1, "open", "m2", 403),  # another member
        (V1, "draft", "m1", 404),
        (V1, "called-off", "m1", 404),
        (SQUAD1, "open", "m2", 201),  # an organiser signs anyone up
        (SQUAD1, "draft", "m2", 201),  # (the service says whether it is open)
        (CA2, "open", "m2", 404),
        (SQUAD2, "open", "m2", 404),
    ],
)
async def test_a_volunteer_signs_up_only_themselves(
    gateway: Gateway, who: Principal, activity_id: str, member: str, status: int
) -> None:
    http, app = gateway
    body = {"member_id": member, "role_id": "bp"}
    signed = await http.post(
        f"/api/v1/activities/{activity_id}/signups", json=body, headers=auth(who)
    )
    assert signed.status_code == status, signed.text
    if status == 403:
        assert [e["field"] for e in signed.json()["errors"]] == ["member_id"]
    sent = app.state.rpc.sent(commands.SIGN_UP)
    assert len(sent) == (status == 201)
    if sent:
        assert sent[0][0] == commands.SignUp(activity_id=activity_id, **body)


async def test_a_volunteer_checks_in_themselves_an_organiser_anyone_without_the_code(
    gateway: Gateway,
) -> None:
    http, app = gateway
    url = "/api/v1/activities/open/check-in"
    other = await http.post(url, json={"member_id": "m2", "code": "123456"}, headers=auth(V1))
    assert other.status_code == 403
    assert [e["field"] for e in other.json()["errors"]] == ["member_id"]
    own = await http.post(url, json={"member_id": "m1", "code": "123456"}, headers=auth(V1))
    assert own.status_code == 200, own.text
    by_leader = await http.post(url, json={"member_id": "m2"}, headers=auth(HGJ))
    assert by_leader.status_code == 200, by_leader.text
    sent = [body for body, _ in app.state.rpc.sent(commands.CHECK_IN)]
    assert sent == [
        commands.CheckIn(activity_id="open", member_id="m1", code="123456", by_organiser=False),
        commands.CheckIn(activity_id="open", member_id="m2", by_organiser=True),
    ]
    forged = await http.post(
        url, json={"member_id": "m1", "code": "1234", "by_organiser": True}, headers=auth(V1)
    )
    assert forged.status_code == 422, "who is an organiser comes from the caller, not the body"

    out = await http.post(
        "/api/v1/activities/open/check-out", json={"member_id": "m2"}, headers=auth(V1)
    )
    assert out.status_code == 403
    out = await http.post(
        "/api/v1/activities/open/check-out", json={"member_id": "m1"}, headers=auth(V1)
    )
    assert out.status_code == 200, out.text


@pytest.mark.parametrize(
    ("who", "signup_id", "status"),
    [
        (V1, "s-m1", 200),  # their own
        (V1, "s-m2", 404),  # another's is not found for them
        (V1, "p-1", 404),
        (V9, "s-m1", 404),
        (SQUAD1, "s-m2", 200),
        (CA1, "p-1", 200),
    ],
)
async def test_a_volunteer_gives_up_only_their_own_place(
    gateway: Gateway, who: Principal, signup_id: str, status: int
) -> None:
    http, app = gateway
    url = f"/api/v1/activities/open/signups/{signup_id}/cancel"
    cancelled = await http.post(url, json={"reason": "临时有事"}, headers=auth(who))
    assert cancelled.status_code == status, cancelled.text
    assert len(app.state.rpc.sent(commands.CANCEL_SIGN_UP)) == (status == 200)


@pytest.mark.parametrize(
    ("who", "body", "proxy"),
    [
        (V1, {"name": "王奶奶"}, True),  # for someone else: by proxy, whatever the body says
        (V1, {"name": "王奶奶", "proxy": False}, True),
        (V1, {"member_id": "m1"}, False),  # themselves
        (SQUAD1, {"name": "王奶奶"}, False),  # organisers say so themselves
        (SQUAD1, {"name": "王奶奶", "proxy": True}, True),
    ],
)
async def test_a_volunteer_registers_others_by_proxy(
    gateway: Gateway, who: Principal, body: dict[str, Any], proxy: bool
) -> None:
    http, app = gateway
    made = await http.post("/api/v1/activities/open/participants", json=body, headers=auth(who))
    assert made.status_code == 201, made.text
    [(sent, headers)] = app.state.rpc.sent(commands.REGISTER_PARTICIPANT)
    assert sent.proxy is proxy
    assert headers["actor"] == f"user:{who.id}"


# -- planning --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "teams", "status"),
    [
        (SQUAD1, ["hgj-1"], 201),
        (HGJ, ["hgj-1", "other-team"], 201),  # the first team decides
        (SQUAD1, ["hgj-2", "hgj-1"], 404),
        (SQUAD1, ["hgj"], 404),  # the team above
        (SQUAD1, [], 403),  # no team: the community's admins'
        (CA1, [], 201),
        (CA2, [], 403),
        (CA1, ["hgj-1"], 201),
        (CA2, ["other-team"], 404),  # their team, but the activity lies in c1
        (SA, ["no-such-team"], 404),
        (CA1, ["no-such-team"], 404),
        (V1, [], 403),
    ],
)
async def test_an_activity_is_planned_by_its_first_teams_leaders_and_its_community(
    gateway: Gateway, who: Principal, teams: list[str], status: int
) -> None:
    http, app = gateway
    body = {
        "title": "垃圾分类宣传",
        "activity_type": "publicity",
        "community_id": "c1",
        "place": "社区广场",
        "starts_at": "2030-05-01T09:00:00+08:00",
        "ends_at": "2030-05-01T11:00:00+08:00",
        "organiser_team_ids": teams,
    }
    made = await http.post("/api/v1/activities", json=body, headers=auth(who))
    assert made.status_code == status, made.text
    series = {**body, "rule": {"weekdays": [3], "count": 4}}
    planned = await http.post("/api/v1/activity-series", json=series, headers=auth(who))
    assert planned.status_code == status, planned.text
    assert len(app.state.rpc.sent(commands.CREATE_ACTIVITY)) == (status == 201)


async def test_a_bad_body_is_a_422_naming_the_field(gateway: Gateway) -> None:
    http, _ = gateway
    made = await http.post(
        "/api/v1/activities",
        json={"title": "x", "community_id": "c1", "organiser_team_ids": "hgj-1"},
        headers=auth(CA1),
    )
    assert made.status_code == 422
    assert "organiser_team_ids" in {e["field"] for e in made.json()["errors"]}
    signed = await http.post(
        "/api/v1/activities/open/signups", json={"member_id": "m1"}, headers=auth(V1)
    )
    assert signed.status_code == 422
    assert [e["field"] for e in signed.json()["errors"]] == ["role_id"]
    hours = await http.post(
        "/api/v1/activities/open/hours/approvals",
        json={"approvals": [{"member_id": "m1", "hours": 1.3}]},
        headers=auth(SQUAD1),
    )
    assert hours.status_code == 422
    assert [e["field"] for e in hours.json()["errors"]] == ["approvals.0.hours"]


@pytest.mark.parametrize(
    ("who", "teams", "status", "field"),
    [
        (HGJ, ["hgj-2"], 200, None),  # from one of their squads to another
        (SQUAD1, ["hgj-1", "hgj-2"], 200, None),  # the first team stays
        (SQUAD1, ["hgj-2"], 403, "organiser_team_ids.0"),  # handed to a sibling
        (CA1, ["other-team"], 200, None),  # the community's admins still reach it
        (SQUAD1, ["no-such-team"], 422, "organiser_team_ids.0"),
    ],
)
async def test_an_activity_is_handed_only_to_a_team_the_caller_reaches(
    gateway: Gateway, who: Principal, teams: list[str], status: int, field: str | None
) -> None:
    http, app = gateway
    changed = await http.patch(
        "/api/v1/activities/draft", json={"organiser_team_ids": teams}, headers=auth(who)
    )
    assert changed.status_code == status, changed.text
    if field:
        assert [e["field"] for e in changed.json()["errors"]] == [field]
    else:
        [(sent, _)] = app.state.rpc.sent(commands.UPDATE_ACTIVITY)
        assert sent.model_dump(exclude_unset=True) == {
            "activity_id": "draft",
            "organiser_team_ids": teams,
        }


# -- the calendar and the stats --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "query", "status", "sent_status"),
    [
        (CA1, {"community_id": "c1"}, 200, None),
        (CA1, {"community_id": "c1", "status": "draft"}, 200, "draft"),
        (CA1, {"team_id": "hgj-2"}, 200, None),
        (CA1, {"community_id": "c1", "team_id": "other-team"}, 404, None),
        (CA2, {"community_id": "c1"}, 403, None),
        (SQUAD1, {"team_id": "hgj-1"}, 200, None),
        (SQUAD1, {"team_id": "hgj"}, 404, None),
        (SQUAD1, {"community_id": "c1"}, 403, None),
        (SA, {}, 200, None),
        (INT, {"status": "draft"}, 200, "draft"),
        (V1, {}, 200, "published"),  # any community's, published by default
        (V1, {"community_id": "c2", "status": "completed"}, 200, "completed"),
        (V1, {"status": "draft"}, 403, None),
        (V1, {"status": "cancelled"}, 403, None),
    ],
)
async def test_the_calendar_by_community_team_and_for_volunteers_published_only(
    gateway: Gateway,
    who: Principal,
    query: dict[str, str],
    status: int,
    sent_status: str | None,
) -> None:
    http, app = gateway
    listed = await http.get("/api/v1/activities", params=query, headers=auth(who))
    assert listed.status_code == status, listed.text
    sent = app.state.rpc.sent(commands.CALENDAR)
    assert len(sent) == (status == 200)
    if sent:
        assert sent[0][0].status == sent_status
    if status == 403 and who is V1:
        assert [e["field"] for e in listed.json()["errors"]] == ["status"]


@pytest.mark.parametrize(
    ("who", "query", "status"),
    [
        (CA1, {"community_id": "c1", "month_from": "2024-01"}, 200),
        (HGJ, {"team_id": "hgj-2"}, 200),
        (SQUAD1, {"team_id": "hgj-2"}, 404),
        (CA2, {"team_id": "hgj"}, 404),
        (CA1, {}, 403),
        (V1, {"community_id": "c1"}, 403),  # not a volunteer's
        (CA1, {"community_id": "c1", "month_from": "2024-13"}, 422),
    ],
)
async def test_the_stats_by_community_or_team(
    gateway: Gateway, who: Principal, query: dict[str, str], status: int
) -> None:
    http, _ = gateway
    stats = await http.get("/api/v1/activities/stats", params=query, headers=auth(who))
    assert stats.status_code == status, stats.text
    if status == 422:
        assert [e["field"] for e in stats.json()["errors"]] == ["month_from"]


# -- the export ------------------------------------------------------------------------------


async def test_the_attendance_export_is_audited_and_not_sent_without_its_record(
    gateway: Gateway,
) -> None:
    http, app = gateway
    url = "/api/v1/activities/open/attendance.csv"
    exported = await http.get(url, headers=auth(SQUAD1))
    assert exported.status_code == 200, exported.text
    assert exported.content.decode() == "姓名,时长\n李*1,2\n"
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == (
        "attachment; filename=\"___.csv\"; filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8.csv"
    )
    [record] = app.state.audit.records
    assert record["action"] == "export" and record["target"] == "open"
    assert record["detail"] == {
        "resource": "attendance",
        "activity_id": "open",
        "title": "健康义诊",
        "community_id": "c1",
        "format": "csv",
        "rows": 1,
    }
    [(sent, _)] = app.state.rpc.sent(commands.EXPORT_ATTENDANCE)
    assert sent == commands.ExportAttendance(activity_id="open", format="csv")

    assert (await http.get(url, headers=auth(SQUAD2))).status_code == 404
    assert (await http.get(url, headers=auth(V1))).status_code == 403
    bad = await http.get("/api/v1/activities/open/attendance.pdf", headers=auth(SQUAD1))
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["format"]

    app.state.audit = FakeAudit(fail=True)
    refused = await http.get(url, headers=auth(SQUAD1))
    assert refused.status_code == 503 and "exported" in refused.json()["detail"]


async def test_an_anonymous_call_is_401_before_anything_is_said(gateway: Gateway) -> None:
    http, _ = gateway
    for path in ("/api/v1/activities/open", "/api/v1/activities/missing", "/api/v1/activities"):
        assert (await http.get(path)).status_code == 401, path
    signed = await http.post(
        "/api/v1/activities/open/signups", json={"member_id": "m1", "role_id": "bp"}
    )
    assert signed.status_code == 401
