"""The request body cap against the running gateway: 413 problems, declared or streamed."""

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.conftest import Launch

pytestmark = pytest.mark.e2e

TWO_MIB = 2 * 1024 * 1024


async def test_a_body_over_a_mebibyte_is_a_413_problem_on_every_route(launch: Launch) -> None:
    gateway = launch("gateway")  # nothing behind it: the cap answers before any route
    await gateway.ready()
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        for path, content_type in (
            ("/api/v1/auth/login", "application/json"),
            ("/open311/v2/requests.json", "application/x-www-form-urlencoded"),
            ("/api/v1/requests", "application/json"),
        ):
            started = time.monotonic()
            refused = await http.post(
                path,
                content=b"a" * TWO_MIB,
                headers={"Content-Type": content_type, "Idempotency-Key": "big-1"},
            )
            assert refused.status_code == 413, (path, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            problem = refused.json()
            assert problem["status"] == 413 and problem["instance"] == path
            assert "1048576" in problem["detail"]
            assert time.monotonic() - started < 3, "refused at once, not after a timeout"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(32):
                yield b"b" * 65_536

        streamed = await http.post(
            "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413 and streamed.json()["status"] == 413

        # Under the cap the route answers as ever (here: bad credentials).
        fine = await http.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
        assert fine.status_code in (401, 422), fine.text
        assert (await http.get("/healthz/live")).status_code == 200
