"""`make up`: the whole RedVest system on one machine, no Docker.

    python -m tools.up          (run from the repository root)

State lives in ./.data (nats/, mongo/, logs/) and is kept across runs. NATS and MongoDB
are started embedded unless NATS_URL / MONGO_URL are given. Ports: RV_NATS_PORT (4222),
RV_MONGO_PORT (27017), <NAME>_HTTP_PORT for each process (GATEWAY_HTTP_PORT=8000, ...).
SUBDISTRICT defaults to quantang.

Demo data (tools/demo_data.py, tools/demo_registry_data.py, tools/demo_activities_data.py) is
loaded once per data folder (the past year of activities after the banner; the folder is
marked loaded only once they are in), and only when both NATS and MongoDB are the embedded
ones: servers named by NATS_URL / MONGO_URL may hold real data, which must not get invented
people and requests. RV_DEMO=1 loads it anyway, RV_DEMO=0 never.

Accounts: every API route needs a signed-in caller. On the first start of a data folder
`up` creates the subdistrict_admin `admin` with the gateway's own CLI (straight into the
gateway's database, so before the gateway runs), and, when the demo data is wanted, one
community_admin per demo community through the API (as `admin`) once the gateway answers;
once the demo is loaded, its team leaders and a volunteer (DEMO_TEAM_ACCOUNTS in
tools/demo_data.py: a volunteer's account names a member the load registered).
Their generated passwords go in .data/demo-accounts.json (mode 0600), and the banner prints
them on every start: a local demo stack. An `admin` that already exists in servers named by
MONGO_URL is left alone; the banner says how to make another.

The launcher and supervisor plumbing lives in shared/embedded/; this entry point and the
demo data live here, in tools/, so that shared/ holds no demo content.

A port that is already taken is an error, not a reason to pick another: the banner, the
docs and every service's defaults name these ports, and a taken 4222/27017 is most often
an earlier `make up` still running, which the user should know about.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shlex
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO

from shared.embedded.banner import banner
from shared.embedded.processes import DEFAULT_PORTS, SERVICES, ProcessSpec, process_spec
from shared.embedded.servers import RunningServer, ServerStartError, start_mongo, start_nats
from shared.embedded.supervisor import Supervisor, TeePrinter
from tools.admin import CreateAdminFailed, create_admin
from tools.demo import (
    ACCOUNTS_FILE,
    Accounts,
    create_community_admins,
    create_team_accounts,
    load_demo,
    read_accounts,
    write_accounts,
)
from tools.demo_data import DEMO_COMMUNITY_ADMINS, DEMO_TEAM_ACCOUNTS

PROCESSES = (*SERVICES, "gateway")
# A development stack: the gateway may start with the public development JWT secret and the
# registry with the public development ID key (each refuses to otherwise); a
# GATEWAY_JWT_SECRET or REGISTRY_ID_KEY in the environment is still used instead. Loading
# the demo makes ~400 calls as `admin` within seconds: more than a person's 300 a minute.
DEV_ENV = {
    "gateway": {
        "GATEWAY_ALLOW_DEV_SECRET": "1",
        "GATEWAY_RATE_LIMIT_PER_ACCOUNT": os.environ.get(
            "GATEWAY_RATE_LIMIT_PER_ACCOUNT", "3000/minute"
        ),
    },
    "registry": {"REGISTRY_ALLOW_DEV_SECRET": "1"},
    # The demo board is loaded in one sitting: its follow-ups (回访) are taken the same day,
    # so closed and reopened requests show at once. A deployment keeps the next-day rule.
    "requests": {
        "REQUESTS_FOLLOW_UP_FROM_NEXT_DAY": os.environ.get("REQUESTS_FOLLOW_UP_FROM_NEXT_DAY", "0")
    },
}
NATS_PORT, MONGO_PORT = 4222, 27017
READY_TIMEOUT = 90.0  # seconds for every process to answer /healthz/ready (cold start ~5 s)
ADMIN = "admin"  # the subdistrict_admin `up` creates, and signs in as for the demo data


class UpError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 1."""


def main() -> int:
    data = Path.cwd() / ".data"
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    # Interrupted start-up must still stop what has started: SIGTERM would otherwise kill
    # us without running the clean-up. honcho installs its own handlers once it runs.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with _exclusive(data), contextlib.ExitStack() as stack:
            return _run(data, logs, stack)
    except UpError as exc:
        print(f"make up: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("make up: interrupted during start-up; everything started is stopped")
        return 130


def _run(data: Path, logs: Path, stack: contextlib.ExitStack) -> int:
    subdistrict = os.environ.get("SUBDISTRICT", "quantang")
    ports = {
        name: _env_port(f"{name.upper()}_HTTP_PORT", DEFAULT_PORTS[name]) for name in PROCESSES
    }
    nats_url = os.environ.get("NATS_URL")
    mongo_url = os.environ.get("MONGO_URL")
    load, why = demo_wanted(os.environ.get("RV_DEMO"), embedded=not nats_url and not mongo_url)
    wanted = dict(ports)
    if not nats_url:
        wanted["nats-server"] = _env_port("RV_NATS_PORT", NATS_PORT)
    if not mongo_url:
        wanted["nx-27017"] = _env_port("RV_MONGO_PORT", MONGO_PORT)
    _check_ports(wanted)

    try:
        if not nats_url:
            nats = start_nats(data / "nats", wanted["nats-server"], log_file=logs / "nats.log")
            stack.callback(_stop, nats)
            nats_url = nats.url
        if not mongo_url:
            mongo = start_mongo(
                data / "mongo",
                wanted["nx-27017"],
                log_file=logs / "mongo.log",
                pid_file=logs / "mongo.pid",
            )
            stack.callback(_stop, mongo)
            mongo_url = mongo.url
    except (ServerStartError, FileNotFoundError) as exc:
        raise UpError(str(exc)) from exc

    accounts_file = data / ACCOUNTS_FILE.name
    accounts = _read_accounts(accounts_file)
    account_notes: list[str] = []
    if ADMIN not in accounts:  # the first start of this data folder
        env = {"MONGO_URL": mongo_url, "SUBDISTRICT": subdistrict}
        if not _create_first_admin(env, accounts_file, accounts):
            account_notes += [
                f"{ADMIN}: exists already in this MongoDB; its password is not in "
                f"{accounts_file.name}. Make another subdistrict_admin",
                f"  (the same MONGO_URL, SUBDISTRICT={subdistrict}; prints a new password):",
                "  .venv/bin/python -m services.gateway create-admin --username NAME",
            ]

    specs = [
        process_spec(
            n,
            nats_url=nats_url,
            mongo_url=mongo_url,
            subdistrict=subdistrict,
            port=p,
            extra_env=DEV_ENV.get(n),
        )
        for n, p in ports.items()
    ]
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    printer = TeePrinter(sys.stdout, logs)
    stack.callback(printer.close)

    def on_ready() -> None:
        marker = data / "demo-loaded"
        admin_password = accounts.get(ADMIN, {}).get("password")
        if load and admin_password and set(DEMO_COMMUNITY_ADMINS) - set(accounts):
            created_accounts, taken = create_community_admins(
                gateway,
                username=ADMIN,
                password=admin_password,
                skip=set(accounts),
                say=supervisor.say,
            )
            accounts.update(created_accounts)
            write_accounts(accounts_file, accounts)
            account_notes.extend(
                f"{name}: exists already; its password is not in {accounts_file.name}"
                for name in taken
            )
        loaded = None
        if not load:
            note = f"not loaded: {why}"
        elif marker.exists():
            note = "loaded on an earlier start (remove .data to start afresh)"
        elif not admin_password:
            note = f"not loaded: signing in needs the password of {ADMIN!r} ({why})"
        else:
            supervisor.say(f"loading demo data through the gateway ({why})")
            # The past year's activities (~1000 calls, the longest part) follow the banner.
            loaded = load_demo(
                gateway,
                say=supervisor.say,
                username=ADMIN,
                password=admin_password,
                history_later=True,
            )
            note = f"{loaded.summary()}, loaded just now ({why})"
            if loaded.history is not None:
                note += "; loading demo activities… (the past year's, after this banner)"
        registered = marker.exists() or loaded is not None
        if load and admin_password and registered and set(DEMO_TEAM_ACCOUNTS) - set(accounts):
            # After the load: a volunteer's account names a member the load registered.
            created_accounts, taken = create_team_accounts(
                gateway,
                username=ADMIN,
                password=admin_password,
                skip=set(accounts),
                say=supervisor.say,
            )
            accounts.update(created_accounts)
            write_accounts(accounts_file, accounts)
            account_notes.extend(
                f"{name}: exists already; its password is not in {accounts_file.name}"
                for name in taken
            )
        printer.plain(
            banner(
                gateway=gateway,
                nats_url=nats_url,
                mongo_url=mongo_url,
                data_dir=data,
                subdistrict=subdistrict,
                demo_note=note,
                accounts=_read_accounts(accounts_file),
                accounts_file=accounts_file,
                account_notes=account_notes,
            )
        )
        if loaded is not None:
            if loaded.history is not None:
                loaded.history()
                supervisor.say(f"demo: loaded: {loaded.summary()}")
            # Done only now: an interrupted load is made again (and completed) next time.
            marker.write_text("\n".join(str(c.get("id", c)) for c in loaded.requests) + "\n")

    supervisor = Supervisor(printer, {s.name: s.ready_url for s in specs}, on_ready, READY_TIMEOUT)
    for spec in specs:
        supervisor.add_process(spec.name, _command(spec), env=spec.env)
    supervisor.loop()  # returns once every process has stopped

    if supervisor.failure:
        raise UpError(f"{supervisor.failure}\nstopped everything.")
    return 0


def demo_wanted(setting: str | None, *, embedded: bool) -> tuple[bool, str]:
    """Whether to load the demo data, and why (for the banner).

    `embedded`: both NATS and MongoDB are the ones `up` started (no NATS_URL / MONGO_URL).
    """
    if setting == "1":
        return True, "RV_DEMO=1"
    if setting == "0":
        return False, "RV_DEMO=0"
    if setting:
        raise UpError(f"RV_DEMO={setting!r}: use 1 (load the demo data) or 0 (do not)")
    if embedded:
        return True, "embedded servers"
    return False, "NATS_URL / MONGO_URL name servers of your own"


def _read_accounts(path: Path) -> Accounts:
    try:
        return read_accounts(path)
    except (ValueError, OSError) as exc:
        raise UpError(f"{path}: {exc} (remove it to have the accounts made afresh)") from exc


def _create_first_admin(env: dict[str, str], accounts_file: Path, accounts: Accounts) -> bool:
    """Create `admin` with the gateway's CLI and keep its password; False if it exists."""
    password = secrets.token_urlsafe(12)
    try:
        create_admin(env, ADMIN, password)
    except CreateAdminFailed as exc:
        if exc.taken:
            return False
        raise UpError(f"could not create the account {ADMIN!r}:\n{exc.output or exc}") from exc
    accounts[ADMIN] = {"password": password, "roles": ["subdistrict_admin"], "communities": []}
    write_accounts(accounts_file, accounts)
    print(f"created the subdistrict_admin {ADMIN!r} (password in {accounts_file})", flush=True)
    return True


def _command(spec: ProcessSpec) -> str:
    # honcho runs commands through `sh -c`; `exec` makes the service the process whose
    # pid honcho reports and signals, with no shell in between.
    return "exec " + shlex.join(spec.argv)


def _stop(server: RunningServer) -> None:
    print(f"stopping {server.name} (pid {server.pid})", flush=True)
    server.stop()


def _env_port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise UpError(f"{name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise UpError(f"{name}={port} is not a port number")
    return port


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the servers themselves do: a socket in TIME_WAIT does not count as taken.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _check_ports(wanted: dict[str, int]) -> None:
    taken = [f"  {name}: port {port}" for name, port in wanted.items() if _port_taken(port)]
    if taken:
        raise UpError(
            "these ports are already in use (an earlier `make up` still running?):\n"
            + "\n".join(taken)
            + "\nstop whatever holds them, or choose others: RV_NATS_PORT, RV_MONGO_PORT, "
            "<NAME>_HTTP_PORT (e.g. GATEWAY_HTTP_PORT), or NATS_URL / MONGO_URL for "
            "servers you already run."
        )


@contextlib.contextmanager
def _exclusive(data: Path) -> Iterator[IO[str]]:
    # Two `make up` in one folder would run two servers on one data store: refuse.
    handle: IO[str] = (data / "up.lock").open("w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpError(f"another `make up` is already using {data}") from None
        yield handle
    finally:
        handle.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
