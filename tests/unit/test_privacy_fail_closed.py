"""The reveal route in process, with the requests service and the audit log replaced by
fakes: no audit record, no unmasked data (503); a refused caller never makes the gateway ask
the service for unmasked data. (The end-to-end path is in tests/e2e/test_reveal_and_audit.py.)"""

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.gateway import problems
from services.gateway.accounts.model import Principal, Role
from services.gateway.accounts.security import access_token
from services.gateway.config import DEV_SECRET
from services.gateway.routes import requests
from services.requests.domain.privacy import resident_view
from shared.contracts.commands.requests import GetRequest
from tests.factories import FakeAudit

pytestmark = pytest.mark.unit

RESIDENT = {"name": "李奶奶", "phone": "13812341234"}


class FakeRequests:
    """Answers get_request as the requests service does; remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[GetRequest] = []

    async def call(self, service: str, command: str, body: GetRequest, **_: Any) -> Any:
        self.asked.append(body)
        return {
            "id": body.request_id,
            "location": {"community_id": "c1"},
            "resident": resident_view(RESIDENT, body.reveal),
        }


def headers(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token(principal, DEV_SECRET, timedelta(minutes=5))}"}


OWNER = Principal(
    id="u1",
    name="王书记",
    kind="user",
    roles=frozenset({Role.COMMUNITY_ADMIN}),
    communities=frozenset({"c1"}),
)
ASK = {"reveal": "phone", "reason": "回访核实联系方式"}


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = FastAPI()
    problems.install(app, retry_after_s=5)
    app.include_router(requests.router)
    app.state.settings = SimpleNamespace(jwt_secret=DEV_SECRET)
    app.state.rpc = FakeRequests()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http, app


async def test_no_audit_record_means_nothing_is_revealed(
    gateway: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    http, app = gateway
    app.state.audit = FakeAudit(fail=True)
    response = await http.get("/api/v1/requests/r1", params=ASK, headers=headers(OWNER))
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert "audit" in response.json()["detail"]
    assert "13812341234" not in response.text


async def test_a_reveal_is_recorded_before_it_is_returned(
    gateway: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    http, app = gateway
    app.state.audit = audit = FakeAudit(fail=False)
    response = await http.get("/api/v1/requests/r1", params=ASK, headers=headers(OWNER))
    assert response.status_code == 200, response.text
    assert response.json()["resident"] == {"name": "李**", "phone": "13812341234"}
    [record] = audit.records
    # The actor is the caller; it also carries when its token expires, which OWNER does not.
    assert record["action"] == "reveal"
    assert dataclasses.replace(record["actor"], expires_at=None) == OWNER
    assert record["target"] == "r1" and record["reason"] == ASK["reason"]
    assert record["detail"]["fields"] == ["phone"]
    assert record["detail"]["resident"] == {"name": "李**", "phone": "138****1234"}


async def test_a_refused_caller_never_makes_the_gateway_ask_for_unmasked_data(
    gateway: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    http, app = gateway
    app.state.audit = audit = FakeAudit(fail=False)
    key = Principal(id="k1", name="城市平台", kind="api_key", roles=frozenset({Role.INTEGRATION}))

    async def principal_of_api_key(_: str) -> Principal:
        return key

    app.state.accounts = SimpleNamespace(principal_of_api_key=principal_of_api_key)
    by_key = await http.get("/api/v1/requests/r1", params=ASK, headers={"X-API-Key": "rvk_x"})
    assert by_key.status_code == 403 and by_key.json()["errors"][0]["field"] == "reveal"
    reader = Principal(
        id="u2",
        name="赵",
        kind="user",
        roles=frozenset({Role.COMMUNITY_ADMIN}),
        communities=frozenset({"c1"}),
    )
    no_reason = await http.get(
        "/api/v1/requests/r1", params={"reveal": "phone"}, headers=headers(reader)
    )
    assert no_reason.status_code == 422
    other = Principal(
        id="u3",
        name="钱",
        kind="user",
        roles=frozenset({Role.COMMUNITY_ADMIN}),
        communities=frozenset({"c2"}),
    )
    assert (
        await http.get("/api/v1/requests/r1", params=ASK, headers=headers(other))
    ).status_code == 404
    assert all(asked.reveal == [] for asked in app.state.rpc.asked)
    assert audit.records == []
