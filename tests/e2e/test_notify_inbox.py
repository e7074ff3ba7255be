"""Notify through the gateway, on the real processes: a community admin's request reaches
their desk inbox (not a volunteer's), is counted unread and marked read; a rule's template
with an unknown variable is refused naming it, and an edited rule changes the next
notification; a volunteer's preferences round-trip masked; a notice to one building reaches
the members living there, and no one else."""

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, RunningProcess, new_account, sign_in_admin
from tests.e2e.registry_helpers import community, register
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

Headers = dict[str, str]
SERVICES = ("notify", "requests", "registry", "activities")


async def start(launch: Launch) -> RunningProcess:
    processes = [launch(name) for name in (*SERVICES, "gateway")]
    for process in processes:
        await process.ready()
    return processes[-1]


@dataclass
class Building:
    admin: Headers  # a subdistrict admin
    own: str  # the community
    building: str  # a building of its compound
    ca: Headers  # the community's admin
    resident: str  # a member living in the building, with a volunteer account
    resident_account: Headers
    neighbour_account: Headers  # a volunteer living in the next building


async def unit(http: httpx.AsyncClient, admin: Headers, **fields: Any) -> str:
    made = await http.post("/api/v1/org/units", headers=admin, json=fields)
    assert made.status_code == 201, made.text
    unit_id: str = made.json()["id"]
    return unit_id


async def building_world(http: httpx.AsyncClient, gateway: RunningProcess) -> Building:
    admin = await sign_in_admin(gateway)
    own = await community(http, admin, "泉韵")
    compound = await unit(http, admin, kind="compound", name="海德公元", parent_id=own)
    three, four = [
        await unit(http, admin, kind="building", name=name, parent_id=compound)
        for name in ("3栋", "4栋")
    ]
    accounts = []
    for name, building in (("邓建芝", three), ("罗玛俐", four)):
        home = {"community_id": own, "compound_id": compound, "building_id": building}
        member = (await register(http, admin, own, name, home=home))["id"]
        _, account = await new_account(http, admin, name, roles=["volunteer"], member_id=member)
        accounts.append((member, account))
    _, ca = await new_account(
        http, admin, "泉韵社区书记", roles=["community_admin"], communities=[own]
    )
    return Building(
        admin=admin,
        own=own,
        building=three,
        ca=ca,
        resident=accounts[0][0],
        resident_account=accounts[0][1],
        neighbour_account=accounts[1][1],
    )


async def inbox(http: httpx.AsyncClient, who: Headers, **params: Any) -> list[dict[str, Any]]:
    page = await http.get("/api/v1/notifications/inbox", headers=who, params=params)
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def unread(http: httpx.AsyncClient, who: Headers) -> int:
    count = await http.get("/api/v1/notifications/unread-count", headers=who)
    assert count.status_code == 200, count.text
    return int(count.json()["unread"])


async def new_request(http: httpx.AsyncClient, who: Headers, community_id: str, title: str) -> None:
    made = await http.post(
        "/api/v1/requests",
        headers=who,
        json={"kind": "repair", "title": title, "location": {"community_id": community_id}},
    )
    assert made.status_code == 201, made.text


def rule_body(zh_title: str, zh_body: str = "{{ title }}") -> dict[str, Any]:
    return {
        "audiences": ["community_admins"],
        "priority": "normal",
        "channels": ["inbox"],
        "templates": {
            "zh-CN": {"title": zh_title, "body": zh_body},
            "en": {"title": "New request: {{ title }}", "body": "{{ title }}"},
        },
    }


async def test_the_desk_inbox_counts_marks_read_and_follows_an_edited_rule(
    launch: Launch,
) -> None:
    gateway = await start(launch)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        world = await building_world(http, gateway)
        title = f"楼道灯坏了 {secrets.token_hex(2)}"
        await new_request(http, world.ca, world.own, title)

        items = await eventually(
            lambda: inbox(http, world.ca),
            lambda got: any(title in i["zh"]["title"] for i in got),
            what="the request in the community admin's inbox",
        )
        assert [i["read"] for i in items] == [False]
        assert items[0]["community_id"] == world.own
        assert items[0]["en"]["title"], items[0]
        assert await unread(http, world.ca) == 1
        # The desk's notice is the admins': a volunteer of the community reads their own
        # (a welcome, say), none of the desk's.
        theirs = await inbox(http, world.resident_account)
        assert not any(title in i["zh"]["title"] for i in theirs), theirs
        assert {i["audience"] for i in theirs} <= {f"member:{world.resident}"}, theirs

        marked = await http.post(
            "/api/v1/notifications/read",
            headers=world.ca,
            json={"notification_ids": [items[0]["id"]]},
        )
        assert marked.status_code == 200, marked.text
        assert marked.json()["marked"] == 1
        assert await unread(http, world.ca) == 0
        assert await inbox(http, world.ca, unread_only="true") == []
        assert [i["read"] for i in await inbox(http, world.ca)] == [True]

        # A template naming a variable the event does not have: 422 naming the template.
        refused = await http.put(
            "/api/v1/notify/rules/RequestCreated",
            headers=world.admin,
            json=rule_body("新诉求：{{ title }}", "{{ no_such_variable }}"),
        )
        assert refused.status_code == 422, refused.text
        assert "templates.zh-CN.body" in {e["field"] for e in refused.json()["errors"]}
        by_ca = await http.put(
            "/api/v1/notify/rules/RequestCreated",
            headers=world.ca,
            json=rule_body("【已改】{{ title }}"),
        )
        assert by_ca.status_code == 403, by_ca.text

        edited = await http.put(
            "/api/v1/notify/rules/RequestCreated",
            headers=world.admin,
            json=rule_body("【已改】{{ title }}"),
        )
        assert edited.status_code == 200, edited.text
        seen = await http.get("/api/v1/notify/rules/RequestCreated", headers=world.ca)
        assert seen.status_code == 200, seen.text
        assert "【已改】" in seen.text

        later = f"垃圾桶满了 {secrets.token_hex(2)}"
        await new_request(http, world.ca, world.own, later)
        items = await eventually(
            lambda: inbox(http, world.ca, unread_only="true"),
            lambda got: any(later in i["zh"]["title"] for i in got),
            what="the next request's notification",
        )
        assert items[0]["zh"]["title"] == f"【已改】{later}"

        reset = await http.post("/api/v1/notify/rules/RequestCreated/reset", headers=world.admin)
        assert reset.status_code == 200, reset.text
        assert (
            "【已改】"
            not in (await http.get("/api/v1/notify/rules/RequestCreated", headers=world.admin)).text
        )


async def test_preferences_round_trip_masked_and_a_building_notice_reaches_its_residents(
    launch: Launch,
) -> None:
    gateway = await start(launch)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        world = await building_world(http, gateway)

        chosen = {
            "channels": ["inbox", "sms"],
            "phone": "13812345678",
            "language": "zh-CN",
            "quiet_hours": {"start": "22:00", "end": "07:00"},
            "digest": True,
        }
        put = await http.put(
            "/api/v1/notify/preferences/me", headers=world.resident_account, json=chosen
        )
        assert put.status_code == 200, put.text
        assert "13812345678" not in put.text
        mine = await http.get("/api/v1/notify/preferences/me", headers=world.resident_account)
        assert mine.status_code == 200, mine.text
        got = mine.json()
        assert got["phone"] == "138****5678"
        assert got["channels"] == ["inbox", "sms"] and got["digest"]
        assert got["quiet_hours"] == {"start": "22:00", "end": "07:00"}
        # The community's admin reads them too (masked); the proxy is theirs to set.
        by_admin = await http.get(
            f"/api/v1/members/{world.resident}/notify-preferences", headers=world.ca
        )
        assert by_admin.status_code == 200, by_admin.text
        assert by_admin.json()["phone"] == "138****5678"
        proxy = await http.put(
            "/api/v1/notify/preferences/me",
            headers=world.neighbour_account,
            json={"via_member_id": world.resident},
        )
        assert proxy.status_code == 403, proxy.text
        no_member = await http.get("/api/v1/notify/preferences/me", headers=world.ca)
        assert no_member.status_code == 403, no_member.text

        notice = {
            "community_id": world.own,
            "scope": f"building:{world.building}",
            "priority": "urgent",  # through anyone's quiet hours, whenever the test runs
            "title_zh": "停水通知",
            "body_zh": "明日 9:00-12:00 停水检修，请提前储水。",
        }
        posted = await http.post("/api/v1/notify/notices", headers=world.ca, json=notice)
        assert posted.status_code == 201, posted.text
        assert posted.json()["notice_id"]
        elsewhere = await http.post(
            "/api/v1/notify/notices",
            headers=world.ca,
            json={**notice, "community_id": "c-elsewhere"},
        )
        assert elsewhere.status_code == 422, elsewhere.text

        items = await eventually(
            lambda: inbox(http, world.resident_account),
            lambda got: any("停水通知" in i["zh"]["title"] for i in got),
            what="the notice in the resident's inbox",
        )
        assert not any(i["read"] for i in items)
        # The neighbour lives in the next building: by then their inbox would have it too.
        assert not any(
            "停水通知" in i["zh"]["title"] for i in await inbox(http, world.neighbour_account)
        )
