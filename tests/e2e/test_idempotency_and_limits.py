"""Idempotency-Key and rate limits against the running gateway and requests service."""

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from pymongo import AsyncMongoClient

from shared.contracts.subjects import database_name
from tests.e2e.conftest import Launch, RunningProcess, sign_in_admin

pytestmark = pytest.mark.e2e


def a_request(title: str = "井盖松动") -> dict[str, Any]:
    return {"kind": "repair", "title": title, "location": {"community_id": "c1"}}


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


@pytest.fixture
async def stack(launch: Launch) -> RunningProcess:
    requests, gateway = launch("requests"), launch("gateway")
    await requests.ready()
    await gateway.ready()
    return gateway


async def test_the_same_key_and_body_replay_the_first_response(stack: RunningProcess) -> None:
    admin, other_admin = await sign_in_admin(stack), await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        first = await http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
        assert first.status_code == 201, first.text
        assert "idempotent-replayed" not in first.headers

        again = await http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert again.headers["content-type"] == first.headers["content-type"]

        made = await http.get(f"/api/v1/requests/{first.json()['id']}", headers=admin)
        assert made.status_code == 200 and made.json()["title"] == "井盖松动"

        # Keys are per caller: another account's same key is its own, and runs.
        theirs = await http.post(
            "/api/v1/requests", headers=keyed(other_admin, key), json=a_request()
        )
        assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers
        assert theirs.json()["id"] != first.json()["id"]
        # Without the header nothing changes: every POST creates.
        plain = await http.post("/api/v1/requests", headers=admin, json=a_request())
        assert plain.status_code == 201 and plain.json()["id"] != first.json()["id"]


async def test_keys_are_stored_per_caller_for_a_day_without_credentials(
    stack: RunningProcess, mongo_url: str, subdistrict: str
) -> None:
    admin = await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        made = await http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
        assert made.status_code == 201, made.text
    token = admin["Authorization"].removeprefix("Bearer ")
    sub = jwt.decode(token, options={"verify_signature": False})["sub"]

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        keys = client[database_name(subdistrict, "gateway")]["idempotency_keys"]
        indexes = await keys.index_information()
        assert any(i.get("expireAfterSeconds") == 0 for i in indexes.values()), indexes
        stored = await keys.find_one({"key": key})
    finally:
        await client.close()
    assert stored is not None
    assert stored["caller"] == f"user:{sub}" and stored["status"] == 201
    expected_expiry = datetime.now(UTC) + timedelta(hours=24)
    assert abs(stored["expires_at"] - expected_expiry) < timedelta(minutes=1)
    assert token not in str(stored)


async def test_the_same_key_with_another_body_is_422(stack: RunningProcess) -> None:
    admin = await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        first = await http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
        assert first.status_code == 201, first.text

        other = await http.post(
            "/api/v1/requests", headers=keyed(admin, key), json=a_request("路灯不亮")
        )
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
        problem = other.json()
        assert "another request body" in problem["detail"]
        assert problem["errors"][0]["field"] == "Idempotency-Key"

        too_long = await http.post(
            "/api/v1/requests", headers=keyed(admin, "k" * 256), json=a_request()
        )
        assert too_long.status_code == 422
        assert "Idempotency-Key" in too_long.json()["detail"]


async def test_a_503_is_not_stored_so_the_same_key_succeeds_later(launch: Launch) -> None:
    gateway = launch("gateway", RPC_TIMEOUT_S="0.5")  # no requests service: nobody answers
    await gateway.ready()
    admin = await sign_in_admin(gateway)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        unanswered = await http.post(
            "/api/v1/requests", headers=keyed(admin, key), json=a_request()
        )
        assert unanswered.status_code == 503, unanswered.text
        assert "retry-after" in unanswered.headers

        await launch("requests").ready()
        retried = await http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
        assert retried.status_code == 201, retried.text
        assert "idempotent-replayed" not in retried.headers

        replayed = await http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json()["id"] == retried.json()["id"]


async def test_concurrent_requests_with_one_key_create_one_request(stack: RunningProcess) -> None:
    admin = await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        responses = await asyncio.gather(
            *(
                http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
                for _ in range(5)
            )
        )
        ran = [
            r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers
        ]
        assert len(ran) == 1, [(r.status_code, r.text) for r in responses]
        created = ran[0].json()["id"]
        for response in responses:
            if response.status_code == 409:
                assert "still being processed" in response.json()["detail"]
            else:
                assert response.status_code == 201 and response.json()["id"] == created

        # Once it is done, a retry gets the stored response.
        after = await http.post("/api/v1/requests", headers=keyed(admin, key), json=a_request())
        assert after.headers["idempotent-replayed"] == "true"
        assert after.json()["id"] == created


async def test_a_burst_over_the_limit_is_429_for_that_account_only(launch: Launch) -> None:
    gateway = launch("gateway", RATE_LIMIT_PER_ACCOUNT="5/minute")
    await gateway.ready()
    busy, calm = await sign_in_admin(gateway), await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        codes = [(await http.get("/api/v1/auth/me", headers=busy)).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]

        refused = await http.get("/api/v1/auth/me", headers=busy)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["status"] == 429

        assert (await http.get("/api/v1/auth/me", headers=calm)).status_code == 200
        assert (await http.get("/healthz/ready")).status_code == 200  # probes are exempt


async def test_an_api_key_replays_its_own_keys(stack: RunningProcess) -> None:
    admin = await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        issued = await http.post(
            "/api/v1/api-keys", headers=admin, json={"name": "12345热线", "write": True}
        )
        integration = {"X-API-Key": issued.json()["api_key"]}
        first = await http.post(
            "/api/v1/requests", headers=keyed(integration, key), json=a_request()
        )
        again = await http.post(
            "/api/v1/requests", headers=keyed(integration, key), json=a_request()
        )
        assert first.status_code == again.status_code == 201, first.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]

        # A key that is not valid is refused as ever, and nothing is stored for it.
        forged = {"X-API-Key": "rvk_made_up"}
        refused = await http.post("/api/v1/requests", headers=keyed(forged, key), json=a_request())
        assert refused.status_code == 401 and "idempotent-replayed" not in refused.headers


# -- keys belong to callers with valid credentials, the Open311 ?api_key= included ---------------

OPEN311 = "/open311/v2/requests.json"


def open311_form(community: str = "c1") -> dict[str, str]:
    return {"service_code": "repair", "attribute[community_id]": community, "description": "井盖"}


async def issue_key(http: httpx.AsyncClient, admin: dict[str, str], name: str = "12345热线") -> str:
    issued = await http.post("/api/v1/api-keys", headers=admin, json={"name": name, "write": True})
    assert issued.status_code == 201, issued.text
    key: str = issued.json()["api_key"]
    return key


async def stored_records(mongo_url: str, subdistrict: str, key: str) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        keys = client[database_name(subdistrict, "gateway")]["idempotency_keys"]
        return [doc async for doc in keys.find({"key": key})]
    finally:
        await client.close()


async def test_an_anonymous_replay_never_gets_an_integrators_stored_response(
    stack: RunningProcess, mongo_url: str, subdistrict: str
) -> None:
    admin = await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        api_key = await issue_key(http, admin)
        # The spec's way: the key in the query string.
        first = await http.post(
            OPEN311, params={"api_key": api_key}, headers=keyed({}, key), data=open311_form()
        )
        assert first.status_code == 201, first.text
        again = await http.post(
            OPEN311, params={"api_key": api_key}, headers=keyed({}, key), data=open311_form()
        )
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()

        # Anyone else, with the same key and body but without the integrator's api_key.
        stranger = await http.post(OPEN311, headers=keyed({}, key), data=open311_form())
        assert stranger.status_code == 401, stranger.text
        assert "idempotent-replayed" not in stranger.headers
        assert first.json()[0]["service_request_id"] not in stranger.text

    [record] = await stored_records(mongo_url, subdistrict, key)
    assert record["caller"].startswith("api_key:") and record["status"] == 201
    assert api_key not in str(record), "neither the key nor the query that carried it is kept"


async def test_an_anonymous_first_use_does_not_poison_the_key(
    stack: RunningProcess, mongo_url: str, subdistrict: str
) -> None:
    admin = await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        api_key = await issue_key(http, admin)
        poisoned = await http.post(OPEN311, headers=keyed({}, key), data=open311_form())
        assert poisoned.status_code == 401
        anonymous = await http.post("/api/v1/requests", headers=keyed({}, key), json=a_request())
        assert anonymous.status_code == 401
        # Nothing at all is recorded for anonymous POSTs, so they cannot fill the store.
        assert await stored_records(mongo_url, subdistrict, key) == []

        real = await http.post(
            OPEN311, params={"api_key": api_key}, headers=keyed({}, key), data=open311_form()
        )
        assert real.status_code == 201, real.text
        assert "idempotent-replayed" not in real.headers

        # A key in the form body (the spec allows it) is read by the route, not before it:
        # the request is served, without Idempotency-Key handling (and nothing stored).
        body_key = secrets.token_hex(8)
        in_body = [
            await http.post(
                OPEN311, headers=keyed({}, body_key), data={**open311_form(), "api_key": api_key}
            )
            for _ in range(2)
        ]
        assert [r.status_code for r in in_body] == [201, 201], in_body[0].text
        assert all("idempotent-replayed" not in r.headers for r in in_body)
        assert await stored_records(mongo_url, subdistrict, body_key) == []
    [record] = await stored_records(mongo_url, subdistrict, key)
    assert record["caller"].startswith("api_key:")


async def test_query_api_key_callers_have_their_own_keys(stack: RunningProcess) -> None:
    admin = await sign_in_admin(stack)
    key = secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        one, two = await issue_key(http, admin, "一"), await issue_key(http, admin, "二")
        answers = [
            await http.post(
                OPEN311, params={"api_key": k}, headers=keyed({}, key), data=open311_form()
            )
            for k in (one, two)
        ]
        assert [a.status_code for a in answers] == [201, 201], answers[1].text
        assert all("idempotent-replayed" not in a.headers for a in answers)
        ids = {a.json()[0]["service_request_id"] for a in answers}
        assert len(ids) == 2, "two integrators, two requests: no 422, no shared answer"


async def test_a_query_api_key_gets_the_per_key_rate_limit(launch: Launch) -> None:
    await launch("requests").ready()
    gateway = launch("gateway", RATE_LIMIT_PER_API_KEY="3/minute")
    await gateway.ready()
    admin = await sign_in_admin(gateway)
    services = "/open311/v2/services.json"
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        one, two = await issue_key(http, admin, "一"), await issue_key(http, admin, "二")
        codes = [(await http.get(services, params={"api_key": one})).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert (await http.get(services, headers={"X-API-Key": one})).status_code == 429
        assert (await http.get(services, params={"api_key": two})).status_code == 200
        assert (await http.get(services)).status_code == 401, "anonymous has its own budget"
