"""The registry's demo data: synthetic people no real person can be, teams of the article's
sizes, every reference resolvable in loading order, and a loader that sends each change once."""

import json
import re
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest

from services.registry.config import DEV_ID_KEY
from services.registry.domain.identity import checked_id_number
from services.registry.domain.skills import DEFAULT_SKILLS
from services.registry.id_vault import IdVault
from services.registry.importing import Directory, Report, check_roster
from services.registry.roster import read_roster
from shared.contracts.commands import registry as commands
from tools import demo_http
from tools.demo import create_team_accounts, load_demo
from tools.demo_data import DEMO_REQUESTS, DEMO_TEAM_ACCOUNTS
from tools.demo_http import DemoLoadError
from tools.demo_people import REAL_NAMES, check_digit, resident_id
from tools.demo_registry import roster_xlsx
from tools.demo_registry_data import DEMO_REGISTRY, RegistryDemo

pytestmark = pytest.mark.unit

D = DEMO_REGISTRY
PEOPLE = {p.key: p for p in D.people}
TODAY = date(2026, 11, 29)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_http, "RETRY_INTERVAL", 0.01)
    monkeypatch.setattr(demo_http, "RETRY_WITHIN", 1.0)


def team_members(team_id: str, *, with_squads: bool = True) -> set[str]:
    return {
        m.key
        for m in D.memberships
        if m.team_id == team_id or (with_squads and m.team_id.startswith(team_id + "-"))
    }


def test_the_check_digit_is_gb_11643s() -> None:
    # The standard's own example number (GB 11643-1999, appendix).
    assert check_digit("11010519491231002") == "X"
    assert resident_id(date(1949, 12, 31), 1, "f") == "999999194912310025"


def test_every_id_number_is_valid_synthetic_and_unique() -> None:
    numbers = [p.id_number for p in D.people]
    assert len(set(numbers)) == len(numbers)
    for p in D.people:
        assert re.fullmatch(r"999999\d{11}[\dX]", p.id_number), p
        assert p.id_number[17] == check_digit(p.id_number[:17])
        assert checked_id_number("resident_id", p.id_number, TODAY) == p.id_number
        assert p.id_number[6:14] == f"{p.born:%Y%m%d}"
        assert int(p.id_number[16]) % 2 == (1 if p.gender == "m" else 0)


def test_every_phone_starts_with_100_which_no_mobile_number_does() -> None:
    phones = [p.phone for p in D.people]
    contacts = [
        body[part]["contact_phone"]
        for body in D.compounds
        for part in ("owners_committee", "property_company")
    ] + [p["contact_phone"] for p in D.partners]
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"100\d{8}", n) for n in phones + contacts)


def test_names_are_unique_none_starts_another_and_none_is_the_articles() -> None:
    names = [p.name for p in D.people]
    assert len(set(names)) == len(names)
    assert not any(a != b and b.startswith(a) for a in names for b in names)
    contact_names = [p["contact_name"] for p in D.partners] + [
        body[part]["contact_name"]
        for body in D.compounds
        for part in ("owners_committee", "property_company")
    ]
    assert not (set(names) | set(contact_names)) & REAL_NAMES


def test_every_body_is_valid_for_its_command() -> None:
    for body in D.communities + D.compounds + D.buildings:
        commands.CreateOrgUnit.model_validate(body)
    for body in D.partners:
        commands.RegisterPartner.model_validate(body)
    for p in D.people:
        commands.RegisterMember.model_validate(p.body())
    ids = {key: f"m-{key}" for key in PEOPLE}
    for roles in D.unit_roles:
        commands.UpdateOrgUnit.model_validate({**roles.body(ids), "unit_id": roles.unit_id})
    for grid in D.grids:
        commands.CreateOrgUnit.model_validate(D.grid_body(grid, ids))
    for team in D.teams:
        commands.CreateTeam.model_validate(team)
    for m in D.memberships:
        commands.JoinTeamBody.model_validate(
            {"member_id": "m", "role": m.role, "joined_on": m.joined_on}
        )
    for c in D.credits:
        commands.CreditHoursBody.model_validate(c.body())


def test_quantang_has_twenty_communities_and_the_articles_compounds() -> None:
    communities = {b["unit_id"]: b["name"] for b in D.communities}
    assert len(communities) == 20
    assert {"quanyun", "xinggang", "jingxing"} <= set(communities)
    assert len(set(communities.values())) == 20
    compounds = {b["name"]: b["parent_id"] for b in D.compounds}
    assert compounds["海德公元"] == "quanyun" and compounds["苹果小区"] == "xinggang"
    assert compounds["圣力华苑"] == "jingxing"
    assert {"高林仕家", "中茂城"} <= set(compounds)
    assert {p["name"] for p in D.partners} >= {"湖南水利水电职业技术学院“电系万家”志愿服务队"}
    assert {p["kind"] for p in D.partners} >= {"college_team", "clinic", "enterprise", "charity"}


def test_units_come_before_what_lies_in_them_and_every_home_exists() -> None:
    seen: dict[str, dict[str, Any]] = {}
    for body in D.communities + D.compounds + D.buildings:
        assert body.get("parent_id") is None or body["parent_id"] in seen, body
        seen[body["unit_id"]] = body
    for p in D.people:
        home = p.home
        assert seen[home["community_id"]]["kind"] == "community"
        if "compound_id" in home:
            assert seen[home["compound_id"]]["parent_id"] == home["community_id"]
        if "building_id" in home:
            assert seen[home["building_id"]]["parent_id"] == home["compound_id"]
    for grid in D.grids:
        assert all(seen[b]["kind"] == "building" for b in grid["grid_building_ids"])
    # The demo requests point at the same places.
    for r in DEMO_REQUESTS:
        for part in ("community_id", "compound_id", "building_id"):
            assert r["location"].get(part) in (None, *seen), r["location"]


def test_every_member_named_by_a_role_team_or_credit_exists() -> None:
    named = {m.key for m in D.memberships} | {c.key for c in D.credits}
    named |= {g["worker"] for g in D.grids}
    for roles in D.unit_roles:
        named |= set(roles.property_staff) | set(roles.building_heads)
        named |= set(roles.branch[1:] if roles.branch else ())
    assert named <= set(PEOPLE)
    team_ids = [t["team_id"] for t in D.teams]
    assert {m.team_id for m in D.memberships} <= set(team_ids)
    # Parents first: a sub-squad's parent is created before it.
    for i, team in enumerate(D.teams):
        assert team.get("parent_id") in (None, *team_ids[:i])
    # A building head lives in the building they head.
    for roles in D.unit_roles:
        for key in roles.building_heads:
            assert PEOPLE[key].home["building_id"] == roles.unit_id


def test_the_roster_the_loader_uploads_passes_the_registrys_own_import_checks() -> None:
    units = {
        b["unit_id"]: {"_id": b["unit_id"], **b, "community_id": community_of(b)}
        for b in D.communities + D.compounds + D.buildings
    }
    directory = Directory(
        units=units, skills={code: zh for code, (zh, _) in DEFAULT_SKILLS.items()}
    )
    roster = read_roster(roster_xlsx(D.people), "xlsx")
    report = Report(rows=len(roster.rows), mode="all_or_nothing", dry_run=True)
    vault = IdVault(DEV_ID_KEY, allow_dev_secret=True)
    check_roster(roster, directory, vault, report, community_id=None, today=TODAY)
    assert report.errors == []
    by_row = {c.row: c.command for c in report.checked}
    for row, person in enumerate(D.people, start=2):
        command = by_row[row]
        assert command.home.model_dump(exclude_none=True) == person.home
        assert (command.skills, command.tags) == (list(person.skills), list(person.tags))
        assert command.availability == list(person.availability)


def community_of(body: dict[str, Any]) -> str:
    if body["kind"] == "community":
        return str(body["unit_id"])
    if body["kind"] == "compound":
        return str(body["parent_id"])
    compound = next(c for c in D.compounds if c["unit_id"] == body["parent_id"])
    return str(compound["parent_id"])


def test_there_are_150_to_200_members_with_skills_from_the_managed_list() -> None:
    assert 150 <= len(D.people) <= 200
    assert {s for p in D.people for s in p.skills} <= set(DEFAULT_SKILLS)
    assert len({p.key for p in D.people}) == len(D.people)


def test_wulaohong_has_30_plus_five_olds_25_of_them_old_party_members() -> None:
    members = team_members("wulaohong")
    assert len(members) >= 30
    assert sum("old_party_member" in PEOPLE[k].tags for k in members) == 25
    five_olds = {"old_party_member", "old_cadre", "old_expert", "old_soldier", "old_model_worker"}
    assert all(five_olds & set(PEOPLE[k].tags) for k in members)
    assert all(PEOPLE[k].home["compound_id"] == "haide_gongyuan" for k in members)


def test_linli_has_10_old_party_members_in_their_60s_and_70s() -> None:
    members = team_members("linli")
    assert sum("old_party_member" in PEOPLE[k].tags for k in members) == 10
    assert all(60 <= TODAY.year - PEOPLE[k].born.year <= 75 for k in members)


def test_huiguanjia_has_six_sub_squads_and_40_plus_members() -> None:
    squads = [t for t in D.teams if t.get("parent_id") == "huiguanjia"]
    assert [t["name"] for t in squads] == [
        "先锋管家",
        "巾帼管家",
        "老兵管家",
        "平安管家",
        "健康管家",
        "小管家",
    ]
    assert len(team_members("huiguanjia")) >= 40
    for squad in squads:
        roles = Counter(m.role for m in D.memberships if m.team_id == squad["team_id"])
        assert roles["leader"] == 1 and roles["member"] >= 5


def test_every_team_has_one_leader_and_fenghua_is_new_organisations_party_members() -> None:
    for team in D.teams:
        leaders = [m for m in D.memberships if m.team_id == team["team_id"] and m.role == "leader"]
        assert len(leaders) == 1, team["team_id"]
    assert all("new_org_party_member" in PEOPLE[k].tags for k in team_members("fenghua"))
    assert team_members("tongxing")


def test_paper_records_give_wulaohong_veterans_star_levels() -> None:
    totals: dict[str, float] = {}
    for c in D.credits:
        totals[c.key] = totals.get(c.key, 0.0) + c.hours
    assert sum(h >= 300 for h in totals.values()) >= 2
    assert sum(100 <= h < 300 for h in totals.values()) >= 3
    assert all(c.served_on < TODAY for c in D.credits)
    references = [(c.key, c.reference) for c in D.credits]
    assert len(set(references)) == len(references)


def test_the_team_accounts_name_demo_teams_and_a_demo_member() -> None:
    team_ids = {t["team_id"] for t in D.teams}
    for name, (_, role, scope) in DEMO_TEAM_ACCOUNTS.items():
        assert re.fullmatch(r"[a-z0-9_.-]{3,64}", name)
        assert scope in (team_ids if role == "team_leader" else PEOPLE)


# --- The loader, against a gateway that answers as the routes do ----------------------------

SMALL = RegistryDemo(
    communities=D.communities[:1],
    compounds=[],
    buildings=[],
    partners=D.partners[:1],
    people=[PEOPLE[k] for k in ("quanyun-worker-1", "quanyun-worker-2", "wulaohong-01")],
    unit_roles=[r for r in D.unit_roles if r.unit_id == "quanyun"],
    grids=[],
    teams=D.teams[:1],
    memberships=[m for m in D.memberships if m.key == "wulaohong-01"],
    credits=[],
)


class Gateway:
    """Answers the registry's routes as they do; `answers` overrides by "METHOD path"."""

    def __init__(self, answers: dict[str, httpx.Response | Exception] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []
        self.registered = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/login":
            return httpx.Response(200, json={"access_token": "t", "refresh_token": "r"})
        call = f"{request.method} {request.url.path}"
        self.calls.append(call)
        answer = self.answers.get(call)
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            return answer
        if call == "GET /api/v1/skills":
            return httpx.Response(200, json=[])
        if call == "GET /api/v1/requests/demo-readiness-probe":
            return httpx.Response(404, text="demo-readiness-probe")
        if call == "GET /api/v1/members":
            number = request.url.params["volunteer_no"]
            return httpx.Response(200, json={"items": [{"id": f"id-{number}"}]})
        if call == "POST /api/v1/members/import":
            assert request.url.params["mode"] == "valid_rows_only"
            assert b"quantang-demo.xlsx" in request.read()
            rows = range(2, 2 + len(SMALL.people))
            created = [{"row": r, "member_id": f"id-{r}", "volunteer_no": "QT"} for r in rows]
            return httpx.Response(200, json={"created": created, "errors": []})
        return httpx.Response(201, json=json.loads(request.content))

    def load(self, demo: RegistryDemo = SMALL) -> Any:
        return load_demo(
            "http://gw",
            [],
            say=lambda _: None,
            transport=httpx.MockTransport(self.handle),
            registry=demo,
            activities=None,
            username="admin",
            password="p" * 12,
        )


def test_the_loader_goes_in_order_and_puts_member_ids_in() -> None:
    gw = Gateway()
    loaded = gw.load()
    assert [c for c in gw.calls if not c.startswith("GET")] == [
        "POST /api/v1/org/units",
        "POST /api/v1/partners",
        "POST /api/v1/members/import",
        "PATCH /api/v1/org/units/quanyun",
        "POST /api/v1/teams",
        "POST /api/v1/teams/wulaohong/members",
    ]
    assert loaded.registry["member"] == 3 and loaded.registry["community"] == 1


def test_a_second_load_finds_what_is_there() -> None:
    taken = httpx.Response(409, json={"detail": "the org unit id quanyun is taken"})
    registered = httpx.Response(
        200,
        json={
            "created": [],
            "errors": [
                {
                    "row": row,
                    "field": "id_number",
                    "message": f"already registered as volunteer QT00000{row}",
                }
                for row in (2, 3, 4)
            ],
        },
    )
    gw = Gateway(
        {
            "POST /api/v1/org/units": taken,
            "POST /api/v1/partners": taken,
            "POST /api/v1/members/import": registered,
            "POST /api/v1/teams": taken,
        }
    )
    loaded = gw.load()
    assert loaded.registry["member"] == 3
    # The member ids come from the volunteer number each 409 names.
    assert gw.calls.count("GET /api/v1/members") == 3
    assert "PATCH /api/v1/org/units/quanyun" in gw.calls


@pytest.mark.parametrize("failure", [httpx.Response(503, json={}), httpx.ReadTimeout("lost")])
def test_a_change_that_may_have_been_made_is_not_repeated(
    failure: httpx.Response | Exception,
) -> None:
    gw = Gateway({"POST /api/v1/members/import": failure})
    with pytest.raises(DemoLoadError, match="not repeated"):
        gw.load()
    assert gw.calls.count("POST /api/v1/members/import") == 1


def test_a_roster_row_refused_for_another_reason_stops_the_load() -> None:
    error = {"row": 3, "field": "building", "message": "no building 9栋 in pingguo"}
    gw = Gateway(
        {
            "POST /api/v1/members/import": httpx.Response(
                200, json={"created": [], "errors": [error]}
            )
        }
    )
    with pytest.raises(DemoLoadError, match="row 3: building: no building"):
        gw.load()
    assert not any(c.startswith("PATCH") for c in gw.calls)


def test_a_429_is_waited_out_and_sent_again() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "0"}, json={})]
    gw = Gateway()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/partners" and answers:
            gw.calls.append("429")
            return answers.pop()
        return Gateway.handle(gw, request)

    load_demo(
        "http://gw",
        [],
        say=lambda _: None,
        transport=httpx.MockTransport(handle),
        registry=SMALL,
        activities=None,
        username="admin",
        password="p" * 12,
    )
    assert gw.calls.count("POST /api/v1/partners") == 1 and "429" in gw.calls


def test_the_volunteer_account_names_the_member_found_by_name() -> None:
    posted: list[dict[str, Any]] = []
    searched: list[dict[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/login":
            return httpx.Response(200, json={"access_token": "t", "refresh_token": "r"})
        if request.url.path == "/api/v1/members":
            searched.append(dict(request.url.params))
            return httpx.Response(200, json={"items": [{"id": "member-7"}]})
        posted.append(json.loads(request.content))
        return httpx.Response(201, json={})

    created, taken = create_team_accounts(
        "http://gw",
        username="admin",
        password="p" * 12,
        say=lambda _: None,
        transport=httpx.MockTransport(handle),
    )
    assert taken == [] and set(created) == set(DEMO_TEAM_ACCOUNTS)
    volunteer = next(b for b in posted if b["roles"] == ["volunteer"])
    assert volunteer["member_id"] == "member-7"
    _, _, key = DEMO_TEAM_ACCOUNTS[volunteer["username"]]
    assert searched[0]["name_prefix"] == PEOPLE[key].name
    leaders = [b for b in posted if b["roles"] == ["team_leader"]]
    assert {t for b in leaders for t in b["teams"]} == {"huiguanjia", "huiguanjia-xianfeng"}


def test_no_volunteer_account_without_its_member() -> None:
    said: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/login":
            return httpx.Response(200, json={"access_token": "t", "refresh_token": "r"})
        if request.url.path == "/api/v1/members":
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        return httpx.Response(201, json={})

    created, _ = create_team_accounts(
        "http://gw",
        username="admin",
        password="p" * 12,
        say=said.append,
        transport=httpx.MockTransport(handle),
    )
    assert set(created) == {"huiguanjia_leader", "xianfeng_leader"}
    assert any("'wulaohong_volunteer' not created" in line for line in said)
