"""Signing in, staying signed in, and being kept out, against the running gateway."""

import secrets
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from services.gateway.config import DEV_SECRET
from tests.e2e.conftest import Launch, RunningProcess, sign_in_admin
from tools.admin import create_admin

pytestmark = pytest.mark.e2e


@pytest.fixture
async def gateway(launch: Launch) -> RunningProcess:
    process = launch("gateway", LOGIN_MAX_FAILURES="3", LOGIN_LOCKOUT_S="600")
    await process.ready()
    return process


def new_admin(gateway: RunningProcess) -> tuple[str, str]:
    username, password = f"a{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    create_admin(gateway.spec.env, username, password)
    return username, password


async def test_login_refresh_and_logout(gateway: RunningProcess) -> None:
    username, password = new_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert login.status_code == 200, login.text
        tokens = login.json()
        assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
        me = await http.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.json()["roles"] == ["subdistrict_admin"]

        renewed = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert renewed.status_code == 200
        reused = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert reused.status_code == 401, "a refresh token must work once"

        fresh = renewed.json()["refresh_token"]
        assert (
            await http.post("/api/v1/auth/logout", json={"refresh_token": fresh})
        ).status_code == 204
        after = await http.post("/api/v1/auth/refresh", json={"refresh_token": fresh})
        assert after.status_code == 401
        assert after.headers["content-type"] == "application/problem+json"


def forged(claims: dict[str, object], secret: str = DEV_SECRET) -> dict[str, str]:
    base = {
        "sub": "u1",
        "typ": "access",
        "roles": ["subdistrict_admin"],
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    return {"Authorization": f"Bearer {jwt.encode({**base, **claims}, secret, 'HS256')}"}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        (forged({"exp": datetime.now(UTC) - timedelta(seconds=1)}), "expired"),
        (forged({}, secret="someone-elses-secret-of-sufficient-length!"), "not valid"),
        (forged({"typ": "refresh"}), "not an access token"),
        ({"Authorization": "Bearer not.a.token"}, "not valid"),
        ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "Bearer"),
        ({"X-API-Key": "rvk_made_up"}, "API key"),
    ],
)
async def test_bad_credentials_are_401_with_the_reason(
    gateway: RunningProcess, headers: dict[str, str], detail: str
) -> None:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        response = await http.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert detail in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_tampered_token_is_refused(gateway: RunningProcess) -> None:
    admin = await sign_in_admin(gateway)
    token = admin["Authorization"].removeprefix("Bearer ")
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["communities"] = ["everything"]
    tampered_payload = jwt.encode(claims, "x" * 32, "HS256").split(".")[1]
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        response = await http.get(
            "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {header}.{tampered_payload}.{signature}"},
        )
    assert response.status_code == 401


async def test_wrong_passwords_lock_the_account_for_a_while(gateway: RunningProcess) -> None:
    username, password = new_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        for _ in range(3):
            wrong = await http.post(
                "/api/v1/auth/login", json={"username": username, "password": "guess-guess"}
            )
            assert wrong.status_code == 401
            assert wrong.json()["detail"] == "wrong username or password"
        locked = await http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert locked.status_code == 429, "the right password must not open a locked account"
        assert 0 < int(locked.headers["retry-after"]) <= 600
        unknown = await http.post(
            "/api/v1/auth/login", json={"username": "nobody-here", "password": "guess-guess"}
        )
        assert unknown.json()["detail"] == "wrong username or password"  # says nothing more


async def test_changing_roles_ends_the_old_sessions(gateway: RunningProcess) -> None:
    admin = await sign_in_admin(gateway)
    password = secrets.token_urlsafe(12)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        user = (
            await http.post(
                "/api/v1/users",
                headers=admin,
                json={
                    "username": f"u{secrets.token_hex(3)}",
                    "password": password,
                    "display_name": "王",
                    "roles": ["community_admin"],
                    "communities": ["c1"],
                },
            )
        ).json()
        session = (
            await http.post(
                "/api/v1/auth/login", json={"username": user["username"], "password": password}
            )
        ).json()

        changed = await http.put(
            f"/api/v1/users/{user['id']}/roles",
            headers=admin,
            json={"roles": ["community_admin"], "communities": ["c2"]},
        )
        assert changed.status_code == 200 and changed.json()["communities"] == ["c2"]
        stale = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert stale.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"roles": ["community_admin"]}, "communities"),
        ({"roles": ["team_leader"]}, "teams"),
        ({"roles": ["volunteer"]}, "member_id"),
        ({"roles": ["integration"]}, "roles"),
        ({"roles": ["community_admin"], "communities": ["c1"], "password": "short"}, "password"),
        ({"roles": ["community_admin"], "communities": ["c1"], "is_root": True}, "is_root"),
    ],
)
async def test_accounts_are_refused_without_the_scope_their_role_needs(
    gateway: RunningProcess, body: dict[str, object], field: str
) -> None:
    admin = await sign_in_admin(gateway)
    account = {
        "username": f"u{secrets.token_hex(3)}",
        "password": "long enough pw",
        "display_name": "张",
        **body,
    }
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        response = await http.post("/api/v1/users", headers=admin, json=account)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_an_api_key_reads_but_may_not_write_unless_issued_so(
    launch: Launch, gateway: RunningProcess
) -> None:
    await launch("requests").ready()
    admin = await sign_in_admin(gateway)
    body = {"kind": "repair", "title": "井盖松动", "location": {"community_id": "c1"}}
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        read_key = (
            await http.post("/api/v1/api-keys", headers=admin, json={"name": "城市平台"})
        ).json()
        write_key = (
            await http.post(
                "/api/v1/api-keys", headers=admin, json={"name": "12345热线", "write": True}
            )
        ).json()
        assert read_key["scopes"] == ["read"] and read_key["api_key"].startswith("rvk_")

        refused = await http.post(
            "/api/v1/requests", headers={"X-API-Key": read_key["api_key"]}, json=body
        )
        assert refused.status_code == 403 and "only read" in refused.json()["detail"]
        made = await http.post(
            "/api/v1/requests", headers={"X-API-Key": write_key["api_key"]}, json=body
        )
        assert made.status_code == 201, made.text
        read = await http.get(
            f"/api/v1/requests/{made.json()['id']}", headers={"X-API-Key": read_key["api_key"]}
        )
        assert read.status_code == 200
