"""Open311 GeoReport v2 against the running requests, notify and gateway processes."""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, RunningProcess, sign_in_admin
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

SPEC_REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
async def gateway(launch: Launch) -> RunningProcess:
    processes = [launch(name) for name in ("requests", "notify", "gateway")]
    for process in processes:
        await process.ready()
    return processes[-1]


async def api_key(http: httpx.AsyncClient, admin: dict[str, str], *, write: bool) -> str:
    made = await http.post(
        "/api/v1/api-keys", headers=admin, json={"name": "12345热线", "write": write}
    )
    assert made.status_code == 201, made.text
    key: str = made.json()["api_key"]
    return key


async def test_services_list_our_kinds_with_the_specs_field_names(
    gateway: RunningProcess,
) -> None:
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        key = {"X-API-Key": await api_key(http, admin, write=False)}
        services = await http.get("/open311/v2/services.json", headers=key)
        assert services.status_code == 200, services.text
        by_code = {s["service_code"]: s for s in services.json()}
        assert {"repair", "emergency", "neighbour_dispute", "complaint"} <= set(by_code)
        assert set(by_code["repair"]) == {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }
        assert by_code["repair"]["service_name"] == "维修"
        english = await http.get(
            "/open311/v2/services.json",
            headers={**key, "Accept-Language": "en"},
            params={"jurisdiction_id": gateway.spec.env["SUBDISTRICT"]},
        )
        assert {s["service_code"]: s["service_name"] for s in english.json()}["repair"] == "Repair"

        definition = await http.get("/open311/v2/services/repair.json", headers=key)
        assert definition.status_code == 200, definition.text
        community = definition.json()["attributes"][0]
        assert (community["code"], community["required"], community["datatype"]) == (
            "community_id",
            True,
            "string",
        )
        unknown = await http.get("/open311/v2/services/gossip.json", headers=key)
        assert unknown.status_code == 404
        assert unknown.json()[0]["code"] == 404 and "gossip" in unknown.json()[0]["description"]
        elsewhere = await http.get(
            "/open311/v2/services.json", headers=key, params={"jurisdiction_id": "elsewhere"}
        )
        assert elsewhere.status_code == 404
        assert "jurisdiction_id" in elsewhere.json()[0]["description"]


async def test_a_request_made_in_our_api_is_served_the_open311_way(
    gateway: RunningProcess,
) -> None:
    admin = await sign_in_admin(gateway)
    community = "c" + secrets.token_hex(4)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        made = await http.post(
            "/api/v1/requests",
            headers=admin,
            json={
                "kind": "repair",
                "title": "3栋楼道灯坏了",
                "description": "晚上看不清台阶",
                "location": {"community_id": community, "building_id": "b3"},
                "resident_name": "李奶奶",
                "resident_phone": "13812341234",
            },
        )
        assert made.status_code == 201, made.text
        request_id = made.json()["id"]
        other = await http.post(
            "/api/v1/requests",
            headers=admin,
            json={"kind": "complaint", "title": "噪音", "location": {"community_id": community}},
        )
        assert other.status_code == 201, other.text
        raw_key = await api_key(http, admin, write=False)
        key = {"X-API-Key": raw_key}

        listed = await http.get("/open311/v2/requests.json", headers=key)
        assert listed.status_code == 200, listed.text
        found = {r["service_request_id"]: r for r in listed.json()}
        assert request_id in found and other.json()["id"] in found
        mapped = found[request_id]
        assert set(mapped) == SPEC_REQUEST_FIELDS
        assert mapped["status"] == "open"
        assert mapped["service_code"] == "repair" and mapped["service_name"] == "维修"
        assert mapped["description"] == "晚上看不清台阶"
        assert mapped["address_id"] == f"{community}//b3"  # no compound: an empty part
        assert datetime.fromisoformat(mapped["requested_datetime"]).tzinfo is not None
        assert "1234" not in listed.text and "李" not in listed.text  # no personal data

        one = await http.get(f"/open311/v2/requests/{request_id}.json", headers=key)
        assert one.status_code == 200, one.text
        assert one.json() == [mapped]

        now = datetime.now(UTC)
        filtered = {
            "service_code": "repair",
            "status": "open",
            "start_date": (now - timedelta(hours=1)).isoformat(),
            "end_date": (now + timedelta(minutes=5)).isoformat(),
        }
        repairs = await http.get("/open311/v2/requests.json", headers=key, params=filtered)
        assert repairs.status_code == 200, repairs.text
        assert request_id in [r["service_request_id"] for r in repairs.json()]
        assert {r["service_code"] for r in repairs.json()} == {"repair"}
        closed = await http.get(
            "/open311/v2/requests.json", headers=key, params={**filtered, "status": "closed"}
        )
        assert closed.json() == []
        by_ids = await http.get(
            "/open311/v2/requests.json",
            headers=key,
            params={"service_request_id": f"{request_id},{other.json()['id']}", "status": "closed"},
        )
        assert {r["service_request_id"] for r in by_ids.json()} == {
            request_id,
            other.json()["id"],
        }, "service_request_id overrides the other filters"

        first = await http.get(
            "/open311/v2/requests.json",
            headers=key,
            params={**filtered, "service_code": "repair,complaint", "page_size": 1},
        )
        assert len(first.json()) == 1 and 'rel="next"' in first.headers["link"]
        following = first.headers["link"].split(">")[0].lstrip("<")
        second = await http.get(following, headers=key)
        ids = [r["service_request_id"] for r in first.json() + second.json()]
        assert ids == [other.json()["id"], request_id], "newest first"
        # The spec's api_key in the query works, but the next-page link does not repeat it.
        by_query = await http.get(
            "/open311/v2/requests.json",
            params={
                **filtered,
                "service_code": "repair,complaint",
                "page_size": 1,
                "api_key": raw_key,
            },
        )
        assert by_query.status_code == 200, by_query.text
        link = by_query.headers["link"]
        assert "api_key" not in link and raw_key not in link and "cursor=" in link
        assert link.split(">")[0].lstrip("<") == following

        missing = await http.get("/open311/v2/requests/nope.json", headers=key)
        assert missing.status_code == 404 and missing.json()[0]["code"] == 404
        too_long = await http.get(
            "/open311/v2/requests.json",
            headers=key,
            params={"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
        )
        assert too_long.status_code == 400 and "90 days" in too_long.json()[0]["description"]
        anonymous = await http.get("/open311/v2/requests.json")
        assert anonymous.status_code == 401
        assert set(anonymous.json()[0]) == {"code", "description"}


async def test_a_request_posted_through_open311_is_ours_and_notifies_the_admins(
    gateway: RunningProcess,
) -> None:
    admin = await sign_in_admin(gateway)
    community = "c" + secrets.token_hex(4)
    form = {
        "service_code": "repair",
        "description": "5栋地下车库漏水，积水已经没过脚踝，车辆无法进出",
        "attribute[community_id]": community,
        "attribute[building_id]": "b5",
        "first_name": "秀英",
        "last_name": "王",
        "phone": "139 1234 5678",
        "email": "wang@example.com",
        "lat": "30.3",
        "long": "120.1",
    }
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        write_key = await api_key(http, admin, write=True)
        read_key = await api_key(http, admin, write=False)

        # The spec's way: the key is a form field, the body form-encoded.
        posted = await http.post(
            "/open311/v2/requests.json",
            data={
                **form,
                "api_key": write_key,
                "jurisdiction_id": gateway.spec.env["SUBDISTRICT"],
            },
        )
        assert posted.status_code == 201, posted.text
        [answer] = posted.json()
        assert set(answer) == {"service_request_id", "service_notice", "account_id"}
        request_id = answer["service_request_id"]

        ours = await http.get(f"/api/v1/requests/{request_id}", headers=admin)
        assert ours.status_code == 200, ours.text
        request = ours.json()
        assert request["kind"] == "repair" and request["channel"] == "app"
        assert request["title"] == form["description"][:30]
        assert request["description"] == form["description"]
        assert request["location"]["community_id"] == community
        assert request["location"]["building_id"] == "b5"
        assert request["resident"] == {"name": "王**", "phone": "139****5678"}
        assert request["entered_by"].startswith("open311:")

        async def inbox() -> list[dict[str, Any]]:
            page = await http.get(
                "/api/v1/notifications", headers=admin, params={"community_id": community}
            )
            assert page.status_code == 200, page.text
            items: list[dict[str, Any]] = page.json()["items"]
            return items

        items = await eventually(inbox, lambda i: len(i) == 1, what="the admins' notification")
        assert items[0]["audience"] == f"role:community_admin@community:{community}"
        assert items[0]["zh"]["title"] == f"新诉求：{form['description'][:30]}"

        mapped = await http.get(
            f"/open311/v2/requests/{request_id}.json", headers={"X-API-Key": read_key}
        )
        assert mapped.status_code == 200 and mapped.json()[0]["status"] == "open"
        assert "5678" not in mapped.text and "王" not in mapped.text

        # JSON works too, with the key in the header; a retry with its Idempotency-Key
        # gets the first answer again, not a second request.
        answers = [
            await http.post(
                "/open311/v2/requests.json",
                headers={"X-API-Key": write_key, "Idempotency-Key": "o311-" + community},
                json={"service_code": "complaint", "attribute": {"community_id": community}},
            )
            for _ in range(2)
        ]
        assert [a.status_code for a in answers] == [201, 201], answers[0].text
        assert answers[0].json() == answers[1].json()

        no_code = await http.post(
            "/open311/v2/requests.json",
            headers={"X-API-Key": write_key},
            data={"attribute[community_id]": community, "description": "没有类别"},
        )
        assert no_code.status_code == 400
        assert no_code.json() == [{"code": 400, "description": "service_code was not provided"}]
        no_community = await http.post(
            "/open311/v2/requests.json",
            headers={"X-API-Key": write_key},
            data={"service_code": "repair"},
        )
        assert no_community.status_code == 400
        assert "attribute[community_id]" in no_community.json()[0]["description"]
        bad_phone = await http.post(
            "/open311/v2/requests.json",
            headers={"X-API-Key": write_key},
            data={**form, "phone": "12345"},
        )
        assert bad_phone.status_code == 400 and "phone" in bad_phone.json()[0]["description"]

        for refused in (
            await http.post(
                "/open311/v2/requests.json", headers={"X-API-Key": read_key}, data=form
            ),
            await http.post("/open311/v2/requests.json", data={**form, "api_key": read_key}),
        ):
            assert refused.status_code == 403, refused.text
            assert "only read" in refused.json()[0]["description"]
        bad_key = await http.post(
            "/open311/v2/requests.json", data={**form, "api_key": "rvk_made_up"}
        )
        assert bad_key.status_code == 401
        assert bad_key.json()[0]["description"] == "the API key is not valid"

        # The place as GET's address_id (community/compound/building) instead of attributes.
        by_address = await http.post(
            "/open311/v2/requests.json",
            headers={"X-API-Key": write_key},
            data={"service_code": "repair", "address_id": f"{community}/haide/b9"},
        )
        assert by_address.status_code == 201, by_address.text
        placed = await http.get(
            f"/api/v1/requests/{by_address.json()[0]['service_request_id']}", headers=admin
        )
        assert placed.json()["location"] == {
            "community_id": community,
            "compound_id": "haide",
            "building_id": "b9",
        }
        # A one-value field sent twice is refused, not cut down to its last value.
        twice = await http.post(
            "/open311/v2/requests.json",
            headers={"X-API-Key": write_key},
            data={**form, "description": ["楼道灯坏了", "电梯也坏了"]},
        )
        assert twice.status_code == 400, twice.text
        assert twice.json()[0]["description"] == (
            "description was given more than once; it takes one value"
        )

        await eventually(inbox, lambda i: len(i) == 3, what="the later posts' notifications")
        assert len(await inbox()) == 3, "only the three accepted posts made requests"


async def test_the_lifecycles_statuses_map_onto_open_and_closed(gateway: RunningProcess) -> None:
    """Accepted and dispatched requests are open, with their deadline and handler; a request
    closed as not the community's is closed, its reason the status notes; working notes and
    mediation notes never leave through Open311."""
    admin = await sign_in_admin(gateway)
    community = "c" + secrets.token_hex(4)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        key = {"X-API-Key": await api_key(http, admin, write=False)}

        async def made(title: str) -> str:
            answer = await http.post(
                "/api/v1/requests",
                headers=admin,
                json={"kind": "complaint", "title": title, "location": {"community_id": community}},
            )
            assert answer.status_code == 201, answer.text
            request_id: str = answer.json()["id"]
            return request_id

        accepted, refused = await made("广场舞噪音"), await made("楼下商铺油烟")
        url = "/api/v1/requests/{}"
        assert (await http.post(url.format(accepted) + "/accept", headers=admin)).status_code == 200
        for text, mediation in (("内部：已联系街道城管", False), ("调解：双方同意", True)):
            noted = await http.post(
                url.format(accepted) + "/notes",
                headers=admin,
                json={"text": text, "mediation": mediation},
            )
            assert noted.status_code == 200, noted.text
        closed = await http.post(
            url.format(refused) + "/not-responsible",
            headers=admin,
            json={"reason": "属市场监管部门职责，已告知居民拨打12315"},
        )
        assert closed.status_code == 200, closed.text

        listed = await http.get(
            "/open311/v2/requests.json",
            headers=key,
            params={"service_request_id": f"{accepted},{refused}"},
        )
        assert listed.status_code == 200, listed.text
        found = {r["service_request_id"]: r for r in listed.json()}
        assert found[accepted]["status"] == "open"
        assert found[accepted]["expected_datetime"] is not None  # the deadline at acceptance
        assert found[refused]["status"] == "closed"
        assert found[refused]["status_notes"] == "属市场监管部门职责，已告知居民拨打12315"
        assert "城管" not in listed.text and "调解" not in listed.text

        only_closed = await http.get(
            "/open311/v2/requests.json",
            headers=key,
            params={"service_code": "complaint", "status": "closed"},
        )
        ids = [r["service_request_id"] for r in only_closed.json()]
        assert refused in ids and accepted not in ids
