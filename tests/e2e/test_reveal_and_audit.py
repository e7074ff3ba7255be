"""Personal data against the running gateway and requests service: masked for everyone by
default, revealed only to an admin of the request's community who gives a reason, and every
reveal (and every sign-in) in the audit log that only a subdistrict_admin reads."""

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, RunningProcess, new_account, sign_in_admin

pytestmark = pytest.mark.e2e

NAME, PHONE = "李奶奶", "13812341234"
MASKED = {"name": "李**", "phone": "138****1234"}
WHY = "回访核实联系方式"
ID_NUMBER = "11010119900307123X"
MASKED_DESCRIPTION = "请打138****1234找她，身份证110101********123X"


@dataclass
class World:
    gateway: RunningProcess
    own: str
    request_id: str
    callers: dict[str, dict[str, str]]  # who -> headers


@pytest.fixture
async def world(launch: Launch) -> World:
    processes = [launch("requests"), launch("gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    own, other = "own" + secrets.token_hex(3), "other" + secrets.token_hex(3)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        _, owner = await new_account(
            http, admin, "社区王书记", roles=["community_admin"], communities=[own]
        )
        _, stranger = await new_account(
            http, admin, "邻社区赵主任", roles=["community_admin"], communities=[other]
        )
        _, leader = await new_account(http, admin, "队长", roles=["team_leader"], teams=["t1"])
        key = await http.post("/api/v1/api-keys", headers=admin, json={"name": "城市平台"})
        made = await http.post(
            "/api/v1/requests",
            headers=admin,
            json={
                "kind": "repair",
                "title": "楼道灯坏了",
                "description": f"请打{PHONE}找她，身份证{ID_NUMBER}",  # in her own words
                "location": {"community_id": own, "building_id": "b3"},
                "resident_name": NAME,
                "resident_phone": PHONE,
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["resident"] == MASKED  # the create answer is masked too
    callers = {
        "subdistrict_admin": admin,
        "owner": owner,
        "stranger": stranger,
        "team_leader": leader,
        "api_key": {"X-API-Key": key.json()["api_key"]},
    }
    return World(gateway, own, made.json()["id"], callers)


def client(world: World) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10)


async def test_personal_data_is_masked_by_default_for_every_role(world: World) -> None:
    async with client(world) as http:
        for who in ("subdistrict_admin", "owner", "api_key"):
            read = await http.get(
                f"/api/v1/requests/{world.request_id}", headers=world.callers[who]
            )
            assert read.status_code == 200, (who, read.text)
            assert read.json()["resident"] == MASKED, who
            assert PHONE not in read.text and NAME not in read.text, who
        for who, status in (("stranger", 404), ("team_leader", 404)):
            read = await http.get(
                f"/api/v1/requests/{world.request_id}", headers=world.callers[who]
            )
            assert read.status_code == status, (who, read.text)
            assert PHONE not in read.text


async def test_a_community_admin_reveals_with_a_reason_and_the_reveal_is_audited(
    world: World,
) -> None:
    path = f"/api/v1/requests/{world.request_id}"
    async with client(world) as http:
        revealed = await http.get(
            path, params={"reveal": "phone", "reason": WHY}, headers=world.callers["owner"]
        )
        assert revealed.status_code == 200, revealed.text
        assert revealed.json()["resident"] == {"name": MASKED["name"], "phone": PHONE}
        assert revealed.headers["cache-control"] == "no-store"

        both = await http.get(
            path,
            params={"reveal": "phone,name", "reason": "核对身份后上门维修"},
            headers=world.callers["subdistrict_admin"],
        )
        assert both.json()["resident"] == {"name": NAME, "phone": PHONE}

        log = await http.get(
            "/api/v1/audit",
            params={"action": "reveal"},
            headers=world.callers["subdistrict_admin"],
        )
        assert log.status_code == 200, log.text
        entries = log.json()["items"]
        assert [e["detail"]["fields"] for e in entries] == [["phone", "name"], ["phone"]]
        entry = entries[-1]  # newest first: the community admin's came first
        me = (await http.get("/api/v1/auth/me", headers=world.callers["owner"])).json()
        assert entry["action"] == "reveal"
        assert entry["actor_id"] == me["id"] and entry["actor_name"] == "社区王书记"
        assert entry["target"] == world.request_id
        assert entry["detail"]["request_id"] == world.request_id
        assert entry["detail"]["community_id"] == world.own
        assert entry["detail"]["resident"] == MASKED  # whose, without writing it out again
        assert entry["reason"] == WHY
        assert entry["at"] and entries[0]["at"] >= entry["at"]
        assert PHONE not in log.text, "the audit log must not itself hold the revealed value"


async def test_a_reveal_is_refused_without_a_reason_or_a_permitted_role(world: World) -> None:
    path = f"/api/v1/requests/{world.request_id}"
    owner = world.callers["owner"]
    async with client(world) as http:
        for params, field in (
            ({"reveal": "phone"}, "reason"),
            ({"reveal": "phone", "reason": "看"}, "reason"),
            ({"reveal": "phone", "reason": "x" * 201}, "reason"),
            ({"reveal": "address", "reason": WHY}, "reveal"),
        ):
            refused = await http.get(path, params=params, headers=owner)
            assert refused.status_code == 422, (params, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in refused.json()["errors"]] == [field], params
            assert PHONE not in refused.text

        asked = {"reveal": "phone", "reason": WHY}
        stranger = await http.get(path, params=asked, headers=world.callers["stranger"])
        assert stranger.status_code == 404, stranger.text
        key = await http.get(path, params=asked, headers=world.callers["api_key"])
        assert key.status_code == 403, key.text
        assert "reveal" in key.json()["detail"]
        assert [e["field"] for e in key.json()["errors"]] == ["reveal"]
        assert PHONE not in key.text + stranger.text

        log = await http.get(
            "/api/v1/audit",
            params={"action": "reveal"},
            headers=world.callers["subdistrict_admin"],
        )
        assert log.json()["items"] == [], "a refused reveal reveals nothing, so no record"


async def test_the_audit_log_is_the_subdistrict_admins_and_records_sign_ins(
    world: World,
) -> None:
    admin = world.callers["subdistrict_admin"]
    async with client(world) as http:
        for who in ("owner", "api_key"):
            denied = await http.get("/api/v1/audit", headers=world.callers[who])
            assert denied.status_code == 403, (who, denied.text)
        assert (await http.get("/api/v1/audit")).status_code == 401

        wrong = await http.post(
            "/api/v1/auth/login", json={"username": "nobody-here", "password": "guess-guess"}
        )
        assert wrong.status_code == 401

        logins = (
            await http.get("/api/v1/audit", params={"action": "login"}, headers=admin)
        ).json()["items"]
        # the admin, three community-side accounts: each signed in once, in the fixture
        assert len(logins) == 4 and {e["action"] for e in logins} == {"login"}
        assert "社区王书记" in {e["actor_name"] for e in logins}
        failed = (
            await http.get("/api/v1/audit", params={"action": "login_failed"}, headers=admin)
        ).json()["items"]
        assert [(e["target"], e["actor_id"]) for e in failed] == [("nobody-here", None)]

        # everything, newest first, one page at a time
        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = (await http.get("/api/v1/audit", params=params, headers=admin)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [e["id"] for e in seen] == sorted((e["id"] for e in seen), reverse=True)
        assert len({e["id"] for e in seen}) == len(seen)
        actions = [e["action"] for e in seen]
        assert actions[0] == "login_failed"
        assert {"login", "login_failed", "user_created", "api_key_created"} <= set(actions)
        assert set(seen[0]) == {
            "id",
            "at",
            "action",
            "actor_id",
            "actor_name",
            "target",
            "detail",
            "reason",
        }

        too_big = await http.get("/api/v1/audit", params={"limit": 101}, headers=admin)
        assert too_big.status_code == 422


async def test_free_text_is_masked_and_a_reveal_does_not_unmask_it(world: World) -> None:
    path = f"/api/v1/requests/{world.request_id}"
    async with client(world) as http:
        read = await http.get(path, headers=world.callers["api_key"])
        assert read.json()["description"] == MASKED_DESCRIPTION
        revealed = await http.get(
            path, params={"reveal": "phone,name", "reason": WHY}, headers=world.callers["owner"]
        )
        assert revealed.json()["resident"] == {"name": NAME, "phone": PHONE}
        assert revealed.json()["description"] == MASKED_DESCRIPTION, "reveal: fields only"
        assert ID_NUMBER not in revealed.text


def without_instance(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return {k: v for k, v in body.items() if k != "instance"}


async def test_a_missing_request_answers_exactly_as_one_outside_the_scope(world: World) -> None:
    """Nobody learns from the answer whether a request id exists."""
    existing = f"/api/v1/requests/{world.request_id}"
    missing = f"/api/v1/requests/{world.request_id[:-4]}zzzz"
    too_long = "/api/v1/requests/" + "9" * 65
    asked = {"reveal": "phone", "reason": WHY}
    async with client(world) as http:
        for who, status in (("stranger", 404), ("team_leader", 404), (None, 401)):
            headers = world.callers[who] if who else {}
            answers = [
                await http.get(path, headers=headers, params=params)
                for path in (existing, missing, too_long)
                for params in ({}, asked)
            ]
            assert {a.status_code for a in answers} == {status}, (who, answers[0].text)
            assert len({str(without_instance(a)) for a in answers}) == 1, who
            if status == 404:
                assert without_instance(answers[0]) == {
                    "type": "https://redvest.example/problems/404",
                    "title": "Not found",
                    "status": 404,
                    "detail": "not found",
                }
        # Whoever may see every request gets the same 404 for one that does not exist.
        for who in ("subdistrict_admin", "api_key", "owner"):
            for path in (missing, too_long):
                answer = await http.get(path, headers=world.callers[who])
                assert answer.status_code == 404, (who, answer.text)
                assert without_instance(answer)["detail"] == "not found"
