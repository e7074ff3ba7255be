"""Rate limits: which limit applies to whom, the exempt paths, and the 429 in-process."""

from datetime import timedelta

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
        ("/healthz", True),
        ("/healthz/ready", True),
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


def small_app(**limits: str) -> FastAPI:
    app = FastAPI()
    app.state.settings = GatewaySettings(**limits)  # type: ignore[arg-type]

    @app.get("/api/v1/thing")
    async def thing() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/healthz/live")
    async def live() -> dict[str, bool]:
        return {"ok": True}

    install(app)
    return app


def bearer(principal: Principal) -> dict[str, str]:
    token = security.access_token(principal, GatewaySettings().jwt_secret, timedelta(minutes=5))
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
