"""Every route in the OpenAPI document, called by nobody, by the wrong person, by the right one.

A new route fails here until it has a rule (create_app refuses to start without one) and a
sample below: that is how "each later service adds its routes under these rules" holds."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, new_account, sign_in_admin
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@dataclass
class World:
    own: str  # a community the "owner" administers
    request_id: str  # a request in it
    user_id: str  # an account
    api_key_id: str  # an API key (revoked by the rightful caller's call)


# The only routes in the document anyone may call without credentials. A data route
# declared PUBLIC by mistake fails here instead of passing unchecked.
PUBLIC_ROUTES = frozenset(
    {
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",
        "GET /asyncapi",
        "GET /asyncapi/{service}.json",
    }
)


Call = tuple[dict[str, str], dict[str, Any], Any]  # path params, query, json body
SAMPLES: dict[str, Callable[[World], Call]] = {
    "POST /api/v1/auth/login": lambda w: ({}, {}, {"username": "x", "password": "y"}),
    "POST /api/v1/auth/refresh": lambda w: ({}, {}, {"refresh_token": "x"}),
    "POST /api/v1/auth/logout": lambda w: ({}, {}, {"refresh_token": "x"}),
    "GET /api/v1/auth/me": lambda w: ({}, {}, None),
    "PUT /api/v1/auth/password": lambda w: (
        {},
        {},
        {"current_password": "not the password", "new_password": "long enough pw"},
    ),
    "POST /api/v1/users": lambda w: (
        {},
        {},
        {
            "username": "newbie",
            "password": "long enough pw",
            "display_name": "新人",
            "roles": ["community_admin"],
            "communities": [w.own],
        },
    ),
    "GET /api/v1/users": lambda w: ({}, {}, None),
    "PUT /api/v1/users/{user_id}/roles": lambda w: (
        {"user_id": w.user_id},
        {},
        {"roles": ["community_admin"], "communities": [w.own]},
    ),
    "POST /api/v1/users/{user_id}/disable": lambda w: ({"user_id": w.user_id}, {}, None),
    "POST /api/v1/users/{user_id}/enable": lambda w: ({"user_id": w.user_id}, {}, None),
    "POST /api/v1/api-keys": lambda w: ({}, {}, {"name": "city platform"}),
    "DELETE /api/v1/api-keys/{key_id}": lambda w: ({"key_id": w.api_key_id}, {}, None),
    "POST /api/v1/requests": lambda w: (
        {},
        {},
        {"kind": "repair", "title": "灯坏了", "location": {"community_id": w.own}},
    ),
    "GET /api/v1/requests/{request_id}": lambda w: ({"request_id": w.request_id}, {}, None),
    "GET /api/v1/notifications": lambda w: ({}, {"community_id": w.own}, None),
    "GET /api/v1/audit": lambda w: ({}, {"action": "login"}, None),
    # max_events=0: the stream opens (auth, subscription) and ends at once instead of lasting
    "GET /api/v1/events/stream": lambda w: ({}, {"community_id": w.own, "max_events": 0}, None),
    "GET /open311/v2/services.json": lambda w: ({}, {}, None),
    "GET /open311/v2/services/{service_code}.json": lambda w: (
        {"service_code": "repair"},
        {},
        None,
    ),
    "POST /open311/v2/requests.json": lambda w: (
        {},
        {},
        {"service_code": "repair", "description": "灯坏了", "attribute": {"community_id": w.own}},
    ),
    "GET /open311/v2/requests.json": lambda w: ({}, {"service_code": "repair"}, None),
    "GET /open311/v2/requests/{service_request_id}.json": lambda w: (
        {"service_request_id": w.request_id},
        {},
        None,
    ),
    "GET /asyncapi": lambda w: ({}, {}, None),
    "GET /asyncapi/{service}.json": lambda w: ({"service": "requests"}, {}, None),
}


async def call(
    http: httpx.AsyncClient, method: str, path: str, sample: Call, headers: dict[str, str]
) -> int:
    params, query, body = sample
    response = await http.request(
        method, path.format(**params), params=query, json=body, headers=headers
    )
    return response.status_code


async def test_every_route_keeps_out_strangers_and_other_communities(launch: Launch) -> None:
    processes = [launch(name) for name in ("requests", "notify", "gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    own, other = "own" + secrets.token_hex(3), "other" + secrets.token_hex(3)

    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        accounts = {}
        for name, community in (("owner", own), ("stranger", other)):
            _, accounts[name] = await new_account(
                http, admin, name, roles=["community_admin"], communities=[community]
            )
        made = await http.post(
            "/api/v1/requests",
            headers=admin,
            json={"kind": "repair", "title": "样本", "location": {"community_id": own}},
        )
        # The account the user routes act on (roles changed, disabled): not one that calls.
        subject, _ = await new_account(
            http, admin, "subject", roles=["community_admin"], communities=[other]
        )
        key = await http.post("/api/v1/api-keys", headers=admin, json={"name": "sample"})
        world = World(
            own=own,
            request_id=made.json()["id"],
            user_id=subject["id"],
            api_key_id=key.json()["id"],
        )
        await eventually(
            lambda: call(
                http, "GET", "/api/v1/notifications", ({}, {"community_id": own}, None), admin
            ),
            lambda s: s == 200,
            what="the gateway to serve",
        )

        document = (await http.get("/openapi.json")).json()
        routes = [
            (method.upper(), path, op["x-redvest-rule"])
            for path, ops in document["paths"].items()
            for method, op in ops.items()
        ]
        missing = [f"{m} {p}" for m, p, _ in routes if f"{m} {p}" not in SAMPLES]
        assert not missing, f"add a sample to SAMPLES for the new routes: {missing}"
        public = {f"{m} {p}" for m, p, rule in routes if rule["scope"] == "public"}
        assert public <= PUBLIC_ROUTES, (
            f"routes open to anyone that should not be: {sorted(public - PUBLIC_ROUTES)}"
        )

        for method, path, rule in routes:
            sample = SAMPLES[f"{method} {path}"](world)
            key = f"{method} {path}"
            if rule["scope"] == "public":
                continue
            anonymous = await call(http, method, path, sample, {})
            assert anonymous == 401, f"{key}: anonymous got {anonymous}"
            if rule["scope"] == "authenticated":
                continue
            stranger = await call(http, method, path, sample, accounts["stranger"])
            assert stranger in (403, 404), f"{key}: another community's admin got {stranger}"
            rightful = admin if rule["scope"] == "subdistrict" else accounts["owner"]
            allowed = await call(http, method, path, sample, rightful)
            assert allowed not in (401, 403, 404), f"{key}: the rightful caller got {allowed}"
