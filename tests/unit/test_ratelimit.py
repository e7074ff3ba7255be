"""Rate limits: which limit applies to whom, the exempt paths, and the 429 in-process."""

from datetime import timedelta
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.accounts import security
from services.gateway.accounts.model import Principal, Role
from services.gateway.config import GatewaySettings
from services.gateway.ratelimit import Limits, exempt, install, retry_after

pytestmark = pytest.mark.unit

USER = Principal(id="u1", name="王", kind="user", roles=frozenset({Role.SUBDISTRICT_ADMIN}))
KEY = Principal(id="k1", name="12345", kind="api_key", roles=frozenset({Role.INTEGRATION}))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/healthz/live", True),
        ("/healthz/ready", True),
        ("/healthz", False),  # the aggregated health pings every service: limited
        ("/healthz/", False),
        ("/healthz/other", False),
        ("/metrics", True),
        ("/docs", True),
        ("/docs/oauth2-redirect", True),
        ("/redoc", True),
        ("/openapi.json", True),
        ("/static-offline-docs/swagger-ui.css", True),
        ("/console", True),
        ("/console/", True),
        ("/asyncapi/requests.json", True),
        ("/api/v1/requests", False),
        ("/api/v1/auth/login", False),
        ("/metricsx", False),
        ("/documents", False),
    ],
)
def test_probes_docs_and_console_are_exempt(path: str, expected: bool) -> None:
    assert exempt(path) is expected


def test_each_kind_of_caller_counts_against_its_own_limit() -> None:
    limits = Limits("300/minute", "600/minute", "60/minute")
    assert limits.of(USER, "10.0.0.1") == (limits.per_account, "account:u1")
    assert limits.of(KEY, "10.0.0.1") == (limits.per_api_key, "api_key:k1")
    assert limits.of(None, "10.0.0.1") == (limits.anonymous, "ip:10.0.0.1")
    assert limits.per_account.amount == 300 and limits.per_api_key.amount == 600


def test_a_malformed_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        Limits("lots", "600/minute", "60/minute")


@pytest.mark.parametrize(
    ("reset", "now", "expected"), [(100.0, 40.2, 60), (100.0, 99.9, 1), (100.0, 100.5, 1)]
)
def test_retry_after_rounds_up_and_is_at_least_one_second(
    reset: float, now: float, expected: int
) -> None:
    assert retry_after(reset, now) == expected


class Keys:
    """The account store's API key look-up, for two known keys."""

    known: ClassVar = {"rvk_one": "k1", "rvk_two": "k2"}

    async def principal_of_api_key(self, key: str) -> Principal | None:
        if key not in self.known:
            return None
        return Principal(id=self.known[key], name="12345", kind="api_key", roles=KEY.roles)


def small_app(**limits: str) -> FastAPI:
    app = FastAPI()
    app.state.settings = GatewaySettings(**limits)  # type: ignore[arg-type]
    app.state.accounts = Keys()

    @app.get("/api/v1/thing")
    async def thing() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/open311/v2/services.json")
    async def services() -> list[str]:
        return []

    @app.get("/healthz/live")
    async def live() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/healthz/ready")
    async def ready() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/healthz")
    async def aggregated() -> dict[str, bool]:
        return {"ok": True}

    install(app)
    return app


def bearer(principal: Principal) -> dict[str, str]:
    settings = GatewaySettings()
    token = security.access_token(
        principal, settings.jwt_secret, timedelta(minutes=5), audience=settings.subdistrict
    )
    return {"Authorization": f"Bearer {token}"}


async def test_over_the_limit_is_a_429_problem_with_retry_after_per_caller() -> None:
    app = small_app(rate_limit_per_account="3/minute", rate_limit_anonymous="2/minute")
    other = Principal(id="u2", name="李", kind="user", roles=USER.roles)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        codes = [
            (await http.get("/api/v1/thing", headers=bearer(USER))).status_code for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        refused = await http.get("/api/v1/thing", headers=bearer(USER))
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["status"] == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60

        assert (await http.get("/api/v1/thing", headers=bearer(other))).status_code == 200
        anonymous = [(await http.get("/api/v1/thing")).status_code for _ in range(3)]
        assert anonymous == [200, 200, 429]
        # Bad credentials count as anonymous: no fresh budget from a made-up token.
        made_up = await http.get("/api/v1/thing", headers={"Authorization": "Bearer x.y.z"})
        assert made_up.status_code == 429
        probes = [(await http.get("/healthz/live")).status_code for _ in range(5)]
        assert probes == [200] * 5, "probes are never limited"


async def test_the_aggregated_health_counts_as_anonymous_per_ip() -> None:
    app = small_app(rate_limit_anonymous="2/minute")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        codes = [(await http.get("/healthz")).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert (await http.get("/api/v1/thing")).status_code == 429, "one budget per IP"
        for probe in ("/healthz/live", "/healthz/ready"):
            assert [(await http.get(probe)).status_code for _ in range(3)] == [200] * 3


async def test_the_open311_query_api_key_gets_the_per_key_limit() -> None:
    app = small_app(rate_limit_per_api_key="3/minute", rate_limit_anonymous="2/minute")
    transport = httpx.ASGITransport(app=app)
    path = "/open311/v2/services.json"
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        one = [(await http.get(path, params={"api_key": "rvk_one"})).status_code for _ in range(4)]
        assert one == [200, 200, 200, 429], "its own budget, not the anonymous one"
        # The same key in the header is the same caller, with the same budget.
        assert (await http.get(path, headers={"X-API-Key": "rvk_one"})).status_code == 429
        two = await http.get(path, params={"api_key": "rvk_two"})
        assert two.status_code == 200, "each key counts for itself"
        anonymous = [(await http.get(path)).status_code for _ in range(3)]
        assert anonymous == [200, 200, 429]

    fresh = httpx.ASGITransport(app=small_app(rate_limit_anonymous="1/minute"))
    async with httpx.AsyncClient(transport=fresh, base_url="http://gw") as http:
        # Outside the Open311 routes a key in the URL is no credential: anonymous.
        codes = [
            (await http.get("/api/v1/thing", params={"api_key": "rvk_one"})).status_code
            for _ in range(2)
        ]
        assert codes == [200, 429]
        # A made-up key counts as anonymous too: no fresh budget from guessing.
        made_up = await http.get(path, params={"api_key": "rvk_made_up"})
        assert made_up.status_code == 429
