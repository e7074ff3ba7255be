"""Readiness follows the service's dependencies; liveness does not."""

from pathlib import Path

import httpx
import pytest

from shared.embedded.servers import start_mongo, start_nats
from tests.e2e.conftest import Launch, RunningProcess, sign_in_admin
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


async def test_services_ride_out_a_nats_outage_and_come_back(
    launch: Launch, tmp_path: Path
) -> None:
    own_nats = start_nats(tmp_path / "nats", log_file=tmp_path / "nats.log")
    port = int(own_nats.url.rsplit(":", 1)[1])
    try:
        requests = launch("requests", NATS_URL=own_nats.url)
        gateway = launch("gateway", NATS_URL=own_nats.url)
        await requests.ready()
        await gateway.ready()
        body = {"kind": "repair", "title": "停电", "location": {"community_id": "c1"}}
        admin = await sign_in_admin(gateway)

        async def get(process: RunningProcess, path: str) -> int:
            async with httpx.AsyncClient(base_url=process.base_url, timeout=10) as http:
                return (await http.get(path)).status_code

        own_nats.stop()
        await eventually(
            lambda: get(requests, "/healthz/ready"),
            lambda s: s == 503,
            within=30,
            what="readiness to fail without NATS",
        )
        assert await get(requests, "/healthz/live") == 200
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
            during = await http.post("/api/v1/requests", json=body, headers=admin)
        assert during.status_code == 503, during.text
        assert during.headers["content-type"] == "application/problem+json"

        own_nats = start_nats(tmp_path / "nats", port=port, log_file=tmp_path / "nats.log")
        await requests.ready(within=60)
        await gateway.ready(within=60)

        async def create() -> int:
            async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
                return (await http.post("/api/v1/requests", json=body, headers=admin)).status_code

        await eventually(create, lambda s: s == 201, within=30, what="requests accepted again")
    finally:
        own_nats.stop()
