"""End-to-end latency of one slice: POST /api/v1/requests on the gateway (as a
signed-in subdistrict_admin, bearer token on every call) -> RPC -> requests
service stores the request with its RequestCreated in the embedded outbox -> relay publishes
to JetStream -> notify's durable consumer -> notification stored in notify's database.

Requests go out at a steady rate on a fixed schedule (request i at t0 + i/rate, whatever the
earlier ones are doing). One poller task scans notify's `notifications` collection every
POLL_INTERVAL_S and timestamps the first sight of each notification, matched on the unique
title of its request. Besides that end-to-end figure it records, per request, the times the
system stamped itself (request `submitted_at`, the JetStream storage time of the event,
notification `created_at`), so the total splits into stages. All clocks are this machine's.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.errors

from bench.cleanup import drop_subdistrict
from shared.contracts.subjects import database_name, events_filter, events_stream
from shared.embedded.processes import process_spec
from shared.embedded.servers import free_port
from shared.store.client import make_client
from tools.admin import create_admin, sign_in

POLL_INTERVAL_S = 0.010
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
SETTLE_TIMEOUT_S = 30.0  # after the last send, how long to wait for missing notifications
WARMUP_REQUESTS = 5
TITLE_PREFIX = "新诉求："  # what notify puts before the request's title (services/notify/domain)
SLICE = ("requests", "notify", "gateway")
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Sample:
    index: int
    title: str
    scheduled: float  # wall clock, s
    sent: float = 0.0
    responded: float = 0.0
    status: int = 0
    submitted_at: float | None = None  # requests service's handler (its clock = ours)
    stream_at: float | None = None  # JetStream stored the RequestCreated
    created_at: float | None = None  # notify's handler built the notification
    seen: float | None = None  # our poller first saw the stored notification


@dataclass
class SliceResult:
    requests: int
    rate: float
    samples: list[Sample] = field(default_factory=list)
    startup_s: dict[str, float] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)


class Processes:
    """The slice's processes, started in order and always stopped (SIGTERM, then SIGKILL)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}
        self.ports: dict[str, int] = {}

    async def start(self, name: str, nats_url: str, mongo_url: str, subdistrict: str) -> float:
        spec = process_spec(
            name,
            nats_url=nats_url,
            mongo_url=mongo_url,
            subdistrict=subdistrict,
            port=free_port(),
            # Stop promptly at the end; nothing is in flight by then.
            # The gateway refuses the public development JWT secret unless allowed.
            extra_env={f"{name.upper()}_GRACEFUL_TIMEOUT_S": "5", "GATEWAY_ALLOW_DEV_SECRET": "1"},
        )
        log_path = self.log_dir / f"{name}.log"
        self.logs[name] = log_path
        self.ports[name] = spec.port
        started = time.monotonic()
        self.running[name] = self._spawn(spec.argv, spec.env, log_path)
        process = self.running[name]
        deadline = started + READY_TIMEOUT_S
        async with httpx.AsyncClient(trust_env=False, timeout=1.0) as client:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode} during start-up; "
                        f"last lines of {log_path}:\n{_tail(log_path)}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(spec.ready_url)).status_code == 200:
                        return time.monotonic() - started
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{name} not ready within {READY_TIMEOUT_S:.0f} s:\n{_tail(log_path)}")

    @staticmethod
    def _spawn(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
        with log_path.open("ab") as out:
            return subprocess.Popen(
                argv,
                env=env,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches us, and we stop them in order
            )

    def stop_all(self) -> None:
        # Gateway first (no new commands), then the services.
        order: list[str] = [n for n in ("gateway", "requests", "notify") if n in self.running]
        order += [n for n in self.running if n not in order]
        for name in order:
            process = self.running[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for name in order:
            process = self.running[name]
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _ts(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    return None


async def run_slice(
    nats_url: str, mongo_url: str, log_dir: Path, *, requests: int = 200, rate: float = 20.0
) -> SliceResult:
    subdistrict = f"bench_slice_{secrets.token_hex(3)}"
    run = secrets.token_hex(3)
    community = f"bench-{run}"
    result = SliceResult(requests, rate)
    processes = Processes(log_dir)
    mongo = make_client(mongo_url)
    try:
        for name in SLICE:  # services before the gateway, as `make up` does
            result.startup_s[name] = await processes.start(name, nats_url, mongo_url, subdistrict)
        result.logs = {name: str(path) for name, path in processes.logs.items()}
        notifications = mongo[database_name(subdistrict, "notify")]["notifications"]
        gateway = f"http://127.0.0.1:{processes.ports['gateway']}"
        # Every API route needs a signed-in caller: a subdistrict_admin, as `make up` makes.
        password = secrets.token_urlsafe(12)
        env = {"MONGO_URL": mongo_url, "SUBDISTRICT": subdistrict}
        await asyncio.to_thread(create_admin, env, "bench_admin", password)
        async with httpx.AsyncClient(
            base_url=gateway,
            trust_env=False,  # never through an HTTP proxy from the environment
            timeout=httpx.Timeout(10.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        ) as client:
            # One token for the run (15 min by default; a run takes well under that).
            client.headers.update(await sign_in(client, "bench_admin", password))
            # Warm-up, not measured: first connections, first consumer fetch, code paths.
            warm = [Sample(-1 - i, f"预热 #{i} {run}", time.time()) for i in range(WARMUP_REQUESTS)]
            await _measure(client, notifications, community, warm, rate=rate)
            samples = [Sample(i, f"楼道灯坏了 #{i} {run}", 0.0) for i in range(requests)]
            await _measure(client, notifications, community, samples, rate=rate)
        result.samples = samples
        await _stream_times(nats_url, subdistrict, samples)
    finally:
        await asyncio.to_thread(processes.stop_all)
        await mongo.close()
        await drop_subdistrict(nats_url, mongo_url, subdistrict, SLICE)
    return result


async def _measure(
    client: httpx.AsyncClient,
    notifications: Any,
    community: str,
    samples: list[Sample],
    *,
    rate: float,
) -> None:
    by_title = {TITLE_PREFIX + s.title: s for s in samples}
    missing = set(by_title)
    stop = asyncio.Event()
    watermark: list[datetime | None] = [None]

    async def poller() -> None:
        while not stop.is_set():
            query: dict[str, Any] = {"community_id": community}
            if watermark[0] is not None:
                query["created_at"] = {"$gte": watermark[0]}
            # Project "zh", not "zh.title": nx-27017 0.8.1 returns a dotted projection as a
            # flat "zh.title" key instead of a nested document.
            docs = await notifications.find(query, {"zh": 1, "created_at": 1}).to_list()
            now = time.time()
            for doc in docs:
                title = (doc.get("zh") or {}).get("title")
                sample = by_title.get(title) if isinstance(title, str) else None
                if sample is not None and sample.seen is None:
                    sample.seen = now
                    sample.created_at = _ts(doc.get("created_at"))
                    missing.discard(title)
            # Only newer ones next time; a 1 s margin covers clock steps and ties.
            if docs and len(missing) < len(by_title):
                newest = max(d["created_at"] for d in docs if d.get("created_at"))
                candidate = newest.timestamp() - 1.0
                watermark[0] = datetime.fromtimestamp(candidate, tz=newest.tzinfo)
            if not missing:
                return
            await asyncio.sleep(POLL_INTERVAL_S)

    async def send(sample: Sample, at_loop: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, at_loop - loop.time()))
        body = {
            "kind": "repair",
            "title": sample.title,
            "location": {"community_id": community},
        }
        sample.sent = time.time()
        try:
            response = await client.post("/api/v1/requests", json=body)
        except httpx.HTTPError:
            sample.status = -1
            sample.responded = time.time()
            missing.discard(TITLE_PREFIX + sample.title)
            return
        sample.responded = time.time()
        sample.status = response.status_code
        if response.status_code == 201:
            sample.submitted_at = _ts(response.json().get("submitted_at"))
        else:
            missing.discard(TITLE_PREFIX + sample.title)

    loop = asyncio.get_running_loop()
    poll_task = asyncio.create_task(poller())
    start_loop, start_wall = loop.time() + 0.05, time.time() + 0.05
    for i, s in enumerate(samples):
        s.scheduled = start_wall + i / rate
    senders = [asyncio.create_task(send(s, start_loop + i / rate)) for i, s in enumerate(samples)]
    await asyncio.gather(*senders)
    try:
        await asyncio.wait_for(asyncio.shield(poll_task), SETTLE_TIMEOUT_S)
    except TimeoutError:
        pass
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await poll_task


async def _stream_times(nats_url: str, subdistrict: str, samples: list[Sample]) -> None:
    """After the run: when JetStream stored each RequestCreated (read with an ephemeral
    consumer that does not touch notify's durable one)."""
    import json

    by_title = {s.title: s for s in samples}
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        psub = await js.pull_subscribe(
            events_filter(subdistrict, "requests"), stream=events_stream(subdistrict)
        )
        while True:
            try:
                msgs = await psub.fetch(100, timeout=1.0)
            except nats.errors.TimeoutError:
                break
            for msg in msgs:
                event = json.loads(msg.data)
                sample = by_title.get(event.get("data", {}).get("title"))
                if sample is not None:
                    sample.stream_at = msg.metadata.timestamp.timestamp()
                await msg.ack()
        await psub.unsubscribe()
    finally:
        await nc.close()
