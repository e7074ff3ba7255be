"""The slice that crosses every boundary: HTTP → requests → JetStream → notify → HTTP."""

import re
import secrets

import httpx
import pytest

from tests.e2e.conftest import Launch, sign_in_admin
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

SERVICES = ("registry", "activities", "requests", "notify")


async def test_a_request_becomes_a_notification_for_the_community_admins(launch: Launch) -> None:
    processes = [launch(name) for name in (*SERVICES, "gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1].base_url
    community = "c" + secrets.token_hex(4)
    admin = await sign_in_admin(processes[-1])

    async with httpx.AsyncClient(base_url=gateway, timeout=10, headers=admin) as http:
        created = await http.post(
            "/api/v1/requests",
            json={
                "kind": "repair",
                "title": "3栋楼道灯坏了",
                "location": {"community_id": community, "building_id": "b3"},
                "channel": "via_volunteer",
                "resident_name": "李奶奶",
                "resident_phone": "13812341234",
            },
            headers={"X-Correlation-Id": "corr-slice"},
        )
        assert created.status_code == 201, created.text
        request = created.json()
        assert request["status"] == "submitted"
        assert request["resident"] == {"name": "李**", "phone": "138****1234"}
        me = (await http.get("/api/v1/auth/me")).json()
        assert request["entered_by"] == f"user:{me['id']}", "who entered it: the caller"

        async def inbox() -> list[dict]:
            page = await http.get("/api/v1/notifications", params={"community_id": community})
            assert page.status_code == 200, page.text
            return page.json()["items"]

        items = await eventually(inbox, lambda i: len(i) == 1, what="the admins' notification")
        note = items[0]
        assert note["audience"] == f"role:community_admin@community:{community}"
        assert note["zh"]["title"] == "新诉求：3栋楼道灯坏了"
        assert note["zh"]["body"] == "社区收到一条新的居民诉求（维修），请及时受理。"
        assert note["en"]["title"] == "New request: 3栋楼道灯坏了"
        assert note["cause_event_type"] == "cn.redvest.requests.request.created.v1"

        fetched = await http.get(f"/api/v1/requests/{request['id']}")
        assert fetched.status_code == 200 and fetched.json()["title"] == "3栋楼道灯坏了"

        health = await http.get("/healthz")
        assert health.status_code == 200, health.text
        assert set(health.json()["services"]) == set(SERVICES)


async def test_api_docs_work_offline(launch: Launch) -> None:
    gateway = launch("gateway")
    await gateway.ready()
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        page = await http.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(a.startswith("/") for a in assets), f"external assets: {assets}"
        for asset in assets:
            assert (await http.get(asset)).status_code == 200, asset
        assert (await http.get("/openapi.json")).json()["info"]["title"] == "RedVest API"
        asyncapi = await http.get("/asyncapi/requests.json")
        assert asyncapi.status_code == 200 and asyncapi.json()["asyncapi"] == "3.0.0"


async def test_errors_are_problem_details(launch: Launch) -> None:
    requests, gateway = launch("requests"), launch("gateway")
    await requests.ready()
    await gateway.ready()
    admin = await sign_in_admin(gateway)

    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10, headers=admin) as http:
        invalid = await http.post(
            "/api/v1/requests",
            json={"kind": "Repair!", "title": "", "location": {}, "colour": "red"},
        )
        assert invalid.status_code == 422
        assert invalid.headers["content-type"] == "application/problem+json"
        problem = invalid.json()
        assert problem["status"] == 422 and problem["instance"] == "/api/v1/requests"
        fields = {e["field"] for e in problem["errors"]}
        assert fields == {"kind", "title", "location.community_id", "colour"}

        unknown_kind = await http.post(
            "/api/v1/requests",
            json={"kind": "gossip", "title": "闲聊", "location": {"community_id": "c1"}},
        )
        assert unknown_kind.status_code == 422
        [error] = unknown_kind.json()["errors"]
        assert error["field"] == "kind" and "neighbour_dispute" in error["message"]

        missing = await http.get("/api/v1/requests/nope")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["detail"] == "not found"  # as for one outside the scope
        too_long = await http.get("/api/v1/requests/" + "x" * 65)
        assert too_long.status_code == 404, too_long.text
        assert {k: v for k, v in too_long.json().items() if k != "instance"} == {
            k: v for k, v in missing.json().items() if k != "instance"
        }

        for extra, field in (
            ({"location": {"community_id": "c1", "bogus": 1}}, "location.bogus"),
            ({"entered_by": "v-deng"}, "entered_by"),
            ({"client_ref": "0" * 64}, "client_ref"),
        ):
            refused = await http.post(
                "/api/v1/requests",
                json={"kind": "repair", "title": "漏水", "location": {"community_id": "c1"}}
                | extra,
            )
            assert refused.status_code == 422, refused.text
            [error] = refused.json()["errors"]
            assert (error["field"], error["type"]) == (field, "extra_forbidden")

        bad_page = await http.get("/api/v1/notifications", params={"limit": 1000})
        assert bad_page.status_code == 422
        assert bad_page.json()["errors"][0]["field"] == "limit"


async def test_a_service_that_does_not_answer_is_503_with_retry_after(launch: Launch) -> None:
    gateway = launch("gateway", RPC_TIMEOUT_S="0.5")
    await gateway.ready()

    admin = await sign_in_admin(gateway)

    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10, headers=admin) as http:
        response = await http.post(
            "/api/v1/requests",
            json={"kind": "repair", "title": "漏水", "location": {"community_id": "c1"}},
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["detail"] == "the requests service did not answer"

        health = await http.get("/healthz")
        assert health.status_code == 503
