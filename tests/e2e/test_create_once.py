"""A create retried with the same Idempotency-Key after a 503 makes one request, not two.

The gateway answers 503 when the requests service does not answer within RPC_TIMEOUT_S,
yet the service may still create the request. The idempotency middleware keeps no 5xx, so
the retry runs again; what stops a second request is the service: the gateway sends a
`client_ref` (a digest of caller and key) and the service makes at most one request per
reference. Here a gateway whose RPC_TIMEOUT_S is far below any answer time loses every
first answer, and a second gateway (same subdistrict, same database: another replica)
takes the retry, as a load balancer would. What is not simulated: an answer lost between
the gateway and the client after a 201 (the middleware replays that one anyway)."""

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from shared.bus.rpc import RpcClient
from shared.contracts.commands import requests as commands
from shared.contracts.subjects import database_name
from tests.e2e.conftest import Launch, sign_in_admin
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def all_requests(rpc: RpcClient) -> list[dict[str, Any]]:
    page = await rpc.call(commands.SERVICE, commands.LIST_REQUESTS, commands.ListRequests())
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_a_retry_after_a_lost_answer_returns_the_request_already_made(
    launch: Launch, nats_client: NatsClient, subdistrict: str
) -> None:
    requests = launch("requests")
    hasty = launch("gateway", RPC_TIMEOUT_S="0.001")  # never waits long enough for an answer
    steady = launch("gateway")
    for process in (requests, hasty, steady):
        await process.ready()
    rpc = RpcClient(nats_client, subdistrict, timeout_s=5)
    admin = await sign_in_admin(steady)
    body = {"kind": "repair", "title": "电梯困人", "location": {"community_id": "c1"}}
    key = {"Idempotency-Key": "retry-" + secrets.token_hex(6)}

    async with httpx.AsyncClient(timeout=10, headers=admin) as http:
        lost = await http.post(f"{hasty.base_url}/api/v1/requests", json=body, headers=key)
        assert lost.status_code == 503, lost.text
        [made] = await eventually(
            lambda: all_requests(rpc), lambda items: len(items) == 1, what="the request"
        )  # the service made it after the gateway stopped waiting

        retried = await http.post(f"{steady.base_url}/api/v1/requests", json=body, headers=key)
        assert retried.status_code == 201, retried.text
        assert "idempotent-replayed" not in retried.headers, "the 503 was not kept: it ran"
        assert retried.json()["id"] == made["id"]
        assert retried.json() == made
        replayed = await http.post(f"{steady.base_url}/api/v1/requests", json=body, headers=key)
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json()["id"] == made["id"]
        assert len(await all_requests(rpc)) == 1

        # Another body under a key whose first answer was lost: refused, naming the header.
        other_key = {"Idempotency-Key": "retry-" + secrets.token_hex(6)}
        assert (
            await http.post(f"{hasty.base_url}/api/v1/requests", json=body, headers=other_key)
        ).status_code == 503
        await eventually(lambda: all_requests(rpc), lambda items: len(items) == 2, what="it")
        changed = await http.post(
            f"{steady.base_url}/api/v1/requests",
            json={**body, "title": "电梯困人，已报119"},
            headers=other_key,
        )
        assert changed.status_code == 422, changed.text
        assert [e["field"] for e in changed.json()["errors"]] == ["Idempotency-Key"]

        # A caller cannot name the reference (or who entered it) to find another's request.
        for field in ("client_ref", "entered_by"):
            forged = await http.post(
                f"{steady.base_url}/api/v1/requests", json={**body, field: "x" * 64}
            )
            assert forged.status_code == 422, forged.text
            assert [e["field"] for e in forged.json()["errors"]] == [field]
        assert len(await all_requests(rpc)) == 2


async def test_the_same_key_from_another_caller_is_another_request(launch: Launch) -> None:
    requests, gateway = launch("requests"), launch("gateway")
    await requests.ready()
    await gateway.ready()
    one, two = await sign_in_admin(gateway), await sign_in_admin(gateway)
    body = {"kind": "repair", "title": "路灯不亮", "location": {"community_id": "c1"}}
    key = {"Idempotency-Key": "shared-key"}
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        first = await http.post("/api/v1/requests", json=body, headers={**one, **key})
        second = await http.post("/api/v1/requests", json=body, headers={**two, **key})
        assert (first.status_code, second.status_code) == (201, 201), second.text
        assert first.json()["id"] != second.json()["id"]
        me = (await http.get("/api/v1/auth/me", headers=one)).json()
        assert first.json()["entered_by"] == f"user:{me['id']}"


async def test_open311_posts_are_made_once_per_key_too(
    launch: Launch,
    nats_client: NatsClient,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    subdistrict: str,
) -> None:
    """An Open311 POST asks for the kinds first, so a gateway that never waits fails before
    the create; here the lost answer is simulated by removing what the middleware kept, as
    it does after a 5xx."""
    requests, gateway = launch("requests"), launch("gateway")
    await requests.ready()
    await gateway.ready()
    rpc = RpcClient(nats_client, subdistrict, timeout_s=5)
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        made = await http.post(
            "/api/v1/api-keys", headers=admin, json={"name": "12345热线", "write": True}
        )
        assert made.status_code == 201, made.text
        key_id, write_key = made.json()["id"], made.json()["api_key"]
        headers = {"X-API-Key": write_key, "Idempotency-Key": "o311-" + secrets.token_hex(6)}
        body = {"service_code": "repair", "address_id": "c1//b7", "description": "7栋漏水"}
        first = await http.post("/open311/v2/requests.json", json=body, headers=headers)
        assert first.status_code == 201, first.text
        [request] = await all_requests(rpc)
        assert request["location"] == {
            "community_id": "c1",
            "compound_id": None,
            "building_id": "b7",
        }
        assert request["entered_by"] == f"open311:{key_id}"

        kept = mongo_client[database_name(subdistrict, "gateway")]["idempotency_keys"]
        assert (await kept.delete_many({})).deleted_count == 1  # as after a 5xx
        retried = await http.post("/open311/v2/requests.json", json=body, headers=headers)
        assert retried.status_code == 201, retried.text
        assert "idempotent-replayed" not in retried.headers
        assert retried.json() == first.json()
        assert len(await all_requests(rpc)) == 1


async def test_the_service_makes_one_request_per_client_ref_even_at_once(
    launch: Launch, nats_client: NatsClient, subdistrict: str
) -> None:
    requests = launch("requests")
    await requests.ready()
    rpc = RpcClient(nats_client, subdistrict, timeout_s=10)
    ref = secrets.token_hex(32)
    command = commands.CreateRequest(
        kind="repair",
        title="水管爆裂",
        location={"community_id": "c1"},  # type: ignore[arg-type]
        entered_by="user:u1",
        client_ref=ref,
    )
    answers = await asyncio.gather(
        *(rpc.call(commands.SERVICE, commands.CREATE_REQUEST, command) for _ in range(8))
    )
    assert len({a["id"] for a in answers}) == 1
    assert answers[0] == answers[-1]
    assert [r["id"] for r in await all_requests(rpc)] == [answers[0]["id"]]
    # Without a reference every command creates.
    plain = command.model_copy(update={"client_ref": None})
    for _ in range(2):
        await rpc.call(commands.SERVICE, commands.CREATE_REQUEST, plain)
    assert len(await all_requests(rpc)) == 3
