"""One supervisor for every RedVest process, built on honcho's Python API.

honcho's `Manager.loop()` runs in the main thread: it starts each process in its own
session, prints their output with a coloured `name |` prefix, turns SIGINT/SIGTERM into
SIGTERM for every process group (SIGKILL after 5 s), and stops all of them as soon as one
exits. We add: a copy of each process's output in `logs/<name>.log`, a watcher thread that
waits for every /healthz/ready and then runs `on_ready` (demo data, banner), and a note of
why the run ended, so `up` can exit non-zero with a pointer to the right log.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import honcho.manager
import httpx
from honcho.manager import Manager
from honcho.printer import Message, Printer

# honcho kills a process 5 s after asking it to stop; the services drain in-flight work for
# up to their graceful timeout (20 s by default), so give them that long, plus a margin.
honcho.manager.KILL_WAIT = 25

READY_POLL = 0.2  # seconds between readiness probes


class TeePrinter(Printer):  # type: ignore[misc]  # honcho ships no type hints
    """honcho's printer, plus every line appended to `<log_dir>/<name>.log`.

    A lock keeps the banner (printed from the watcher thread) from interleaving with the
    lines the main thread prints.
    """

    def __init__(self, output: IO[str], log_dir: Path) -> None:
        super().__init__(output)
        self.log_dir = log_dir
        self._lock = threading.Lock()
        self._files: dict[str, IO[bytes]] = {}

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def write(self, message: Any) -> None:
        with self._lock:
            super().write(message)
            data = message.data
            raw = data if isinstance(data, bytes) else data.encode()
            name = message.name or "system"
            if name not in self._files:
                self._files[name] = self.log_path(name).open("ab")
            self._files[name].write(raw)
            self._files[name].flush()

    def plain(self, text: str) -> None:
        """Print without prefix, so the banner's curl lines can be pasted as they are."""
        with self._lock:
            print(text, file=self.output, flush=True)

    def close(self) -> None:
        with self._lock:
            for f in self._files.values():
                f.close()
            self._files.clear()


class Supervisor(Manager):  # type: ignore[misc]
    def __init__(
        self,
        printer: TeePrinter,
        ready_urls: dict[str, str],
        on_ready: Callable[[], None],
        ready_timeout: float,
    ) -> None:
        super().__init__(printer)
        self.printer = printer
        self.ready_urls = ready_urls
        self.on_ready = on_ready
        self.ready_timeout = ready_timeout
        self.stopping = threading.Event()
        self.became_ready = False
        # Why the run ended badly, for the exit message; None = stopped on request.
        self.failure: str | None = None

    def say(self, text: str) -> None:
        self.printer.write(
            Message(type="line", data=text + "\n", time=datetime.datetime.now(),
                    name="system", colour=None)
        )  # fmt: skip

    def _start(self) -> None:
        # honcho forks one helper per process here; start our thread only afterwards,
        # so no fork copies a thread that may be holding a lock.
        super()._start()
        threading.Thread(target=self._watch, name="ready-watcher", daemon=True).start()

    def terminate(self) -> None:
        if not self.stopping.is_set():
            self.stopping.set()
            # honcho calls terminate() right after it records an exit; a process that has
            # already exited before anyone asked for a stop is the cause.
            dead = {n: p["returncode"] for n, p in self._processes.items() if "returncode" in p}
            if dead and self.failure is None:
                name, code = next(iter(dead.items()))
                when = "while running" if self.became_ready else "during start-up"
                self.failure = (
                    f"{name} exited with code {code} {when}; see {self.printer.log_path(name)}"
                )
        super().terminate()

    def _fail(self, reason: str) -> None:
        self.failure = reason
        # terminate() reads every pid; they arrive as queue messages, so wait for them.
        deadline = time.monotonic() + 10
        while not self._all_started() and time.monotonic() < deadline:
            time.sleep(READY_POLL)
        self.terminate()

    def _watch(self) -> None:
        pending = dict(self.ready_urls)
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while pending:
                if self.stopping.is_set():
                    return
                for name, url in list(pending.items()):
                    try:
                        if client.get(url).status_code == 200:
                            del pending[name]
                            self.say(f"{name} is ready")
                    except httpx.TransportError:
                        pass  # not listening yet
                if pending and time.monotonic() > deadline:
                    logs = ", ".join(str(self.printer.log_path(n)) for n in sorted(pending))
                    self._fail(
                        f"not ready within {self.ready_timeout:.0f} s: "
                        f"{', '.join(sorted(pending))}; see {logs}"
                    )
                    return
                if pending:
                    self.stopping.wait(READY_POLL)
        self.became_ready = True
        try:
            self.on_ready()
        except Exception as exc:  # demo data or banner failed: say so, stop cleanly
            if not self.stopping.is_set():  # a Ctrl-C mid-load is not a failure
                self._fail(f"after start-up: {exc}")
