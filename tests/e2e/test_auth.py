"""Signing in, staying signed in, and being kept out, against the running gateway."""

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from services.gateway.config import DEV_SECRET
from tests.e2e.conftest import Launch, RunningProcess, new_account, sign_in_admin
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


def forged(
    gateway: RunningProcess, claims: dict[str, object], secret: str = DEV_SECRET
) -> dict[str, str]:
    """An access token as the gateway would sign it (its subdistrict as `aud`), changed."""
    base = {
        "sub": "u1",
        "typ": "access",
        "aud": gateway.spec.env["SUBDISTRICT"],
        "roles": ["subdistrict_admin"],
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    payload = {k: v for k, v in {**base, **claims}.items() if v is not None}
    return {"Authorization": f"Bearer {jwt.encode(payload, secret, 'HS256')}"}


@pytest.mark.parametrize(
    ("claims", "secret", "detail"),
    [
        ({}, DEV_SECRET, None),  # the control: as the gateway signs them, accepted
        ({"exp": datetime.now(UTC) - timedelta(seconds=1)}, DEV_SECRET, "expired"),
        ({}, "someone-elses-secret-of-sufficient-length!", "not valid"),
        ({"typ": "refresh"}, DEV_SECRET, "not an access token"),
        # Another deployment sharing the secret: its tokens name its own subdistrict.
        ({"aud": "another_subdistrict"}, DEV_SECRET, "not valid"),
        ({"aud": None}, DEV_SECRET, "not valid"),  # no audience at all
    ],
)
async def test_forged_tokens_are_401_with_the_reason(
    gateway: RunningProcess, claims: dict[str, object], secret: str, detail: str | None
) -> None:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        response = await http.get("/api/v1/auth/me", headers=forged(gateway, claims, secret))
    if detail is None:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 401
    assert detail in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
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


async def test_the_access_token_names_the_subdistrict_and_the_account_version(
    gateway: RunningProcess,
) -> None:
    admin = await sign_in_admin(gateway)
    claims = jwt.decode(
        admin["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    assert claims["aud"] == gateway.spec.env["SUBDISTRICT"]
    assert claims["ver"] == 0


async def test_the_public_development_secret_is_refused_unless_allowed(launch: Launch) -> None:
    refused = launch("gateway", ALLOW_DEV_SECRET="0")
    assert refused.wait(within=30) != 0
    assert "GATEWAY_ALLOW_DEV_SECRET" in refused.log.read_text()
    placeholder = launch("gateway", JWT_SECRET="change-me-placeholder-gateway-jwt-secret-x")
    assert placeholder.wait(within=30) != 0
    assert "placeholder" in placeholder.log.read_text()
    own = launch("gateway", ALLOW_DEV_SECRET="0", JWT_SECRET=secrets.token_hex(32))
    await own.ready()


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


def login_body(username: str, password: str) -> dict[str, str]:
    return {"username": username, "password": password}


async def test_wrong_passwords_lock_the_account_for_a_while(gateway: RunningProcess) -> None:
    username, password = new_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        for _ in range(3):
            wrong = await http.post("/api/v1/auth/login", json=login_body(username, "guess-guess"))
            assert wrong.status_code == 401
            assert wrong.json()["detail"] == "wrong username or password"
        locked = await http.post("/api/v1/auth/login", json=login_body(username, password))
        assert locked.status_code == 429, "the right password must not open a locked account"
        assert 0 < int(locked.headers["retry-after"]) <= 600
        # An unknown name is counted and locked the same way: the answers say nothing more.
        unknown = [
            await http.post("/api/v1/auth/login", json=login_body("nobody-here", "guess-guess"))
            for _ in range(4)
        ]
        assert [r.status_code for r in unknown] == [401, 401, 401, 429]
        assert unknown[0].json()["detail"] == "wrong username or password"


async def test_a_lockout_keeps_out_only_the_address_that_guessed(gateway: RunningProcess) -> None:
    """The count is per (username, client address): whoever guesses locks only themselves
    out, not the account's owner (here, another loopback address)."""
    username, password = new_admin(gateway)
    elsewhere = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with (
        httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as attacker,
        httpx.AsyncClient(base_url=gateway.base_url, timeout=10, transport=elsewhere) as owner,
    ):
        for _ in range(4):
            await attacker.post("/api/v1/auth/login", json=login_body(username, "guess-guess"))
        locked = await attacker.post("/api/v1/auth/login", json=login_body(username, password))
        assert locked.status_code == 429
        mine = await owner.post("/api/v1/auth/login", json=login_body(username, password))
        assert mine.status_code == 200, mine.text


@pytest.mark.parametrize("known", [True, False], ids=["existing user", "unknown name"])
async def test_concurrent_guesses_get_at_most_max_failures_password_checks(
    launch: Launch, known: bool
) -> None:
    """The attempt is counted atomically before the password is checked, so of 20 guesses
    sent at once at most LOGIN_MAX_FAILURES are checked (401); the others are refused
    (429). The bound is exact: a count read after others' increments only errs towards
    refusing, so fewer than 5 may get a 401, never more."""
    gateway = launch("gateway", LOGIN_MAX_FAILURES="5", LOGIN_LOCKOUT_S="600")
    await gateway.ready()
    username = new_admin(gateway)[0] if known else f"ghost{secrets.token_hex(3)}"
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:
        answers = await asyncio.gather(
            *(
                http.post("/api/v1/auth/login", json=login_body(username, f"guess-{i}"))
                for i in range(20)
            )
        )
    codes = sorted(r.status_code for r in answers)
    assert set(codes) <= {401, 429}, codes
    assert 1 <= codes.count(401) <= 5, codes


async def test_a_revoked_api_key_stops_working_at_once(gateway: RunningProcess) -> None:
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        key = (await http.post("/api/v1/api-keys", headers=admin, json={"name": "城市平台"})).json()
        as_key = {"X-API-Key": key["api_key"]}
        assert (await http.get("/api/v1/auth/me", headers=as_key)).status_code == 200

        revoked = await http.delete(f"/api/v1/api-keys/{key['id']}", headers=admin)
        assert revoked.status_code == 204, revoked.text
        after = await http.get("/api/v1/auth/me", headers=as_key)
        assert after.status_code == 401
        again = await http.delete(f"/api/v1/api-keys/{key['id']}", headers=admin)
        assert again.status_code == 404
        assert await audited(http, admin, "api_key_revoked", key["id"])


async def audited(http: httpx.AsyncClient, admin: dict[str, str], action: str, target: str) -> bool:
    page = await http.get("/api/v1/audit", headers=admin, params={"action": action, "limit": 100})
    assert page.status_code == 200, page.text
    return any(item["target"] == target for item in page.json()["items"])


async def test_a_disabled_account_cannot_sign_in_or_refresh(gateway: RunningProcess) -> None:
    admin = await sign_in_admin(gateway)
    me = (await http_get_me(gateway, admin)).json()
    password = secrets.token_urlsafe(12)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        user, _ = await new_account(
            http,
            admin,
            "周",
            password=password,
            roles=["community_admin"],
            communities=["c1"],
        )
        credentials = login_body(user["username"], password)
        session = (await http.post("/api/v1/auth/login", json=credentials)).json()

        disabled = await http.post(f"/api/v1/users/{user['id']}/disable", headers=admin)
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["disabled"] is True
        stale = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert stale.status_code == 401
        refused = await http.post("/api/v1/auth/login", json=credentials)
        assert refused.status_code == 401
        assert refused.json()["detail"] == "wrong username or password"

        enabled = await http.post(f"/api/v1/users/{user['id']}/enable", headers=admin)
        assert enabled.status_code == 200 and enabled.json()["disabled"] is False
        back = await http.post("/api/v1/auth/login", json=credentials)
        assert back.status_code == 200, back.text
        # The disable bumped the account's token version; new tokens carry it.
        claims = jwt.decode(back.json()["access_token"], options={"verify_signature": False})
        assert claims["ver"] == 1

        own = await http.post(f"/api/v1/users/{me['id']}/disable", headers=admin)
        assert own.status_code == 409, "an administrator must not lock themselves out"
        assert await audited(http, admin, "user_disabled", user["id"])
        assert await audited(http, admin, "user_enabled", user["id"])


async def http_get_me(gateway: RunningProcess, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        return await http.get("/api/v1/auth/me", headers=headers)


async def test_changing_ones_password_ends_the_other_sessions(gateway: RunningProcess) -> None:
    admin = await sign_in_admin(gateway)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        password = secrets.token_urlsafe(12)
        user, _ = await new_account(
            http,
            admin,
            "吴",
            password=password,
            roles=["community_admin"],
            communities=["c1"],
        )
        credentials = login_body(user["username"], password)
        phone = (await http.post("/api/v1/auth/login", json=credentials)).json()
        laptop = (await http.post("/api/v1/auth/login", json=credentials)).json()
        bearer = {"Authorization": f"Bearer {laptop['access_token']}"}
        new_password = secrets.token_urlsafe(12)

        wrong = await http.put(
            "/api/v1/auth/password",
            headers=bearer,
            json={"current_password": "not-it-at-all", "new_password": new_password},
        )
        assert wrong.status_code == 422
        assert [e["field"] for e in wrong.json()["errors"]] == ["current_password"]
        short = await http.put(
            "/api/v1/auth/password",
            headers=bearer,
            json={"current_password": password, "new_password": "tiny-pw-7"},
        )
        assert short.status_code == 422
        assert "new_password" in [e["field"] for e in short.json()["errors"]]
        assert "tiny-pw-7" not in short.text and password not in short.text

        changed = await http.put(
            "/api/v1/auth/password",
            headers=bearer,
            json={"current_password": password, "new_password": new_password},
        )
        assert changed.status_code == 200, changed.text
        for old in (phone, laptop):
            stale = await http.post(
                "/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}
            )
            assert stale.status_code == 401
        fresh = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": changed.json()["refresh_token"]}
        )
        assert fresh.status_code == 200, "the caller's new session goes on"
        old_password = await http.post("/api/v1/auth/login", json=credentials)
        assert old_password.status_code == 401
        renewed = login_body(user["username"], new_password)
        assert (await http.post("/api/v1/auth/login", json=renewed)).status_code == 200
        assert await audited(http, admin, "password_changed", user["id"])

        key = (await http.post("/api/v1/api-keys", headers=admin, json={"name": "只读"})).json()
        by_key = await http.put(
            "/api/v1/auth/password",
            headers={"X-API-Key": key["api_key"]},
            json={"current_password": "whatever-it-is", "new_password": new_password},
        )
        assert by_key.status_code == 403


async def test_changing_roles_ends_the_old_sessions(gateway: RunningProcess) -> None:
    admin = await sign_in_admin(gateway)
    password = secrets.token_urlsafe(12)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        user, _ = await new_account(
            http,
            admin,
            "王",
            password=password,
            roles=["community_admin"],
            communities=["c1"],
        )
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
