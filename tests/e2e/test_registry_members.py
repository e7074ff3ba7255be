"""Members through the running gateway and registry: registration and its duplicate (409
naming the volunteer number), bad input answered 422 naming the field, reveals and exports
in the audit log (and nothing unmasked without them), a roster imported through the
endpoint with a per-row report, and a volunteer who sees their own record and proof only."""

import csv
import io
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import openpyxl
import pytest

from tests.e2e.conftest import Launch, RunningProcess, new_account, sign_in_admin
from tests.e2e.registry_helpers import community, phone, register, resident_id, team

pytestmark = pytest.mark.e2e

WHY = "核对身份后上门慰问"


@dataclass
class World:
    gateway: RunningProcess
    own: str
    member: dict[str, Any]  # registered in `own`, with the values below unmasked
    id_number: str
    phone: str
    callers: dict[str, dict[str, str]]  # who -> headers


@pytest.fixture
async def world(launch: Launch) -> World:
    processes = [launch("registry"), launch("gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        own, other = await community(http, admin, "泉韵"), await community(http, admin, "星港")
        _, owner = await new_account(
            http, admin, "泉韵社区书记", roles=["community_admin"], communities=[own]
        )
        _, stranger = await new_account(
            http, admin, "星港社区主任", roles=["community_admin"], communities=[other]
        )
        id_number, mobile = resident_id("19480312"), phone()
        made = await http.post(
            "/api/v1/members",
            headers=owner,
            json={
                "name": "王秀英",
                "id_number": id_number,
                "phone": mobile,
                "home": {"community_id": own},
                "tags": ["old_party_member"],
            },
        )
        assert made.status_code == 201, made.text
        member = made.json()
        _, volunteer = await new_account(
            http, admin, "王秀英", roles=["volunteer"], member_id=member["id"]
        )
        key = await http.post("/api/v1/api-keys", headers=admin, json={"name": "城市平台"})
    callers = {
        "subdistrict_admin": admin,
        "owner": owner,
        "stranger": stranger,
        "volunteer": volunteer,
        "api_key": {"X-API-Key": key.json()["api_key"]},
    }
    return World(gateway, own, member, id_number, mobile, callers)


def client(world: World) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=world.gateway.base_url, timeout=30)


async def audit(http: httpx.AsyncClient, world: World, action: str) -> list[dict[str, Any]]:
    log = await http.get(
        "/api/v1/audit", params={"action": action}, headers=world.callers["subdistrict_admin"]
    )
    assert log.status_code == 200, log.text
    entries: list[dict[str, Any]] = log.json()["items"]
    return entries


async def test_a_registered_id_number_is_a_conflict_naming_the_volunteer_number(
    world: World,
) -> None:
    member = world.member
    assert member["volunteer_no"].startswith("QT") and world.id_number not in str(member)
    assert member["name"] == "王**" and world.phone not in str(member)
    async with client(world) as http:
        again = await http.post(
            "/api/v1/members",
            headers=world.callers["owner"],
            json={
                "name": "王秀英",
                "id_number": world.id_number.lower(),  # the same number, typed otherwise
                "home": {"community_id": world.own},
            },
        )
        assert again.status_code == 409, again.text
        assert member["volunteer_no"] in again.json()["detail"]
        assert [e["field"] for e in again.json()["errors"]] == ["id_number"]
        assert world.id_number not in again.text


async def test_bad_input_everywhere_is_a_422_naming_the_field(world: World) -> None:
    owner, member_id = world.callers["owner"], world.member["id"]
    home = {"community_id": world.own}
    valid_id = resident_id()
    bad_check_digit = valid_id[:-1] + ("0" if valid_id[-1] != "0" else "1")
    cases: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None, str]] = [
        ("POST", "/api/v1/members", {"name": "李", "id_number": valid_id}, None, "home"),
        (
            "POST",
            "/api/v1/members",
            {"name": "李", "id_number": bad_check_digit, "home": home},
            None,
            "id_number",
        ),
        (
            "POST",
            "/api/v1/members",
            {"name": "李", "id_number": valid_id, "home": home, "phone": "12345"},
            None,
            "phone",
        ),
        (
            "POST",
            "/api/v1/members",
            {"name": "李", "id_number": valid_id, "home": home, "skills": ["juggling"]},
            None,
            "skills.0",
        ),
        ("PATCH", f"/api/v1/members/{member_id}", {"tags": ["hero"]}, None, "tags.0"),
        ("POST", f"/api/v1/members/{member_id}/status", {"status": "left"}, None, "reason"),
        (
            "POST",
            f"/api/v1/members/{member_id}/record/credits",
            {
                "served_on": "2024-03-01",
                "hours": 1.2,
                "content": "巡逻",
                "organiser": "社区",
                "reference": "p1",
            },
            None,
            "hours",
        ),
        (
            "POST",
            f"/api/v1/members/{member_id}/record/credits",
            {
                "served_on": "2999-01-01",
                "hours": 1,
                "content": "巡逻",
                "organiser": "社区",
                "reference": "p1",
            },
            None,
            "served_on",
        ),
        ("GET", "/api/v1/members", None, {"community_id": world.own, "limit": 500}, "limit"),
        (
            "GET",
            "/api/v1/registry/stats",
            None,
            {"community_id": world.own, "month_from": "2025-13"},
            "month_from",
        ),
        ("POST", "/api/v1/teams", {"name": "", "community_id": world.own}, None, "name"),
        (
            "GET",
            f"/api/v1/members/{member_id}/proof",
            None,
            {"served_from": "2025-05-01", "served_to": "2025-01-01"},
            "served_to",
        ),
    ]
    async with client(world) as http:
        for method, path, body, query, field in cases:
            answer = await http.request(method, path, json=body, params=query, headers=owner)
            assert answer.status_code == 422, (path, body, query, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            fields = [e["field"] for e in answer.json()["errors"]]
            assert field in fields, (path, body, query, fields)


async def test_a_reveal_of_a_member_is_audited_and_only_for_admins_of_their_community(
    world: World,
) -> None:
    path = f"/api/v1/members/{world.member['id']}"
    asked = {"reveal": "phone,id_number", "reason": WHY}
    async with client(world) as http:
        masked = await http.get(path, headers=world.callers["owner"])
        assert masked.status_code == 200, masked.text
        assert world.phone not in masked.text and world.id_number not in masked.text

        revealed = await http.get(path, params=asked, headers=world.callers["owner"])
        assert revealed.status_code == 200, revealed.text
        assert revealed.json()["phone"] == world.phone
        assert revealed.json()["id_number"] == world.id_number
        assert revealed.json()["name"] == "王**", "only the fields named"
        assert revealed.headers["cache-control"] == "no-store"

        [entry] = await audit(http, world, "reveal")
        assert entry["target"] == world.member["id"] and entry["reason"] == WHY
        assert entry["actor_name"] == "泉韵社区书记"
        assert entry["detail"]["fields"] == ["phone", "id_number"]
        assert entry["detail"]["member"]["volunteer_no"] == world.member["volunteer_no"]
        log = str(await audit(http, world, "reveal"))
        assert world.phone not in log and world.id_number not in log

        for who, params, status, field in (
            ("owner", {"reveal": "phone"}, 422, "reason"),
            ("owner", {"reveal": "address", "reason": WHY}, 422, "reveal"),
            ("api_key", asked, 403, "reveal"),
            ("volunteer", asked, 403, "reveal"),  # their own, but not to unmask
            ("stranger", asked, 404, None),
        ):
            refused = await http.get(path, params=params, headers=world.callers[who])
            assert refused.status_code == status, (who, refused.text)
            if field:
                assert [e["field"] for e in refused.json()["errors"]] == [field], who
            assert world.phone not in refused.text
        assert len(await audit(http, world, "reveal")) == 1, "a refused reveal is no record"


def roster_xlsx(rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "证件类型", "证件号码", "手机号", "标签"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_a_roster_is_imported_through_the_endpoint_with_a_report_per_row(
    world: World,
) -> None:
    good = [
        ["赵德明", "居民身份证", resident_id("19500202"), phone(), "老党员"],
        ["孙丽华", "居民身份证", resident_id("19520303"), phone(), ""],
        ["周建平", "居民身份证", resident_id("19601010"), "", "党员"],
    ]
    bad_id = resident_id()
    bad = [
        ["吴小燕", "居民身份证", bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1"), phone(), ""],
        ["郑国强", "居民身份证", resident_id(), "1234", ""],
    ]
    content = roster_xlsx([good[0], bad[0], good[1], bad[1], good[2]])
    owner = world.callers["owner"]

    async def upload(mode: str) -> httpx.Response:
        return await http.post(
            "/api/v1/members/import",
            params={"community_id": world.own, "mode": mode},
            files={"file": ("泉韵花名册.xlsx", content, "application/octet-stream")},
            headers=owner,
        )

    async with client(world) as http:
        refused = await upload("all_or_nothing")
        assert refused.status_code == 200, refused.text
        report = refused.json()
        assert report["written"] is False and report["rows"] == 5 and report["valid"] == 3
        assert [(e["row"], e["field"]) for e in report["errors"]] == [
            (3, "id_number"),
            (5, "phone"),
        ]
        found = await http.get("/api/v1/members", params={"community_id": world.own}, headers=owner)
        assert len(found.json()["items"]) == 1, "all or nothing: nothing written"

        partial = (await upload("valid_rows_only")).json()
        assert partial["written"] is True and len(partial["created"]) == 3
        names = await http.get(
            "/api/v1/members",
            params={"community_id": world.own, "name_prefix": "赵"},
            headers=owner,
        )
        assert [m["name"] for m in names.json()["items"]] == ["赵**"]

        wrong_type = await http.post(
            "/api/v1/members/import",
            params={"community_id": world.own},
            files={"file": ("名册.xls", content, "application/vnd.ms-excel")},
            headers=owner,
        )
        assert wrong_type.status_code == 422
        assert [e["field"] for e in wrong_type.json()["errors"]] == ["file"]
        elsewhere = await http.post(
            "/api/v1/members/import",
            params={"community_id": world.own},
            files={"file": ("名册.xlsx", content, "application/octet-stream")},
            headers=world.callers["stranger"],
        )
        assert elsewhere.status_code == 403


async def test_an_export_is_a_file_and_always_in_the_audit_log(world: World) -> None:
    owner = world.callers["owner"]
    async with client(world) as http:
        plain = await http.get(
            "/api/v1/members/export",
            params={"community_id": world.own, "format": "csv"},
            headers=owner,
        )
        assert plain.status_code == 200, plain.text
        assert plain.headers["content-type"].startswith("text/csv")
        disposition = plain.headers["content-disposition"]
        assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
        rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8-sig"))))
        assert rows[0][:2] == ["志愿者编号", "姓名"] and len(rows) == 2
        assert world.phone not in plain.text and world.id_number not in plain.text

        revealed = await http.get(
            "/api/v1/members/export",
            params={"community_id": world.own, "reveal": "true", "reason": WHY},
            headers=owner,
        )
        assert revealed.status_code == 200, revealed.text
        sheet = openpyxl.load_workbook(io.BytesIO(revealed.content)).active
        assert sheet is not None
        cells = {str(c.value) for row in sheet.iter_rows() for c in row}
        assert {world.phone, world.id_number} <= cells
        assert quote(".xlsx") in revealed.headers["content-disposition"]

        no_reason = await http.get(
            "/api/v1/members/export",
            params={"community_id": world.own, "reveal": "true"},
            headers=owner,
        )
        assert no_reason.status_code == 422
        assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
        elsewhere = await http.get(
            "/api/v1/members/export",
            params={"community_id": world.own},
            headers=world.callers["stranger"],
        )
        assert elsewhere.status_code == 403
        everything = await http.get("/api/v1/members/export", headers=owner)
        assert everything.status_code == 403, "a community admin names their community"

        entries = await audit(http, world, "export")
        assert [e["detail"]["revealed"] for e in entries] == [True, False]  # newest first
        assert entries[0]["reason"] == WHY and entries[1]["reason"] is None
        assert entries[0]["detail"]["fields"] == ["phone", "id_number"]
        assert {e["detail"]["community_id"] for e in entries} == {world.own}
        assert {e["actor_name"] for e in entries} == {"泉韵社区书记"}
        assert entries[1]["detail"]["rows"] == 1


async def test_a_volunteer_sees_their_own_record_and_proof_and_nobody_elses(
    world: World,
) -> None:
    mine = world.member["id"]
    volunteer = world.callers["volunteer"]
    async with client(world) as http:
        other = await register(http, world.callers["owner"], world.own, "钱学文")
        credited = await http.post(
            f"/api/v1/members/{mine}/record/credits",
            headers=world.callers["owner"],
            json={
                "served_on": "2024-06-01",
                "hours": 3.5,
                "content": "<script>关爱独居老人</script>",
                "organiser": "泉韵社区",
                "reference": "paper-" + secrets.token_hex(3),
            },
        )
        assert credited.status_code == 201, credited.text

        me = await http.get(f"/api/v1/members/{mine}", headers=volunteer)
        assert me.status_code == 200 and me.json()["volunteer_no"] == world.member["volunteer_no"]
        record = await http.get(f"/api/v1/members/{mine}/record", headers=volunteer)
        assert record.status_code == 200, record.text
        assert record.json()["total_hours"] == 3.5
        proof = await http.get(f"/api/v1/members/{mine}/proof", headers=volunteer)
        assert proof.status_code == 200, proof.text
        assert proof.json()["total_hours"] == 3.5 and proof.json()["name"] == "王秀英"
        assert proof.json()["handler"] == "王秀英"  # the caller's display name
        page = await http.get(f"/api/v1/members/{mine}/proof.html", headers=volunteer)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "志愿服务证明" in page.text and world.member["volunteer_no"] in page.text
        assert "&lt;script&gt;关爱独居老人&lt;/script&gt;" in page.text
        assert "<script>" not in page.text and world.id_number not in page.text

        for path in ("", "/record", "/points", "/proof", "/proof.html"):
            theirs = await http.get(f"/api/v1/members/{other['id']}{path}", headers=volunteer)
            assert theirs.status_code == 404, (path, theirs.text)
        team_id = (await team(http, world.callers["owner"], "邻里帮帮团", community_id=world.own))[
            "id"
        ]
        assert (await http.get(f"/api/v1/teams/{team_id}", headers=volunteer)).status_code == 403
