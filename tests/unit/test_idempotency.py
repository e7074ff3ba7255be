"""Idempotency-Key: the pure decisions (which requests, which keys, replay or refuse)."""

from datetime import UTC, datetime, timedelta

import pytest

from services.gateway.accounts import security
from services.gateway.accounts.model import Principal, Role
from services.gateway.idempotency import (
    REPLAYED,
    Decision,
    applies,
    caller_of,
    claim,
    completed,
    decide,
    fingerprint,
    record_id,
    replay,
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
