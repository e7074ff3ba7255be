"""The requests' routes in process, the registry and the requests service replaced by a fake
that answers lookups from a small world: who handles a request (the assigned member, the
leaders of the handling team and above, the community's admins), who reads it (and sees its
mediation notes, the resident's phone), who cancels it, who may be credited at resolution,
the same 404 for missing and out-of-scope requests, the caller sent along with every call.
(The real path, against the running services, is in tests/e2e/test_requests_*.py.)"""

import copy
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
from services.gateway.routes import request_board, request_flow, requests
from shared.contracts.commands import registry
from shared.contracts.commands import requests as commands
from shared.contracts.rpc import NotFound
from tests.factories import FakeAudit

pytestmark = pytest.mark.unit

TEAMS = {
    "hgj": {"id": "hgj", "community_id": "c1", "path": [], "members": []},
    "hgj-1": {
        "id": "hgj-1",
        "community_id": "c1",
        "path": ["hgj"],
        "members": [
            {"member_id": "m1", "role": "member", "left_on": None},
            {"member_id": "m3", "role": "member", "left_on": None},
            {"member_id": "m4", "role": "member", "left_on": "2024-01-01"},
        ],
    },
    "hgj-2": {"id": "hgj-2", "community_id": "c1", "path": ["hgj"], "members": []},
}
MEMBERS = {
    "m1": {
        "id": "m1",
        "home": {"community_id": "c1"},
        "teams": [{"team_id": "hgj-1", "path": ["hgj"]}],
    },
    "m2": {"id": "m2", "home": {"community_id": "c1"}, "teams": []},
}
PHONE = "13812341234"


def request_doc(
    request_id: str, community: str, handler: dict[str, Any] | None = None, **more: Any
) -> dict[str, Any]:
    return {
        "id": request_id,
        "kind": "neighbour_dispute",
        "title": "楼上漏水引发纠纷",
        "location": {"community_id": community, "building_id": "b3"},
        "status": "dispatched" if handler else "submitted",
        "handler": handler,
        "entered_by": "user:someone",
        "resident": {"name": "王奶奶", "phone": PHONE},
        "notes": [
            {"text": "已联系物业", "mediation": False},
            {"text": "双方同意赔偿", "mediation": True},
        ],
        "timeline": [{"action": "submitted", "status": "submitted", "note": None}],
        "revision": 3,
        **more,
    }


REQUESTS = {
    "dispute": request_doc(
        "dispute", "c1", {"type": "building_head", "id": "m1", "name": "李*", "member_id": "m1"}
    ),
    "team-job": request_doc("team-job", "c1", {"type": "team", "id": "hgj-1", "name": "一分队"}),
    "leak": request_doc("leak", "c1", {"type": "property_company", "id": "hd", "name": "海德物业"}),
    "entered": request_doc("entered", "c1", None, entered_by="user:u-v2"),
    "elsewhere": request_doc("elsewhere", "c2", None),
    "no-phone": request_doc(
        "no-phone", "c1", {"type": "volunteer", "id": "m1"}, resident={"name": "王奶奶"}
    ),
}


def served(doc: dict[str, Any], query: commands.GetRequest) -> dict[str, Any]:
    """As the service answers GET_REQUEST: the resident masked unless revealed, mediation
    notes only when asked for."""
    view = copy.deepcopy(doc)
    resident = view["resident"]
    for field, mask in (
        ("name", lambda v: v[0] + "**"),
        ("phone", lambda v: v[:3] + "****" + v[-4:]),
    ):
        if resident.get(field) and field not in query.reveal:
            resident[field] = mask(resident[field])
    if not query.include_mediation:
        view["notes"] = [n for n in view["notes"] if not n["mediation"]]
    return view


class FakeServices:
    """The registry's and the requests service's lookups from the world above; every other
    command echoes its body (a request-shaped answer for the transitions, with all notes)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, BaseModel, dict[str, Any]]] = []

    async def call(self, service: str, command: str, body: BaseModel, **headers: Any) -> Any:
        self.calls.append((service, command, body, headers))
        if service == registry.SERVICE:
            table = TEAMS if command == registry.GET_TEAM else MEMBERS
            key = getattr(body, "team_id", None) or getattr(body, "member_id", "")
            return self._find(table, key)
        assert service == commands.SERVICE, (service, command)
        if command == commands.GET_REQUEST:
            assert isinstance(body, commands.GetRequest)
            return served(self._find(REQUESTS, body.request_id), body)
        if command in (commands.GET_BOARD, commands.ASSIGNED_TO_MEMBER):
            return {"items": [copy.deepcopy(REQUESTS["dispute"])], "next_cursor": None}
        request_id = getattr(body, "request_id", None)
        if request_id in REQUESTS:  # a transition answers the request, notes and all
            return {**copy.deepcopy(REQUESTS[request_id]), "command": command}
        return {"command": command, **body.model_dump(mode="json")}

    @staticmethod
    def _find(table: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
        if key not in table:
            raise NotFound("not found")
        return copy.deepcopy(table[key])

    def sent(self, command: str) -> list[tuple[BaseModel, dict[str, Any]]]:
        return [(body, headers) for _, name, body, headers in self.calls if name == command]


def person(
    *roles: Role,
    communities: tuple[str, ...] = (),
    teams: tuple[str, ...] = (),
    member: str | None = None,
    kind: str = "user",
    account: str | None = None,
) -> Principal:
    return Principal(
        id=account or "u-" + "-".join(sorted(roles) + list(teams + communities)) + (member or ""),
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
V1 = person(Role.VOLUNTEER, member="m1")  # the building head handling "dispute"
V2 = person(Role.VOLUNTEER, member="m2", account="u-v2")  # entered "entered"
INT = person(Role.INTEGRATION, kind="api_key")


def auth(principal: Principal) -> dict[str, str]:
    if principal.kind == "api_key":
        return {"X-API-Key": "key"}
    token = access_token(principal, DEV_SECRET, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


class FakeAccounts:
    async def principal_of_api_key(self, key: str) -> Principal | None:
        return INT if key == "key" else None


Gateway = tuple[httpx.AsyncClient, FastAPI]


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    app = FastAPI()
    problems.install(app, retry_after_s=5)
    for module in (request_board, requests, request_flow):
        app.include_router(module.router)
    app.state.settings = SimpleNamespace(jwt_secret=DEV_SECRET)
    app.state.rpc = FakeServices()
    app.state.audit = FakeAudit()
    app.state.accounts = FakeAccounts()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http, app


# -- who handles a request -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "request_id", "status"),
    [
        (V1, "dispute", 200),  # the assigned member
        (V2, "dispute", 404),  # another volunteer: not even its existence
        (SQUAD1, "dispute", 404),  # the handler's team leader does not handle it
        (CA1, "dispute", 200),
        (CA2, "dispute", 404),
        (SQUAD1, "team-job", 200),  # the handling team's leader
        (HGJ, "team-job", 200),  # and the leader above it
        (SQUAD2, "team-job", 404),  # a sibling squad's
        (V1, "team-job", 404),  # a member of the team is not its handler
        (CA1, "leak", 200),  # the property company: the community's admins act for it
        (V1, "leak", 404),
        (SA, "elsewhere", 200),
        (SA, "missing", 404),
        (CA1, "x" * 65, 404),
        (INT, "dispute", 403),  # an API key handles nothing
    ],
)
async def test_the_handler_or_the_community_admins_start_a_request(
    gateway: Gateway, who: Principal, request_id: str, status: int
) -> None:
    http, app = gateway
    started = await http.post(f"/api/v1/requests/{request_id}/start", headers=auth(who))
    assert started.status_code == status, started.text
    note = await http.post(
        f"/api/v1/requests/{request_id}/notes",
        json={"text": "已上门", "mediation": True},
        headers=auth(who),
    )
    assert note.status_code == status, note.text
    sent = app.state.rpc.sent(commands.START_REQUEST)
    assert len(sent) == (status == 200)
    if status == 200:
        body, headers = sent[0]
        assert body == commands.StartRequest(request_id=request_id)
        assert headers["actor"] == f"user:{who.id}" and headers["actor_name"] == "某人"
        [(added, _)] = app.state.rpc.sent(commands.ADD_NOTE)
        assert added == commands.AddNote(request_id=request_id, text="已上门", mediation=True)
    if status == 404:
        assert started.json()["detail"] == "not found"


@pytest.mark.parametrize(
    ("who", "status"), [(CA1, 200), (SA, 200), (CA2, 404), (V1, 403), (SQUAD1, 403)]
)
async def test_only_the_community_admins_accept_dispatch_and_follow_up(
    gateway: Gateway, who: Principal, status: int
) -> None:
    http, app = gateway
    url = "/api/v1/requests/dispute"
    calls = [
        await http.post(url + "/accept", headers=auth(who)),
        await http.post(
            url + "/dispatch",
            json={"handler_type": "building_head", "handler_id": "m1", "expected_revision": 3},
            headers=auth(who),
        ),
        await http.post(url + "/follow-up", json={"satisfaction": "satisfied"}, headers=auth(who)),
        await http.get(url + "/suggestions", params={"limit": 5}, headers=auth(who)),
    ]
    assert [c.status_code for c in calls] == [status] * len(calls), [c.text for c in calls]
    if status == 200:
        [(dispatched, _)] = app.state.rpc.sent(commands.DISPATCH_REQUEST)
        assert dispatched == commands.DispatchRequest(
            request_id="dispute",
            handler_type="building_head",
            handler_id="m1",
            expected_revision=3,
        )
        [(suggest, _)] = app.state.rpc.sent(commands.SUGGEST_HANDLERS)
        assert suggest == commands.SuggestHandlers(request_id="dispute", limit=5)


async def test_a_transition_carries_the_revision_the_caller_saw(gateway: Gateway) -> None:
    http, app = gateway
    url = "/api/v1/requests/dispute"
    accepted = await http.post(url + "/accept", json={"expected_revision": 2}, headers=auth(CA1))
    assert accepted.status_code == 200, accepted.text
    [(body, _)] = app.state.rpc.sent(commands.ACCEPT_REQUEST)
    assert body == commands.AcceptRequest(request_id="dispute", expected_revision=2)
    unknown = await http.post(
        url + "/return", json={"reason": "不属实", "why": 1}, headers=auth(CA1)
    )
    assert unknown.status_code == 422
    assert ["why"] in [e["field"].split(".")[-1:] for e in unknown.json()["errors"]]


# -- who reads a request, and what they see --------------------------------------------------


@pytest.mark.parametrize(
    ("who", "request_id", "status", "mediation", "phone"),
    [
        (V1, "dispute", 200, True, True),  # the handler: mediation notes and the phone
        (SQUAD1, "dispute", 200, False, False),  # the handler's team leader oversees
        (HGJ, "dispute", 200, False, False),  # and the leader above
        (SQUAD2, "dispute", 404, False, False),
        (V2, "dispute", 404, False, False),
        (CA1, "dispute", 200, True, False),  # admins see notes; the phone by `reveal`
        (SA, "dispute", 200, True, False),
        (CA2, "dispute", 404, False, False),
        (INT, "dispute", 200, False, False),  # an integration reads, no mediation
        (SQUAD1, "team-job", 200, True, False),  # the handling team's leader handles it
        (V1, "team-job", 404, False, False),
        (V2, "entered", 200, False, False),  # the volunteer who entered it
        (V1, "no-phone", 200, True, False),  # no phone to show: nothing revealed
    ],
)
async def test_readers_see_mediation_notes_and_the_phone_only_as_handler_or_admin(
    gateway: Gateway,
    who: Principal,
    request_id: str,
    status: int,
    mediation: bool,
    phone: bool,
) -> None:
    http, app = gateway
    read = await http.get(f"/api/v1/requests/{request_id}", headers=auth(who))
    assert read.status_code == status, read.text
    if status != 200:
        return
    seen = read.json()
    notes = [n["text"] for n in seen["notes"]]
    assert ("双方同意赔偿" in notes) is mediation
    assert "已联系物业" in notes
    assert (seen["resident"].get("phone") == PHONE) is phone
    assert seen["resident"]["name"] == "王**"
    reveals = [r for r in app.state.audit.records if r["action"] == "reveal"]
    if phone:
        [record] = reveals
        assert record["reason"] == "handler" and record["target"] == request_id
        assert record["detail"]["fields"] == ["phone"]
        assert read.headers["Cache-Control"] == "no-store"
        assert [b.reveal for b, _ in app.state.rpc.sent(commands.GET_REQUEST)][-1] == ["phone"]
    else:
        assert not reveals
        assert all(not b.reveal for b, _ in app.state.rpc.sent(commands.GET_REQUEST))


async def test_no_audit_record_means_the_handler_sees_no_phone(gateway: Gateway) -> None:
    http, app = gateway
    app.state.audit.fail = True
    read = await http.get("/api/v1/requests/dispute", headers=auth(V1))
    assert read.status_code == 503, read.text
    assert PHONE not in read.text


async def test_a_handler_may_not_reveal_the_name(gateway: Gateway) -> None:
    http, app = gateway
    asked = await http.get(
        "/api/v1/requests/dispute",
        params={"reveal": "name", "reason": "上门核实"},
        headers=auth(V1),
    )
    assert asked.status_code == 403, asked.text
    assert not app.state.audit.records


async def test_an_admins_reveal_still_shows_the_mediation_notes(gateway: Gateway) -> None:
    http, app = gateway
    read = await http.get(
        "/api/v1/requests/dispute",
        params={"reveal": "phone,name", "reason": "回访核实"},
        headers=auth(CA1),
    )
    assert read.status_code == 200, read.text
    assert read.json()["resident"] == {"name": "王奶奶", "phone": PHONE}
    assert "双方同意赔偿" in read.text
    [record] = app.state.audit.records
    assert record["reason"] == "回访核实"


@pytest.mark.parametrize(
    ("who", "status", "mediation"),
    [(V1, 200, True), (SQUAD1, 200, False), (CA1, 200, True), (V2, 404, False)],
)
async def test_a_members_assigned_requests_hide_mediation_from_their_leaders(
    gateway: Gateway, who: Principal, status: int, mediation: bool
) -> None:
    http, app = gateway
    listed = await http.get(
        "/api/v1/members/m1/requests", params={"open_only": "false"}, headers=auth(who)
    )
    assert listed.status_code == status, listed.text
    if status != 200:
        return
    [item] = listed.json()["items"]
    assert ("双方同意赔偿" in [n["text"] for n in item["notes"]]) is mediation
    [(body, _)] = app.state.rpc.sent(commands.ASSIGNED_TO_MEMBER)
    assert body == commands.AssignedToMember(member_id="m1", open_only=False)


@pytest.mark.parametrize(
    ("who", "query", "status", "mediation"),
    [
        (CA1, {"community_id": "c1", "status": "dispatched"}, 200, True),
        (CA2, {"community_id": "c1"}, 403, False),
        (CA1, {}, 403, False),  # a community admin names their community
        (INT, {}, 200, False),
        (V1, {"community_id": "c1"}, 403, False),
    ],
)
async def test_the_board_is_the_community_admins(
    gateway: Gateway, who: Principal, query: dict[str, str], status: int, mediation: bool
) -> None:
    http, app = gateway
    board = await http.get("/api/v1/requests", params=query, headers=auth(who))
    assert board.status_code == status, board.text
    if status == 200:
        [item] = board.json()["items"]
        assert ("双方同意赔偿" in [n["text"] for n in item["notes"]]) is mediation
        [(body, _)] = app.state.rpc.sent(commands.GET_BOARD)
        assert body == commands.GetBoard(**query)


@pytest.mark.parametrize(
    ("who", "query", "status"),
    [
        (SQUAD1, {"team_id": "hgj-1"}, 200),
        (HGJ, {"team_id": "hgj-1"}, 200),
        (SQUAD2, {"team_id": "hgj-1"}, 404),
        (CA1, {"community_id": "c1"}, 200),
        (CA1, {"team_id": "hgj-1", "community_id": "c2"}, 404),
        (CA2, {"community_id": "c1"}, 403),
        (SA, {}, 200),
        (V1, {"community_id": "c1"}, 403),
    ],
)
async def test_metrics_by_community_or_team(
    gateway: Gateway, who: Principal, query: dict[str, str], status: int
) -> None:
    http, _ = gateway
    answer = await http.get("/api/v1/requests/metrics", params=query, headers=auth(who))
    assert answer.status_code == status, answer.text


# -- cancelling, crediting, duplicates, intake -------------------------------------------------


@pytest.mark.parametrize(
    ("who", "request_id", "status"),
    [
        (V2, "entered", 200),  # entered it for the resident
        (V1, "entered", 404),
        (CA1, "entered", 200),
        (V2, "dispute", 404),
        (SQUAD1, "entered", 403),
    ],
)
async def test_the_admins_or_the_volunteer_who_entered_it_cancel(
    gateway: Gateway, who: Principal, request_id: str, status: int
) -> None:
    http, app = gateway
    cancelled = await http.post(
        f"/api/v1/requests/{request_id}/cancel",
        json={"reason": "居民已自行解决"},
        headers=auth(who),
    )
    assert cancelled.status_code == status, cancelled.text
    assert len(app.state.rpc.sent(commands.CANCEL_REQUEST)) == (status == 200)


@pytest.mark.parametrize(
    ("who", "request_id", "credited", "status"),
    [
        (V1, "dispute", ["m1"], 200),
        (V1, "dispute", ["m1", "m2"], 403),  # nobody credits a stranger
        (SQUAD1, "team-job", ["m1", "m3"], 200),  # the handling team's members
        (SQUAD1, "team-job", ["m4"], 403),  # who left the team
        (CA1, "team-job", ["m2"], 200),  # the admins credit anyone
    ],
)
async def test_who_a_resolution_may_credit(
    gateway: Gateway, who: Principal, request_id: str, credited: list[str], status: int
) -> None:
    http, app = gateway
    resolved = await http.post(
        f"/api/v1/requests/{request_id}/resolve",
        json={"notes": "已调解", "hours_spent": 1.5, "volunteer_member_ids": credited},
        headers=auth(who),
    )
    assert resolved.status_code == status, resolved.text
    if status == 403:
        [error] = resolved.json()["errors"]
        assert error["field"].startswith("volunteer_member_ids")
        assert not app.state.rpc.sent(commands.RESOLVE_REQUEST)
    else:
        [(body, _)] = app.state.rpc.sent(commands.RESOLVE_REQUEST)
        assert body.volunteer_member_ids == credited  # type: ignore[attr-defined]


async def test_a_duplicate_points_at_a_request_the_caller_administers(gateway: Gateway) -> None:
    http, app = gateway
    url = "/api/v1/requests/dispute/duplicate"
    for original in ("elsewhere", "missing"):
        refused = await http.post(url, json={"original_id": original}, headers=auth(CA1))
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["original_id"]
    linked = await http.post(url, json={"original_id": "leak"}, headers=auth(CA1))
    assert linked.status_code == 200, linked.text
    [(body, _)] = app.state.rpc.sent(commands.MARK_DUPLICATE)
    assert body == commands.MarkDuplicate(request_id="dispute", original_id="leak")


@pytest.mark.parametrize(
    ("who", "community", "status"),
    [
        (V1, "c2", 201),  # a volunteer collects from a resident of any community
        (CA1, "c1", 201),
        (CA1, "c2", 403),
        (SQUAD1, "c1", 403),
    ],
)
async def test_a_volunteer_enters_a_request_for_a_resident(
    gateway: Gateway, who: Principal, community: str, status: int
) -> None:
    http, app = gateway
    made = await http.post(
        "/api/v1/requests",
        json={
            "kind": "repair",
            "title": "楼道漏水",
            "channel": "wechat_group",
            "location": {"community_id": community},
        },
        headers=auth(who),
    )
    assert made.status_code == status, made.text
    sent = app.state.rpc.sent(commands.CREATE_REQUEST)
    assert len(sent) == (status == 201)
    if sent:
        body = sent[0][0]
        assert isinstance(body, commands.CreateRequest)
        assert body.entered_by == f"user:{who.id}" and body.channel == "wechat_group"
