"""The registry's routes in process, the registry replaced by a fake that answers lookups
from a small world: who reaches which team, member, org unit (a sub-squad leader their
squad only, the team's leader every squad, a community admin all of theirs), the same 404
for missing, over-long and out-of-scope ids, and the caller sent along with every call.
(The real path, against the registry service, is in tests/e2e/test_registry_*.py.)"""

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
from services.gateway.routes import members, org, records, registry_stats, teams
from shared.contracts.commands import registry as commands
from shared.contracts.rpc import FieldError, Invalid, NotFound
from tests.factories import FakeAudit

pytestmark = pytest.mark.unit

SQUADS = [f"hgj-{n}" for n in range(1, 7)]
TEAMS = {
    "hgj": {"team_id": "hgj", "community_id": "c1", "path": []},
    **{s: {"team_id": s, "community_id": "c1", "path": ["hgj"]} for s in SQUADS},
    "other-team": {"team_id": "other-team", "community_id": "c2", "path": []},
}
MEMBERS = {
    "m1": {"id": "m1", "home": {"community_id": "c1"}, "name": "李**", "volunteer_no": "QT1",
           "teams": [{"team_id": "hgj-1", "path": ["hgj"]}]},
    "m2": {"id": "m2", "home": {"community_id": "c1"}, "name": "王**", "volunteer_no": "QT2",
           "teams": [{"team_id": "hgj-2", "path": ["hgj"]}]},
    "m3": {"id": "m3", "home": {"community_id": "c2"}, "name": "赵**", "volunteer_no": "QT3",
           "teams": []},
}  # fmt: skip
UNITS = {
    "c1": {"unit_id": "c1", "kind": "community", "community_id": "c1"},
    "haide": {"unit_id": "haide", "kind": "compound", "community_id": "c1"},
    "elsewhere": {"unit_id": "elsewhere", "kind": "compound", "community_id": "c2"},
}


class FakeRegistry:
    """Answers the lookups from the world above; every other command echoes its body."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, BaseModel, dict[str, Any]]] = []

    async def call(self, service: str, command: str, body: BaseModel, **headers: Any) -> Any:
        assert service == commands.SERVICE
        self.calls.append((command, body, headers))
        tables: dict[str, tuple[dict[str, Any], str]] = {
            commands.GET_TEAM: (TEAMS, "team_id"),
            commands.GET_MEMBER: (MEMBERS, "member_id"),
            commands.GET_ORG_UNIT: (UNITS, "unit_id"),
        }
        if command in tables:
            table, key = tables[command]
            found = table.get(getattr(body, key))
            if found is None:
                raise NotFound("not found")
            return found
        if command == commands.EXPORT_MEMBERS:
            return {"content_base64": "YSxi", "filename": "名册.csv", "rows": 1}
        if command == commands.GET_PROOF:
            return {"proof_no": "P-1", "name": "<b>李</b>", "entries": []}
        return {"command": command, **body.model_dump(mode="json")}

    def sent(self, command: str) -> list[tuple[BaseModel, dict[str, Any]]]:
        return [(body, headers) for name, body, headers in self.calls if name == command]


def person(
    *roles: Role,
    communities: tuple[str, ...] = (),
    teams: tuple[str, ...] = (),
    member: str | None = None,
    name: str = "某人",
) -> Principal:
    return Principal(
        id="u-" + "-".join(sorted(roles)),
        name=name,
        kind="user",
        roles=frozenset(roles),
        communities=frozenset(communities),
        teams=frozenset(teams),
        member_id=member,
    )


SA = person(Role.SUBDISTRICT_ADMIN)
CA1 = person(Role.COMMUNITY_ADMIN, communities=("c1",), name="王书记")
CA2 = person(Role.COMMUNITY_ADMIN, communities=("c2",))
HGJ = person(Role.TEAM_LEADER, teams=("hgj",))
SQUAD1 = person(Role.TEAM_LEADER, teams=("hgj-1",))
V1 = person(Role.VOLUNTEER, member="m1")


def auth(principal: Principal) -> dict[str, str]:
    token = access_token(principal, DEV_SECRET, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = FastAPI()
    problems.install(app, retry_after_s=5)
    for module in (org, members, records, teams, registry_stats):
        app.include_router(module.router)
    app.state.settings = SimpleNamespace(jwt_secret=DEV_SECRET)
    app.state.rpc = FakeRegistry()
    app.state.audit = FakeAudit()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http, app


Gateway = tuple[httpx.AsyncClient, FastAPI]


@pytest.mark.parametrize(
    ("who", "team", "status"),
    [
        (SQUAD1, "hgj-1", 200),  # their squad
        (SQUAD1, "hgj-2", 404),  # a sibling squad
        (SQUAD1, "hgj", 404),  # the team above
        (HGJ, "hgj", 200),
        *[(HGJ, squad, 200) for squad in SQUADS],  # the leader reaches all six
        (CA1, "hgj-4", 200),
        (CA2, "hgj-4", 404),
        (SA, "other-team", 200),
        (HGJ, "other-team", 404),
        (SA, "missing", 404),
        (SA, "x" * 65, 404),
        (CA1, "missing", 404),
    ],
)
async def test_a_team_is_reached_by_its_leaders_above_and_its_community(
    gateway: Gateway, who: Principal, team: str, status: int
) -> None:
    http, _ = gateway
    read = await http.get(f"/api/v1/teams/{team}", headers=auth(who))
    assert read.status_code == status, read.text
    change = await http.patch(f"/api/v1/teams/{team}", json={"name": "新名"}, headers=auth(who))
    assert change.status_code == status, change.text
    if status == 404:
        assert read.json()["detail"] == change.json()["detail"] == "not found"


async def test_a_squad_leader_adds_a_member_to_their_squad_only(gateway: Gateway) -> None:
    http, app = gateway
    joined = await http.post(
        "/api/v1/teams/hgj-1/members", json={"member_id": "m3"}, headers=auth(SQUAD1)
    )
    assert joined.status_code == 200, joined.text
    sibling = await http.post(
        "/api/v1/teams/hgj-2/members", json={"member_id": "m3"}, headers=auth(SQUAD1)
    )
    assert sibling.status_code == 404
    [(body, headers)] = app.state.rpc.sent(commands.JOIN_TEAM)
    assert body == commands.JoinTeam(team_id="hgj-1", member_id="m3")
    assert headers["actor"] == f"user:{SQUAD1.id}" and headers["actor_name"] == "某人"


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        (SQUAD1, {"name": "小分队", "parent_id": "hgj-1"}, 201),  # under their squad
        (SQUAD1, {"name": "小分队", "parent_id": "hgj"}, 404),
        (HGJ, {"name": "第七分队", "parent_id": "hgj"}, 201),
        (CA1, {"name": "新队", "community_id": "c1"}, 201),
        (HGJ, {"name": "新队", "community_id": "c1"}, 403),  # a top team is the admins'
        (CA2, {"name": "新队", "community_id": "c1"}, 403),
        (CA1, {"name": "全街道队"}, 403),  # a subdistrict team: name a community
        (SA, {"name": "全街道队"}, 201),
        (CA1, {"name": "x", "parent_id": "missing"}, 404),
    ],
)
async def test_a_new_team_is_placed_under_its_parent_or_community(
    gateway: Gateway, who: Principal, body: dict[str, Any], status: int
) -> None:
    http, _ = gateway
    made = await http.post("/api/v1/teams", json=body, headers=auth(who))
    assert made.status_code == status, made.text


@pytest.mark.parametrize(
    ("who", "member", "status"),
    [
        (V1, "m1", 200),  # themselves
        (V1, "m2", 404),  # another volunteer
        (SQUAD1, "m1", 200),  # in their squad
        (SQUAD1, "m2", 404),  # in a sibling squad
        (HGJ, "m2", 200),  # in one of their squads
        (HGJ, "m3", 404),
        (CA1, "m2", 200),
        (CA2, "m2", 404),
        (SA, "m3", 200),
        (SA, "nobody", 404),
    ],
)
async def test_a_member_is_reached_by_themselves_their_leaders_and_their_community(
    gateway: Gateway, who: Principal, member: str, status: int
) -> None:
    http, _ = gateway
    for path in ("", "/record", "/points"):
        read = await http.get(f"/api/v1/members/{member}{path}", headers=auth(who))
        assert read.status_code == status, (path, read.text)


async def test_a_team_leader_may_not_issue_a_proof_a_volunteer_their_own_only(
    gateway: Gateway,
) -> None:
    http, _ = gateway
    assert (await http.get("/api/v1/members/m1/proof", headers=auth(SQUAD1))).status_code == 403
    assert (await http.get("/api/v1/members/m2/proof", headers=auth(V1))).status_code == 404
    page = await http.get("/api/v1/members/m1/proof.html", headers=auth(V1))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;李&lt;/b&gt;" in page.text and "<b>李</b>" not in page.text


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        (CA1, {"kind": "community", "name": "新社区"}, 403),  # the subdistrict's to add
        (SA, {"kind": "community", "name": "新社区"}, 201),
        (CA1, {"kind": "building", "name": "5栋", "parent_id": "haide"}, 201),
        (CA1, {"kind": "building", "name": "5栋", "parent_id": "elsewhere"}, 404),
        (CA1, {"kind": "building", "name": "5栋", "parent_id": "missing"}, 404),
        (CA1, {"kind": "building", "name": "5栋"}, 422),  # no parent: the registry's 422
    ],
)
async def test_a_new_org_unit_lies_in_its_parents_community(
    gateway: Gateway, who: Principal, body: dict[str, Any], status: int
) -> None:
    http, app = gateway
    if status == 422:  # the fake has no rules of its own: stand in for the registry's

        async def refuse(*_: Any, **__: Any) -> Any:
            raise Invalid("parent", [FieldError(loc=["parent_id"], msg="required", type="x")])

        app.state.rpc.call = refuse
    made = await http.post("/api/v1/org/units", json=body, headers=auth(who))
    assert made.status_code == status, made.text
    if status == 422:
        assert [e["field"] for e in made.json()["errors"]] == ["parent_id"]


async def test_an_org_unit_outside_the_scope_is_not_found(gateway: Gateway) -> None:
    http, _ = gateway
    assert (await http.get("/api/v1/org/units/haide", headers=auth(CA1))).status_code == 200
    assert (await http.get("/api/v1/org/units/haide", headers=auth(CA2))).status_code == 404
    changed = await http.patch("/api/v1/org/units/elsewhere", json={"name": "x"}, headers=auth(CA1))
    assert changed.status_code == 404


@pytest.mark.parametrize(
    ("who", "ids", "status"),
    [(CA1, ["c1"], 201), (CA1, ["c1", "c2"], 403), (SA, ["c1", "c2"], 201), (CA2, ["c1"], 403)],
)
async def test_a_partner_of_several_communities_is_the_subdistricts(
    gateway: Gateway, who: Principal, ids: list[str], status: int
) -> None:
    http, _ = gateway
    body = {
        "name": "电系万家",
        "kind": "college_team",
        "contact_name": "张老师",
        "contact_phone": "13800000001",
        "community_ids": ids,
    }
    made = await http.post("/api/v1/partners", json=body, headers=auth(who))
    assert made.status_code == status, made.text


@pytest.mark.parametrize(
    ("who", "kept", "merged", "status"),
    [(CA1, "m1", "m2", 200), (CA1, "m1", "m3", 404), (SA, "m1", "m3", 200), (CA1, "m1", "x", 404)],
)
async def test_a_merge_reaches_both_members(
    gateway: Gateway, who: Principal, kept: str, merged: str, status: int
) -> None:
    http, _ = gateway
    body = {"kept_member_id": kept, "merged_member_id": merged, "reason": "同一人两次登记"}
    merged_answer = await http.post("/api/v1/members/merge", json=body, headers=auth(who))
    assert merged_answer.status_code == status, merged_answer.text


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"community_id": "c1"}, 200),
        ({"community_id": "c1", "team_id": "hgj-3"}, 200),
        ({"team_id": "hgj-3"}, 200),  # the team names its community
        ({"community_id": "c1", "team_id": "other-team"}, 404),  # own community, not own team
        ({"team_id": "other-team"}, 404),
        ({}, 403),
    ],
)
async def test_a_listing_by_team_stays_in_the_callers_communities(
    gateway: Gateway, query: dict[str, str], status: int
) -> None:
    http, _ = gateway
    for path in ("/api/v1/members", "/api/v1/teams", "/api/v1/registry/stats"):
        listed = await http.get(path, params=query, headers=auth(CA1))
        assert listed.status_code == status, (path, listed.text)


async def test_a_member_reveal_is_audited_first_and_refused_if_it_cannot_be(
    gateway: Gateway,
) -> None:
    http, app = gateway
    ask = {"reveal": "phone,id_number", "reason": "核对身份"}
    revealed = await http.get("/api/v1/members/m1", params=ask, headers=auth(CA1))
    assert revealed.status_code == 200, revealed.text
    assert revealed.headers["cache-control"] == "no-store"
    [record] = app.state.audit.records
    assert record["action"] == "reveal" and record["target"] == "m1"
    assert record["detail"]["fields"] == ["phone", "id_number"]
    assert record["detail"]["member"] == {"volunteer_no": "QT1", "name": "李**"}
    assert record["reason"] == "核对身份"
    [(asked, _)] = [s for s in app.state.rpc.sent(commands.GET_MEMBER) if s[0].reveal]
    assert asked.reveal == ["phone", "id_number"]

    app.state.audit = FakeAudit(fail=True)
    refused = await http.get("/api/v1/members/m1", params=ask, headers=auth(CA1))
    assert refused.status_code == 503 and "audit" in refused.json()["detail"]
    for who, status in ((SQUAD1, 403), (V1, 403), (CA2, 404)):
        denied = await http.get("/api/v1/members/m1", params=ask, headers=auth(who))
        assert denied.status_code == status, denied.text


async def test_an_export_is_always_audited_and_not_sent_without_its_record(
    gateway: Gateway,
) -> None:
    http, app = gateway
    plain = await http.get(
        "/api/v1/members/export", params={"community_id": "c1", "format": "csv"}, headers=auth(CA1)
    )
    assert plain.status_code == 200, plain.text
    assert plain.content == b"a,b"
    assert plain.headers["content-type"].startswith("text/csv")
    assert plain.headers["content-disposition"] == (
        "attachment; filename=\"__.csv\"; filename*=UTF-8''%E5%90%8D%E5%86%8C.csv"
    )
    [record] = app.state.audit.records
    assert record["action"] == "export" and record["reason"] is None
    assert record["detail"]["revealed"] is False and record["detail"]["rows"] == 1

    no_reason = await http.get(
        "/api/v1/members/export", params={"community_id": "c1", "reveal": True}, headers=auth(CA1)
    )
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]

    app.state.audit = FakeAudit(fail=True)
    refused = await http.get(
        "/api/v1/members/export", params={"community_id": "c1"}, headers=auth(CA1)
    )
    assert refused.status_code == 503 and "exported" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("filename", "content_type", "status", "format"),
    [
        ("花名册.xlsx", "application/octet-stream", 200, "xlsx"),
        ("roster.CSV", "text/plain", 200, "csv"),
        ("roster", "text/csv", 200, "csv"),
        ("roster.xls", "application/vnd.ms-excel", 422, None),
        ("roster.txt", "text/csv", 422, None),
    ],
)
async def test_an_import_takes_xlsx_or_csv_and_names_the_file_otherwise(
    gateway: Gateway, filename: str, content_type: str, status: int, format: str | None
) -> None:
    http, app = gateway
    uploaded = await http.post(
        "/api/v1/members/import",
        params={"community_id": "c1", "dry_run": "true"},
        files={"file": (filename, b"name,phone\n", content_type)},
        headers=auth(CA1),
    )
    assert uploaded.status_code == status, uploaded.text
    if status == 422:
        assert [e["field"] for e in uploaded.json()["errors"]] == ["file"]
        return
    [(body, headers)] = app.state.rpc.sent(commands.IMPORT_MEMBERS)
    assert isinstance(body, commands.ImportMembers)
    assert body.format == format and body.dry_run and body.community_id == "c1"
    assert headers["timeout_s"] == 60


async def test_an_import_too_large_or_missing_names_the_file(gateway: Gateway) -> None:
    http, _ = gateway
    big = b"x" * (commands.MAX_ROSTER_BYTES + 1)
    too_big = await http.post(
        "/api/v1/members/import",
        params={"community_id": "c1"},
        files={"file": ("r.csv", big, "text/csv")},
        headers=auth(CA1),
    )
    assert too_big.status_code == 413
    assert [e["field"] for e in too_big.json()["errors"]] == ["file"]
    missing = await http.post(
        "/api/v1/members/import", params={"community_id": "c1"}, headers=auth(CA1)
    )
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["file"]
    no_community = await http.post(
        "/api/v1/members/import", files={"file": ("r.csv", b"a", "text/csv")}, headers=auth(CA1)
    )
    assert no_community.status_code == 403


async def test_bad_input_is_a_422_naming_the_field(gateway: Gateway) -> None:
    http, _ = gateway
    cases = [
        ("post", "/api/v1/members", {"name": "李", "id_number": "1", "home": {"community_id": "c1"}}, "id_number"),  # noqa: E501
        ("patch", "/api/v1/members/m1", {"phone": "123"}, "phone"),
        ("post", "/api/v1/members/m1/record/credits", {"served_on": "2025-01-01", "hours": 1.2, "content": "x", "organiser": "y", "reference": "r"}, "hours"),  # noqa: E501
        ("post", "/api/v1/teams/hgj/members", {"member_id": "m1", "role": "boss"}, "role"),
        ("post", "/api/v1/members/m1/status", {"status": "gone"}, "status"),
    ]  # fmt: skip
    for method, path, body, field in cases:
        answer = await http.request(method, path, json=body, headers=auth(CA1))
        assert answer.status_code == 422, (path, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], (path, answer.text)
    level = await http.post("/api/v1/members/m1/stars/9/approve", headers=auth(CA1))
    assert [e["field"] for e in level.json()["errors"]] == ["level"]
    month = await http.get(
        "/api/v1/registry/stats", params={"month_from": "2025-13"}, headers=auth(SA)
    )
    assert [e["field"] for e in month.json()["errors"]] == ["month_from"]


async def test_a_path_id_the_command_refuses_is_a_422_naming_it(gateway: Gateway) -> None:
    http, _ = gateway
    skill = await http.put("/api/v1/skills/0", json={"zh": "零", "en": "zero"}, headers=auth(SA))
    assert skill.status_code == 422, skill.text
    assert [e["field"] for e in skill.json()["errors"]] == ["code"]


@pytest.mark.parametrize("member", ["%0C", "%20", "x" * 65])
async def test_an_id_no_resource_can_have_is_not_found(gateway: Gateway, member: str) -> None:
    http, app = gateway
    answer = await http.post(
        f"/api/v1/members/{member}/corrections",
        json={"record_id": "r1", "reason": "少记"},
        headers=auth(SA),
    )
    assert answer.status_code == 404, answer.text
    made = await http.post("/api/v1/teams", json={"name": "x", "parent_id": " "}, headers=auth(CA1))
    assert made.status_code == 404, made.text
    assert not app.state.rpc.calls, "nothing to ask the registry"
