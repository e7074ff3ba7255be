"""End-to-end fixtures: the real processes, started as `make up` starts them."""

import os
import secrets
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.embedded.processes import ProcessSpec, process_spec
from shared.embedded.servers import free_port
from tests.waiting import eventually
from tools.admin import create_admin, sign_in

# Fast retries and a short ack wait, so fault tests finish in seconds.
FAST_ENV = {
    "RETRY_BACKOFF_S": "[0.2, 0.5]",
    "ACK_WAIT_S": "10",  # generous: a starved CI machine must not cause redeliveries
    "OUTBOX_SWEEP_INTERVAL_S": "1",
    "GRACEFUL_TIMEOUT_S": "15",
    "LOG_LEVEL": "INFO",
    # The gateway refuses the public development JWT secret unless allowed (GATEWAY_...).
    "ALLOW_DEV_SECRET": "1",
}


@dataclass
class RunningProcess:
    spec: ProcessSpec
    process: subprocess.Popen[bytes]
    log: Path
    base_url: str = field(init=False)

    def __post_init__(self) -> None:
        self.base_url = f"http://127.0.0.1:{self.spec.port}"

    async def ready(self, within: float = 30.0) -> None:
        async def probe() -> int:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.spec.name} exited; log:\n{self.log_tail()}")
            try:
                async with httpx.AsyncClient(timeout=1) as client:
                    return (await client.get(self.spec.ready_url)).status_code
            except httpx.HTTPError:
                return 0

        await eventually(probe, lambda code: code == 200, within=within, what=f"{self.spec.name}")

    def signal(self, sig: signal.Signals) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)

    def wait(self, within: float) -> int:
        return self.process.wait(timeout=within)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


Launch = Callable[..., RunningProcess]


@pytest.fixture
def launch(nats_url: str, mongo_url: str, subdistrict: str, tmp_path: Path) -> Iterator[Launch]:
    """Start a RedVest process by name; every process started is stopped at the end."""
    started: list[RunningProcess] = []

    def start(name: str, port: int | None = None, **env: str) -> RunningProcess:
        prefix = name.upper() + "_"
        spec = process_spec(
            name,
            nats_url=nats_url,
            mongo_url=mongo_url,
            subdistrict=subdistrict,
            port=port or free_port(),
            extra_env={prefix + k: v for k, v in {**FAST_ENV, **env}.items()},
        )
        log = tmp_path / f"{name}-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                spec.argv,
                env=spec.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parents[2],
            )
        running = RunningProcess(spec, process, log)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


async def sign_in_admin(gateway: RunningProcess) -> dict[str, str]:
    """A fresh subdistrict_admin of the gateway's subdistrict, created with the real CLI."""
    username, password = f"admin{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    create_admin(gateway.spec.env, username, password)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        return await sign_in(http, username, password)


async def new_account(
    http: httpx.AsyncClient,
    admin: dict[str, str],
    display_name: str = "测试",
    *,
    password: str | None = None,
    **scope: Any,
) -> tuple[dict[str, Any], dict[str, str]]:
    """An account made through the API by `admin` (roles and scopes as keyword arguments):
    the created account, and headers signed in as it."""
    password = password or secrets.token_urlsafe(12)
    created = await http.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": f"u{secrets.token_hex(4)}",
            "password": password,
            "display_name": display_name,
            **scope,
        },
    )
    assert created.status_code == 201, created.text
    return created.json(), await sign_in(http, created.json()["username"], password)
