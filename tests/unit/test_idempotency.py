"""Idempotency-Key: the pure decisions (which requests, which keys, replay or refuse), and
the middleware in-process over an in-memory store: who gets a key at all."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.errors import DuplicateKeyError

from services.gateway.accounts import security
from services.gateway.accounts.model import Principal, Role
from services.gateway.config import GatewaySettings
from services.gateway.idempotency import (
    COLLECTION,
    REPLAYED,
    Decision,
    IdempotencyMiddleware,
    applies,
    caller_of,
    claim,
    completed,
    decide,
    fingerprint,
    record_id,
    replay,
    stored,
    valid_key,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
IN_FLIGHT = timedelta(seconds=60)
USER = Principal(id="u1", name="王", kind="user", roles=frozenset({Role.SUBDISTRICT_ADMIN}))
KEY = Principal(id="k1", name="12345", kind="api_key", roles=frozenset({Role.INTEGRATION}))


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/api/v1/requests", True),
        ("POST", "/open311/v2/requests.json", True),
        ("POST", "/api/v1/auth/login", False),
        ("POST", "/api/v1/auth/refresh", False),
        ("POST", "/api/v1/auth", False),
        ("POST", "/api/v1/authors", True),
        ("PUT", "/api/v1/users/u1/roles", False),
        ("GET", "/api/v1/requests/r1", False),
    ],
)
def test_only_posts_outside_auth_are_covered(method: str, path: str, expected: bool) -> None:
    assert applies(method, path) is expected


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("a", True),
        ("8e03978e-40d5-43e8-bc93-6894a57f9324", True),
        ("x" * 255, True),
        ("with space and ~!@#", True),
        ("", False),
        ("x" * 256, False),
        ("tab\there", False),
        ("ключ", False),
        ("del\x7f", False),
    ],
)
def test_keys_are_1_to_255_printable_ascii_characters(key: str, ok: bool) -> None:
    assert valid_key(key) is ok


def test_the_caller_is_the_account_the_key_digest_or_anonymous() -> None:
    assert caller_of(USER, None) == "user:u1"
    assert caller_of(None, None) == "anonymous"
    by_key = caller_of(KEY, "rvk_secret")
    assert by_key == "api_key:" + security.digest("rvk_secret")
    assert "rvk_secret" not in by_key


def test_record_ids_separate_callers_and_keys() -> None:
    ids = {record_id(c, k) for c in ("user:u1", "user:u2") for k in ("a", "b")}
    assert len(ids) == 4
    assert record_id("user:u1", "a") == record_id("user:u1", "a")
    assert record_id("a:b", "c") != record_id("a", "b:c")


def recorded(**changes: object) -> dict[str, object]:
    return {**claim("user:u1", "k", "/api/v1/requests", fingerprint(b"{}"), NOW, DAY), **changes}


def test_a_finished_key_with_the_same_body_replays() -> None:
    done = recorded(state="done")
    assert decide(done, fingerprint(b"{}"), "/api/v1/requests", NOW, IN_FLIGHT) is Decision.REPLAY


def test_another_body_or_path_is_a_mismatch_even_while_in_flight() -> None:
    for record in (recorded(), recorded(state="done")):
        other_body = decide(record, fingerprint(b"{ }"), "/api/v1/requests", NOW, IN_FLIGHT)
        other_path = decide(record, fingerprint(b"{}"), "/api/v1/users", NOW, IN_FLIGHT)
        assert other_body is other_path is Decision.MISMATCH


def test_an_unfinished_key_is_in_flight_until_abandoned() -> None:
    body = fingerprint(b"{}")
    soon = NOW + IN_FLIGHT - timedelta(seconds=1)
    assert decide(recorded(), body, "/api/v1/requests", soon, IN_FLIGHT) is Decision.IN_FLIGHT
    later = NOW + IN_FLIGHT
    assert decide(recorded(), body, "/api/v1/requests", later, IN_FLIGHT) is Decision.TAKE_OVER


def test_another_query_string_is_a_mismatch() -> None:
    body, path = fingerprint(b"{}"), "/open311/v2/requests.json"
    record = claim("api_key:d", "k", path, body, NOW, DAY, fingerprint(b"api_key=a&x=1"))
    done = {**record, "state": "done"}
    same = decide(done, body, path, NOW, IN_FLIGHT, fingerprint(b"api_key=a&x=1"))
    assert same is Decision.REPLAY
    other = decide(done, body, path, NOW, IN_FLIGHT, fingerprint(b"api_key=a&x=2"))
    assert other is Decision.MISMATCH
    assert decide(done, body, path, NOW, IN_FLIGHT) is Decision.MISMATCH, "no query at all"
    assert "api_key=a" not in str(record), "only a digest of the query is kept"


def test_a_record_from_before_query_digests_means_no_query() -> None:
    old = recorded(state="done")
    del old["query_sha256"]
    body = fingerprint(b"{}")
    assert decide(old, body, "/api/v1/requests", NOW, IN_FLIGHT) is Decision.REPLAY
    other = decide(old, body, "/api/v1/requests", NOW, IN_FLIGHT, fingerprint(b"a=1"))
    assert other is Decision.MISMATCH


@pytest.mark.parametrize(
    ("status", "kept"),
    [
        *[(status, True) for status in (200, 201, 400, 404, 409, 422)],
        *[(status, False) for status in (401, 403, 500, 503, None)],
    ],
)
def test_only_answers_below_500_are_kept_and_never_a_401_or_403(
    status: int | None, kept: bool
) -> None:
    assert stored(status) is kept


def test_an_expired_record_is_taken_over_whatever_the_body() -> None:
    expired = recorded(state="done")
    assert decide(expired, "other", "/x", NOW + DAY, IN_FLIGHT) is Decision.TAKE_OVER


def test_a_stored_response_replays_status_body_and_content_type_only() -> None:
    body = '{"id": "r1", "title": "井盖"}'.encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"Location", b"/api/v1/requests/r1"),
        (b"x-trace-id", b"abc"),
    ]
    stored = completed(recorded(), 201, headers, body)
    assert stored["state"] == "done" and isinstance(stored["body"], str)

    response = replay(stored)

    assert response.status_code == 201
    assert response.body == body
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "/api/v1/requests/r1"
    assert response.headers[REPLAYED] == "true"
    assert "x-trace-id" not in response.headers
    assert response.headers["content-length"] == str(len(body))


# -- the middleware, in-process ------------------------------------------------------------------


class Store:
    """The four calls the middleware makes on its collection, in memory."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def insert_one(self, doc: dict[str, Any]) -> None:
        if doc["_id"] in self.docs:
            raise DuplicateKeyError("duplicate _id")
        self.docs[doc["_id"]] = dict(doc)

    async def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return self.docs.get(query["_id"])

    def _guarded(self, guard: dict[str, Any]) -> bool:
        found = self.docs.get(guard["_id"])
        return found is not None and found["token"] == guard["token"]

    async def replace_one(self, guard: dict[str, Any], doc: dict[str, Any]) -> Any:
        matched = self._guarded(guard)
        if matched:
            self.docs[guard["_id"]] = dict(doc)
        return SimpleNamespace(matched_count=int(matched))

    async def delete_one(self, guard: dict[str, Any]) -> None:
        if self._guarded(guard):
            del self.docs[guard["_id"]]


INTEGRATOR_KEY = "rvk_integrator"


class Accounts:
    def __init__(self, store: Store) -> None:
        self.users = SimpleNamespace(database={COLLECTION: store})

    async def principal_of_api_key(self, key: str) -> Principal | None:
        return KEY if key == INTEGRATOR_KEY else None


def keyed_app(store: Store) -> tuple[FastAPI, list[str]]:
    """A POST route that answers as the Open311 one would: 201 for the integrator's key
    (header or ?api_key=), 401 otherwise; each run is recorded."""
    app = FastAPI()
    app.state.settings = GatewaySettings()
    app.state.accounts = Accounts(store)
    runs: list[str] = []

    @app.post("/open311/v2/requests.json")
    async def post(request: Request) -> JSONResponse:
        body = await request.body()
        key = request.headers.get("x-api-key") or request.query_params.get("api_key")
        if key is None and body.startswith(b"api_key="):  # the spec's key in a form body
            key = body.split(b"&")[0].removeprefix(b"api_key=").decode()
        runs.append(key or "anonymous")
        if key != INTEGRATOR_KEY:
            return JSONResponse([{"code": 401, "description": "no"}], status_code=401)
        return JSONResponse([{"service_request_id": f"r{len(runs)}"}], status_code=201)

    app.add_middleware(IdempotencyMiddleware, gateway=app)
    return app, runs


PATH = "/open311/v2/requests.json"
FORM = {"service_code": "repair", "attribute[community_id]": "c1"}


async def test_only_callers_with_valid_credentials_in_the_head_get_keys() -> None:
    store = Store()
    app, runs = keyed_app(store)
    transport = httpx.ASGITransport(app=app)
    key = {"Idempotency-Key": "k-1"}
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        # Anonymous first: runs (401), stores nothing, so the key is not poisoned.
        anonymous = await http.post(PATH, headers=key, data=FORM)
        assert anonymous.status_code == 401 and store.docs == {}

        # The integrator, by the spec's ?api_key=: its own record, replayed to it only.
        query = {"api_key": INTEGRATOR_KEY}
        first = await http.post(PATH, headers=key, params=query, data=FORM)
        again = await http.post(PATH, headers=key, params=query, data=FORM)
        assert first.status_code == again.status_code == 201
        assert REPLAYED not in first.headers and again.headers[REPLAYED] == "true"
        [record] = store.docs.values()
        assert record["caller"] == "api_key:" + security.digest(INTEGRATOR_KEY)
        assert INTEGRATOR_KEY not in str(record)
        # The same key by header is the same caller; the query string differs: 422.
        by_header = await http.post(PATH, headers={**key, "X-API-Key": INTEGRATOR_KEY}, data=FORM)
        assert by_header.status_code == 422

        # Anonymous again, same key and body: passed through, never the integrator's 201.
        replayed = await http.post(PATH, headers=key, data=FORM)
        assert replayed.status_code == 401 and REPLAYED not in replayed.headers
        # A made-up query key: passed through too.
        forged = await http.post(PATH, headers=key, params={"api_key": "rvk_x"}, data=FORM)
        assert forged.status_code == 401 and REPLAYED not in forged.headers

        # A key in the form body is not seen before the route: no idempotency, no record.
        body_key = {"api_key": INTEGRATOR_KEY, **FORM}
        twice = [(await http.post(PATH, headers=key, data=body_key)) for _ in range(2)]
        assert [r.status_code for r in twice] == [201, 201]
        assert all(REPLAYED not in r.headers for r in twice)
    assert len(store.docs) == 1
    assert runs == ["anonymous", INTEGRATOR_KEY, "anonymous", "rvk_x"] + [INTEGRATOR_KEY] * 2


async def test_a_401_or_403_is_not_kept_so_the_key_stays_usable() -> None:
    store = Store()
    app = FastAPI()
    app.state.settings = GatewaySettings()
    app.state.accounts = Accounts(store)
    answers = [403, 201]

    @app.post("/api/v1/requests")
    async def post() -> JSONResponse:
        status = answers.pop(0)
        return JSONResponse({"status": status}, status_code=status)

    app.add_middleware(IdempotencyMiddleware, gateway=app)
    headers = {"Idempotency-Key": "k-2", "X-API-Key": INTEGRATOR_KEY}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        refused = await http.post("/api/v1/requests", headers=headers, json={})
        assert refused.status_code == 403 and store.docs == {}
        made = await http.post("/api/v1/requests", headers=headers, json={})
        assert made.status_code == 201 and REPLAYED not in made.headers
        again = await http.post("/api/v1/requests", headers=headers, json={})
        assert again.status_code == 201 and again.headers[REPLAYED] == "true"
