"""`make up` as a user runs it: `python -m tools.up` in a folder of its own.

Every port is a free one, so this runs beside a developer's own `make up`. Each run marks
its environment with a random token that every child inherits; scanning /proc for it finds
every process the run started (supervisor, honcho's helpers, services, nats-server,
nx-27017) without trusting the code under test to report them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pymongo import AsyncMongoClient

from shared.contracts.subjects import database_name
from shared.embedded.banner import READY_LINE
from shared.embedded.processes import DEFAULT_PORTS
from shared.embedded.servers import free_port
from tests.waiting import eventually
from tools.admin import sign_in
from tools.demo_activities_data import build_activities_demo
from tools.demo_data import DEMO_COMMUNITY_ADMINS, DEMO_REQUESTS, DEMO_TEAM_ACCOUNTS
from tools.demo_requests_data import DEMO_BOARD

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TOKEN_VAR = "RV_E2E_RUN_TOKEN"
PORT_VARS = (
    *(f"{name.upper()}_HTTP_PORT" for name in DEFAULT_PORTS),
    "RV_NATS_PORT",
    "RV_MONGO_PORT",
)


def processes_with(token: str) -> list[int]:
    """Live (non-zombie) processes whose environment carries this run's token."""
    needle = f"{TOKEN_VAR}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    output: Path
    ports: dict[str, int]
    token: str

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['GATEWAY_HTTP_PORT']}"

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[Any]:
    """Start `up` in tmp_path; whatever happens, nothing it started outlives the test."""
    runs: list[Up] = []

    def start(**extra_env: str) -> Up:
        token = secrets.token_hex(8)
        ports = {var: free_port() for var in PORT_VARS}
        # Embedded servers on our ports, not whatever servers the session was given.
        env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "MONGO_URL")}
        env.update({var: str(port) for var, port in ports.items()})
        env.update(
            SUBDISTRICT="quantang",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            **{TOKEN_VAR: token},
        )
        env.update(extra_env)
        output = tmp_path / f"up-{len(runs)}.out"
        with output.open("wb") as out:  # a file, not a pipe: a full pipe would block `up`
            process = subprocess.Popen(
                [sys.executable, "-m", "tools.up"],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our SIGINT goes to `up` alone, as a terminal's would
            )
        runs.append(Up(process, output, ports, token))
        return runs[-1]

    try:
        yield start
    finally:
        for run in runs:
            # Ask first, so `up` stops and reaps its children itself; then force.
            if run.process.poll() is None:
                run.process.send_signal(signal.SIGINT)
                try:
                    run.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(run.process.pid, signal.SIGKILL)
            for pid in processes_with(run.token):  # the servers run in sessions of their own
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            run.process.wait(timeout=10)


async def wait_for_banner(up: Up, within: float = 90.0) -> None:
    async def probe() -> str:
        return up.text()

    def done(text: str) -> bool:
        return READY_LINE in text or up.process.poll() is not None

    await eventually(probe, done, within=within, what="banner")
    assert up.process.poll() is None, f"`up` exited early:\n{up.tail()}"


def accounts_of(tmp_path: Path) -> dict[str, dict[str, Any]]:
    path = tmp_path / ".data" / "demo-accounts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds passwords
    accounts: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return accounts


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def printed_password(text: str, username: str) -> str:
    """The password the banner's account list shows for `username`."""
    found = re.search(rf"(?m)^    {re.escape(username)} +(\S+)   ", text)
    assert found, f"no password printed for {username}:\n{text}"
    return found.group(1)


def printed_commands(text: str) -> list[str]:
    """The banner's shell commands as printed: from `TOKEN=` or `curl ` at the start of a
    line through every line continued with a backslash."""
    commands: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith(("TOKEN=", "curl ")):
            command = [line]
            while command[-1].endswith("\\"):
                command.append(next(lines))
            commands.append("\n".join(command))
    return commands


async def run_in_bash(script: str) -> str:
    """`script` as a user's shell runs it: fails on the first failing command."""
    # curl honours *_proxy: a proxy must not stand between it and 127.0.0.1.
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        "set -euo pipefail\n" + script,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, f"{script}\n-> {process.returncode}: {err.decode()}"
    return out.decode()


async def test_make_up_serves_demo_data_and_stops_cleanly(start_up: Any, tmp_path: Path) -> None:
    up: Up = start_up()
    await wait_for_banner(up)
    text = up.text()
    assert "requests for Quantang, loaded just now (embedded servers)" in text
    assert "loading demo activities…" in text  # the past year's follow the banner
    assert f"{up.gateway}/docs" in text

    # Every account is in the file and in the banner, with the same password.
    accounts = accounts_of(tmp_path)
    assert set(accounts) == {"admin", *DEMO_COMMUNITY_ADMINS, *DEMO_TEAM_ACCOUNTS}
    assert accounts["admin"]["roles"] == ["subdistrict_admin"]
    for name, account in accounts.items():
        assert printed_password(text, name) == account["password"]

    # The banner's commands work as printed: sign in as quanyun_admin, record a request,
    # read quanyun's inbox, each curl carrying the token.
    login, post, inbox_curl = printed_commands(text)
    password = accounts["quanyun_admin"]["password"]
    assert f'"username": "quanyun_admin", "password": "{password}"' in login
    assert '-H "Authorization: Bearer $TOKEN"' in post
    assert f"curl -sS '{up.gateway}/api/v1/notifications?community_id=quanyun'" in inbox_curl
    assert '-H "Authorization: Bearer $TOKEN"' in inbox_curl
    created = json.loads(await run_in_bash(f"{login}\n{post}"))
    assert created["location"]["community_id"] == "quanyun", created

    async def printed_inbox() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = json.loads(await run_in_bash(f"{login}\n{inbox_curl}"))[
            "items"
        ]
        return items

    items = await eventually(
        printed_inbox,
        lambda got: any(created["title"] in i["zh"]["title"] for i in got),
        within=20,
        what="the banner's request in the banner's inbox",
    )
    assert {i["community_id"] for i in items} == {"quanyun"}

    quanyun = [r for r in DEMO_REQUESTS if r["location"]["community_id"] == "quanyun"]
    async with httpx.AsyncClient(base_url=up.gateway, timeout=5, trust_env=False) as client:
        assert (await client.get("/healthz")).status_code == 200
        # The console the banner points at is the built app, not the how-to-build page.
        console = await client.get("/console/")
        assert console.status_code == 200 and '<div id="app">' in console.text, console.text
        anonymous = await client.get("/api/v1/notifications", params={"community_id": "quanyun"})
        assert anonymous.status_code == 401, anonymous.text
        headers = await sign_in(client, "quanyun_admin", password)
        elsewhere = await client.get(
            "/api/v1/notifications", params={"community_id": "xinggang"}, headers=headers
        )
        assert elsewhere.status_code == 403, elsewhere.text

        # The demo organisation, through the gateway: 20 communities, 惠管家 and its squads.
        admin = await sign_in(client, "admin", accounts["admin"]["password"])
        tree = (await client.get("/api/v1/org/tree", headers=admin)).json()
        assert len(tree["communities"]) == 20, tree
        team = await client.get("/api/v1/teams/huiguanjia", headers=admin)
        assert team.status_code == 200, team.text
        assert len(team.json()["subsquads"]) == 6

        # Notifications come from RequestCreated events, asynchronously: poll.
        async def inbox() -> list[dict[str, Any]]:
            resp = await client.get(
                "/api/v1/notifications",
                params={"community_id": "quanyun", "limit": 100},
                headers=headers,
            )
            items: list[dict[str, Any]] = resp.json()["items"] if resp.status_code == 200 else []
            return items

        items = await eventually(
            inbox, lambda got: len(got) > len(quanyun), within=20, what="demo notifications"
        )
        # Their own inbox (the desk's notices), and the demo volunteer's (the demo's notice to
        # their building, tools/demo_notify.py, and what their activities cause).
        volunteer = await sign_in(
            client, "wulaohong_volunteer", accounts["wulaohong_volunteer"]["password"]
        )
        for reader in (headers, volunteer):
            mine = await eventually(
                lambda reader=reader: client.get("/api/v1/notifications/inbox", headers=reader),
                lambda r: r.status_code == 200 and bool(r.json()["items"]),
                within=20,
                what="notifications in a demo account's own inbox",
            )
            assert mine.json()["items"][0]["zh"]["title"], mine.text

        # The demo calendar: the past year's activities, completed once the load that
        # follows the banner is done (it marks the demo loaded last), and the weeks ahead.
        marker = tmp_path / ".data" / "demo-loaded"

        async def demo_loaded() -> bool:
            return marker.exists() or up.process.poll() is not None

        await eventually(demo_loaded, bool, within=120, what="the demo's activities")
        assert marker.exists(), up.tail()
        completed = await client.get(
            "/api/v1/activities/stats", params={"team_id": "wulaohong"}, headers=admin
        )
        assert completed.status_code == 200, completed.text
        assert completed.json()["totals"]["activities_completed"] >= 280, completed.text
        ahead = await client.get(
            "/api/v1/activities",
            params={"community_id": "xinggang", "starts_from": now_iso(), "limit": 20},
            headers=admin,
        )
        assert ahead.status_code == 200, ahead.text
        shows = [a for a in ahead.json()["items"] if a["activity_type"] == "clapper_talk_show"]
        assert shows and all(a["status"] == "published" for a in shows), ahead.text
        assert any(a["volunteers_confirmed"] for a in shows), ahead.text
        day = next(
            a
            for a in build_activities_demo(datetime.now(UTC)).activities
            if "health-day" in a.activity_id
        )
        health_day = await client.get(f"/api/v1/activities/{day.activity_id}", headers=admin)
        assert health_day.status_code == 200, health_day.text
        assert health_day.json()["status"] == day.occurrence.status, health_day.text
        await check_demo_board(client, admin)
    assert {i["community_id"] for i in items} == {"quanyun"}

    started = processes_with(up.token)
    # supervisor + 5 honcho helpers + 5 processes + nats-server + nx-27017
    assert len(started) >= 13, started

    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=30) == 0, up.tail()
    assert processes_with(up.token) == [], f"left running: {processes_with(up.token)}"
    assert "stopping nats-server" in up.text()


async def check_demo_board(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """The board of requests in its many statuses; the open emergencies fall due at 24:00
    local time of their acceptance (overdue from then on: a load makes today's board) and
    are reminded (催办) at once, as their deadline is nearer than the reminder's lead."""
    resp = await client.get("/api/v1/requests", params={"limit": 100}, headers=admin)
    assert resp.status_code == 200, resp.text
    board = resp.json()["items"]
    statuses = {r["status"] for r in board}
    assert statuses >= {
        "submitted",
        "accepted",
        "returned",
        "dispatched",
        "in_progress",
        "resolved",
        "closed",
        "cancelled",
        "transferred",
    }, statuses
    assert {"duplicate", "not_responsible"} <= {r.get("closed_as") for r in board}
    due_today = {r.body["title"] for r in DEMO_BOARD.requests if r.overdue}
    emergencies = [r for r in board if r["title"] in due_today]
    assert len(emergencies) == len(due_today), due_today
    tz = ZoneInfo("Asia/Shanghai")
    for r in emergencies:
        accepted = datetime.fromisoformat(r["accepted_at"]).astimezone(tz)
        midnight = datetime.combine(accepted.date() + timedelta(days=1), time(0), tzinfo=tz)
        assert datetime.fromisoformat(r["deadline"]) == midnight, r

    overdue = await client.get(
        "/api/v1/requests", params={"overdue": "true", "limit": 100}, headers=admin
    )
    assert overdue.status_code == 200, overdue.text
    for r in overdue.json()["items"]:  # none before midnight, then the emergencies
        assert r["status"] in ("accepted", "dispatched", "in_progress"), r
        assert datetime.fromisoformat(r["deadline"]) < datetime.now(UTC), r

    async def reminded() -> list[dict[str, Any]]:
        resp = await client.get(
            "/api/v1/requests", params={"kind": "emergency", "limit": 100}, headers=admin
        )
        return [r for r in resp.json()["items"] if r["title"] in due_today]

    await eventually(
        reminded,
        lambda got: bool(got) and all(r["reminded_at"] for r in got),
        within=90,
        what="the reminders of the emergencies",
    )


async def test_a_process_dying_at_start_stops_everything(start_up: Any, tmp_path: Path) -> None:
    # An invalid setting makes the requests service exit during start-up.
    up: Up = start_up(REQUESTS_MAX_DELIVER="0")
    assert up.process.wait(timeout=60) == 1, up.tail()
    log = tmp_path / ".data" / "logs" / "requests.log"
    assert f"requests exited with code 1 during start-up; see {log}" in up.text()
    assert "max_deliver" in log.read_text(encoding="utf-8")
    assert processes_with(up.token) == [], f"left running: {processes_with(up.token)}"
    assert not (tmp_path / ".data" / "demo-loaded").exists()


async def test_servers_of_your_own_get_no_demo_data(
    start_up: Any,
    tmp_path: Path,
    nats_url: str,
    mongo_url: str,
    subdistrict: str,
    mongo_client: AsyncMongoClient[dict[str, Any]],
) -> None:
    up: Up = start_up(NATS_URL=nats_url, MONGO_URL=mongo_url, SUBDISTRICT=subdistrict)
    await wait_for_banner(up)
    assert "not loaded: NATS_URL / MONGO_URL name servers of your own" in up.text(), up.tail()
    assert not (tmp_path / ".data" / "demo-loaded").exists()
    requests = mongo_client[database_name(subdistrict, "requests")]["requests"]
    assert await requests.count_documents({}) == 0

    # `admin` is made on the first start all the same (no demo community admins), and works.
    accounts = accounts_of(tmp_path)
    assert set(accounts) == {"admin"}
    assert printed_password(up.text(), "admin") == accounts["admin"]["password"]
    async with httpx.AsyncClient(base_url=up.gateway, timeout=5, trust_env=False) as client:
        await sign_in(client, "admin", accounts["admin"]["password"])

    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=30) == 0, up.tail()
    assert processes_with(up.token) == [], f"left running: {processes_with(up.token)}"

    # Without its password on file, an `admin` that exists in your servers is left alone,
    # and the banner says how to make another.
    (tmp_path / ".data" / "demo-accounts.json").unlink()
    again: Up = start_up(NATS_URL=nats_url, MONGO_URL=mongo_url, SUBDISTRICT=subdistrict)
    await wait_for_banner(again)
    assert "admin: exists already in this MongoDB" in again.text(), again.tail()
    assert "python -m services.gateway create-admin --username NAME" in again.text()
    assert not (tmp_path / ".data" / "demo-accounts.json").exists()

    again.process.send_signal(signal.SIGINT)
    assert again.process.wait(timeout=30) == 0, again.tail()
    assert processes_with(again.token) == [], f"left running: {processes_with(again.token)}"
