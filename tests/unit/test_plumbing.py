"""Settings, retry policy and error mapping: pure parts of the plumbing."""

import pytest
from fastapi.testclient import TestClient

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.problems import STATUS, field_error
from services.requests.config import RequestsSettings
from shared.bus.consumer import ConsumerPolicy, trace_id
from shared.contracts.rpc import ErrorCode

pytestmark = pytest.mark.unit


def test_prefixed_settings_win_over_plain_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://plain:4222")
    monkeypatch.setenv("MONGO_URL", "mongodb://plain")
    monkeypatch.setenv("REQUESTS_MONGO_URL", "mongodb://prefixed")
    monkeypatch.setenv("SUBDISTRICT", "xingsha")
    settings = RequestsSettings()
    assert settings.nats_url == "nats://plain:4222"
    assert settings.mongo_url == "mongodb://prefixed"
    assert settings.subdistrict == "xingsha"


def test_a_bad_subdistrict_setting_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUBDISTRICT", "Quan Tang")
    with pytest.raises(ValueError, match="subdistrict"):
        RequestsSettings()


def test_backoff_grows_then_stays_at_its_last_step() -> None:
    policy = ConsumerPolicy(max_deliver=6, backoff_s=(1.0, 5.0, 30.0))
    assert [policy.delay_after(n) for n in range(1, 6)] == [1.0, 5.0, 30.0, 30.0, 30.0]


def test_trace_id_comes_from_a_w3c_traceparent() -> None:
    assert trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == (
        "4bf92f3577b34da6a3ce929d0e0e4736"
    )
    assert trace_id(None) is None and trace_id("garbage") is None


def test_every_error_code_maps_to_an_http_status() -> None:
    assert {code: STATUS[code] for code in ErrorCode} == {
        ErrorCode.NOT_FOUND: 404,
        ErrorCode.CONFLICT: 409,
        ErrorCode.VALIDATION: 422,
        ErrorCode.FORBIDDEN: 403,
        ErrorCode.UNAVAILABLE: 503,
        ErrorCode.INTERNAL: 500,
    }


def test_field_errors_name_the_field_without_the_framework_prefix() -> None:
    assert field_error(("body", "location", "community_id"), "Field required", "missing") == {
        "field": "location.community_id",
        "message": "Field required",
        "type": "missing",
    }


def test_an_unexpected_gateway_error_is_a_problem_document_without_internals() -> None:
    app = create_app(GatewaySettings())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")  # no lifespan
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 500 and "secret" not in response.text


def test_an_empty_backoff_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_RETRY_BACKOFF_S", "[]")
    with pytest.raises(ValueError, match="retry_backoff_s"):
        RequestsSettings()
