"""`make up`'s demo data and accounts: when they are made, that the loader signs in first,
that a POST is never sent twice, and what the banner tells the user to paste."""

import json
import re
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.embedded.banner import banner
from tools import demo_http
from tools.demo import (
    create_community_admins,
    load_demo,
    read_accounts,
    write_accounts,
)
from tools.demo_data import DEMO_COMMUNITY_ADMINS, DEMO_REQUESTS
from tools.demo_http import DemoLoadError
from tools.up import UpError, demo_wanted

pytestmark = pytest.mark.unit

BODY = DEMO_REQUESTS[0]
AUTH = {"username": "admin", "password": "p" * 12}
TOKEN = "token-1"


def login(request: httpx.Request) -> httpx.Response:
    assert json.loads(request.content) == AUTH
    return httpx.Response(200, json={"access_token": TOKEN, "refresh_token": "r"})


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_http, "RETRY_INTERVAL", 0.01)
    monkeypatch.setattr(demo_http, "RETRY_WITHIN", 1.0)


def gateway(*posts: Any) -> tuple[httpx.MockTransport, list[str]]:
    """A gateway whose requests service answers, and whose POSTs answer `posts` in turn."""
    calls: list[str] = []
    answers = list(posts)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/login":
            return login(request)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        calls.append(request.method)
        if request.method == "GET":
            return httpx.Response(404, json={"detail": "no request 'demo-readiness-probe'"})
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer

    return httpx.MockTransport(handle), calls


@pytest.mark.parametrize("status", [502, 503, 504, 500])
def test_a_post_answered_with_a_5xx_is_not_repeated(status: int) -> None:
    transport, calls = gateway(httpx.Response(status, json={"detail": "did not answer"}))
    with pytest.raises(DemoLoadError, match=f"-> {status} \\(not repeated"):
        load_demo(
            "http://gw", [BODY], say=lambda _: None, transport=transport, registry=None, **AUTH
        )
    assert calls.count("POST") == 1


def test_a_post_whose_answer_was_lost_is_not_repeated() -> None:
    transport, calls = gateway(httpx.ReadTimeout("no answer"))
    with pytest.raises(DemoLoadError, match="not repeated"):
        load_demo(
            "http://gw", [BODY], say=lambda _: None, transport=transport, registry=None, **AUTH
        )
    assert calls.count("POST") == 1


def test_a_post_that_could_not_connect_is_tried_again() -> None:
    transport, calls = gateway(
        httpx.ConnectError("refused"), httpx.Response(201, json={"id": "r1", **BODY})
    )
    loaded = load_demo(
        "http://gw", [BODY], say=lambda _: None, transport=transport, registry=None, **AUTH
    )
    assert [c["id"] for c in loaded.requests] == ["r1"]
    assert calls.count("POST") == 2


def test_posts_wait_until_the_requests_service_answers() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/login":
            return login(request)
        calls.append(request.method)
        if request.method == "GET":
            ready = calls.count("GET") >= 3
            if ready:
                return httpx.Response(404, text="no request 'demo-readiness-probe'")
            return httpx.Response(503, json={"detail": "the requests service did not answer"})
        return httpx.Response(201, json={"id": "r1"})

    load_demo(
        "http://gw",
        [BODY],
        say=lambda _: None,
        transport=httpx.MockTransport(handle),
        registry=None,
        **AUTH,
    )
    assert calls == ["GET", "GET", "GET", "POST"]


def test_a_refused_sign_in_posts_nothing() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        return httpx.Response(401, json={"detail": "wrong username or password"})

    with pytest.raises(DemoLoadError, match="signing in as 'admin' -> 401"):
        load_demo(
            "http://gw",
            [BODY],
            say=lambda _: None,
            transport=httpx.MockTransport(handle),
            registry=None,
            **AUTH,
        )
    assert calls == ["POST /api/v1/auth/login"]


def test_community_admins_are_made_as_admin_and_taken_names_are_reported() -> None:
    posted: list[dict[str, object]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/login":
            return login(request)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(request.content)
        posted.append(body)
        if body["username"] == "xinggang_admin":
            return httpx.Response(409, json={"detail": "username 'xinggang_admin' is taken"})
        return httpx.Response(201, json={"id": "u", "username": body["username"]})

    created, taken = create_community_admins(
        "http://gw",
        skip={"gaolin_admin"},
        say=lambda _: None,
        transport=httpx.MockTransport(handle),
        **AUTH,
    )
    assert [b["username"] for b in posted] == ["quanyun_admin", "xinggang_admin", "jingxing_admin"]
    assert taken == ["xinggang_admin"]
    assert set(created) == {"quanyun_admin", "jingxing_admin"}
    quanyun = next(b for b in posted if b["username"] == "quanyun_admin")
    assert quanyun["roles"] == ["community_admin"] and quanyun["communities"] == ["quanyun"]
    assert created["quanyun_admin"]["password"] == quanyun["password"]
    assert len(str(quanyun["password"])) >= 10


def test_every_demo_community_gets_an_admin() -> None:
    communities = {r["location"]["community_id"] for r in DEMO_REQUESTS}
    assert {c for _, c in DEMO_COMMUNITY_ADMINS.values()} == communities
    assert all(re.fullmatch(r"[a-z0-9_.-]{3,64}", name) for name in DEMO_COMMUNITY_ADMINS)


def test_the_accounts_file_is_its_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "demo-accounts.json"
    assert read_accounts(path) == {}
    accounts = {"admin": {"password": "secret-secret", "roles": ["subdistrict_admin"]}}
    write_accounts(path, accounts)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_accounts(path) == accounts


def banner_for(accounts: dict[str, dict[str, object]], notes: tuple[str, ...] = ()) -> str:
    return banner(
        gateway="http://127.0.0.1:8000",
        nats_url="nats://127.0.0.1:4222",
        mongo_url="mongodb://127.0.0.1:27017",
        data_dir=Path("/x/.data"),
        subdistrict="quantang",
        demo_note="loaded",
        accounts=accounts,
        accounts_file=Path("/x/.data/demo-accounts.json"),
        account_notes=notes,
    )


def test_the_banner_signs_in_as_quanyuns_admin_and_sends_the_token() -> None:
    text = banner_for(
        {
            "admin": {"password": "adminpass00", "roles": ["subdistrict_admin"]},
            "quanyun_admin": {
                "password": "quanyunpass",
                "roles": ["community_admin"],
                "communities": ["quanyun"],
            },
        }
    )
    assert "adminpass00" in text  # every account is listed, with its password
    assert """-d '{"username": "quanyun_admin", "password": "quanyunpass"}'""" in text
    assert text.count('-H "Authorization: Bearer $TOKEN"') == 2


def test_without_a_known_password_the_banner_says_what_to_put_in() -> None:
    text = banner_for({}, ("admin: exists already",))
    assert "admin: exists already" in text
    assert '"username": "USERNAME"' in text


@pytest.mark.parametrize(
    ("setting", "embedded", "load"),
    [
        (None, True, True),
        ("", True, True),
        (None, False, False),
        ("0", True, False),
        ("1", False, True),
    ],
)
def test_demo_data_only_into_the_embedded_servers_unless_forced(
    setting: str | None, embedded: bool, load: bool
) -> None:
    assert demo_wanted(setting, embedded=embedded)[0] is load


def test_an_unknown_rv_demo_value_is_an_error() -> None:
    with pytest.raises(UpError, match="RV_DEMO='yes'"):
        demo_wanted("yes", embedded=True)


def test_shared_imports_neither_tools_nor_services() -> None:
    # shared/ is contracts and plumbing only: demo data and `make up` live in tools/.
    shared = Path(__file__).resolve().parents[2] / "shared"
    pattern = re.compile(r"(?m)^\s*(?:from|import)\s+(?:tools|services)\b")
    offenders = [
        str(path.relative_to(shared.parent))
        for path in shared.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
