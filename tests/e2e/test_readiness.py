"""Readiness follows the service's dependencies; liveness does not."""

from pathlib import Path

import httpx
import pytest

from shared.embedded.servers import start_mongo
from tests.e2e.conftest import Launch
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_readiness_fails_when_mongodb_goes_away(launch: Launch, tmp_path: Path) -> None:
    own_mongo = start_mongo(tmp_path / "mongo", log_file=tmp_path / "mongo.log")
    try:
        service = launch("registry", MONGO_URL=own_mongo.url)
        await service.ready()
        own_mongo.stop()

        async def status(path: str) -> int:
            async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as http:
                return (await http.get(path)).status_code

        await eventually(
            lambda: status("/healthz/ready"),
            lambda s: s == 503,
            within=30,
            what="readiness to fail",
        )
        assert await status("/healthz/live") == 200
        async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as http:
            body = (await http.get("/healthz/ready")).json()
        assert body["checks"] == {"nats": True, "mongodb": False}
    finally:
        own_mongo.stop()
