"""Load the demo data through the gateway's public API, as a client would: the registry's
organisation, people, teams and paper-record hours (tools/demo_registry.py), the teams' year
of activities (tools/demo_activities.py), then the board of residents' requests and
micro-wishes (tools/demo_requests.py), then a few members' notification preferences and a
notice to one building (tools/demo_notify.py).

Going through HTTP (not straight into MongoDB) exercises the whole path: gateway →
services → outbox → JetStream → notify, so the inbox fills up as in real use.

    python -m tools.demo --gateway http://127.0.0.1:8000 --username admin --password ...

It signs in first (every API route but login needs a token) as a subdistrict_admin. Without
--password it takes the account's password from .data/demo-accounts.json, where `make up`
keeps its accounts.

A POST is never repeated once it may have reached the gateway: a 502/503/504 (or a lost
answer) can follow a command that was recorded, and repeating it would record the request
twice. Only a connection that could not be made at all is tried again (and a 429, refused
before anything ran). Before the first POST to a service, a read-only call through the
gateway (safe to repeat) waits until the service answers its NATS subject, which can be a
moment after /healthz/ready.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tools.demo_activities import load_activities, plan_activities, record_history
from tools.demo_activities_data import ActivitiesDemo, build_activities_demo
from tools.demo_data import DEMO_COMMUNITY_ADMINS, DEMO_REQUESTS, DEMO_TEAM_ACCOUNTS
from tools.demo_http import DemoLoadError, client, refused, send_once, sign_in, wait_until
from tools.demo_notify import DEMO_NOTIFY, NotifyDemo, load_notify
from tools.demo_registry import load_registry
from tools.demo_registry_data import DEMO_REGISTRY, RegistryDemo
from tools.demo_requests import load_requests
from tools.demo_requests_data import DEMO_BOARD, RequestsDemo

# A request id that never exists: GET answers 404 once the requests service answers.
PROBE_PATH = "/api/v1/requests/demo-readiness-probe"
# `make up`'s accounts and their passwords (a local demo stack), relative to its folder.
ACCOUNTS_FILE = Path(".data") / "demo-accounts.json"

Accounts = dict[str, dict[str, Any]]  # username -> {"password", "roles", "communities", ...}


@dataclass
class Loaded:
    requests: list[dict[str, Any]] = field(default_factory=list)
    registry: dict[str, int] = field(default_factory=dict)  # what -> how many
    activities: dict[str, int] = field(default_factory=dict)  # what -> how many
    board: dict[str, int] = field(default_factory=dict)  # status (wish_<status>) -> how many
    notify: dict[str, int] = field(default_factory=dict)  # preferences, notices -> how many
    # The past year's activities, when load_demo was asked to leave them for later: call it.
    history: Callable[[], None] | None = None

    def summary(self) -> str:
        r, a = self.registry, self.activities
        made = (
            f"{r.get('community', 0)} communities, {r.get('member', 0)} members, "
            f"{r.get('team', 0)} teams; "
            if r
            else ""
        )
        done = f"{a['completed']} completed activities; " if a.get("completed") else ""
        wishes = f"{self.board['wish']} micro-wishes, " if self.board.get("wish") else ""
        return f"{made}{done}{wishes}{len(self.requests)} requests for Quantang"


def load_demo(
    gateway: str,
    requests: list[dict[str, Any]] | tuple[()] = (),
    say: Callable[[str], None] = print,
    transport: httpx.BaseTransport | None = None,
    *,
    username: str,
    password: str,
    registry: RegistryDemo | None = DEMO_REGISTRY,
    activities: Callable[[datetime], ActivitiesDemo] | None = build_activities_demo,
    board: RequestsDemo | None = DEMO_BOARD,
    notify: NotifyDemo | None = DEMO_NOTIFY,
    history_later: bool = False,
) -> Loaded:
    """Sign in, load the registry's demo (unless None) and then the activities' demo, the
    board of requests and micro-wishes, and notify's preferences and notice (each unless
    None; all name the registry's members), then POST each of `requests` as it is (plain
    bodies, left submitted). With `history_later`, the past year's activities (most of the
    calls) are left to `Loaded.history`. Raises DemoLoadError."""
    loaded = Loaded()
    member_ids: dict[str, str] = {}
    with client(gateway, transport) as http:
        http.headers.update(sign_in(http, username, password))
        if registry is not None:
            loaded.registry, member_ids = load_registry(http, registry, say)
            if activities is not None:
                demo = activities(datetime.now(UTC))
                if not history_later:
                    loaded.activities = load_activities(http, demo, member_ids, say)
                else:
                    made, past = plan_activities(http, demo, member_ids, say)
                    loaded.activities = dict(made)

                    def history() -> None:
                        with client(gateway, transport) as later:
                            later.headers.update(sign_in(later, username, password))
                            done = record_history(later, past, member_ids, say)
                            loaded.activities.update(done)

                    loaded.history = history
        wait_until(http, PROBE_PATH, _requests_answers, "requests")
        if registry is not None and board is not None:
            missing = board.members() - set(member_ids)
            if missing:  # a registry demo other than the one the board was written for
                say(f"demo: no requests board: the registry's demo lacks {sorted(missing)[:3]}")
            else:
                views, counts = load_requests(http, board, member_ids, say)
                loaded.requests += views
                loaded.board = dict(counts)
        if registry is not None and notify is not None:
            missing = notify.members() - set(member_ids)
            if missing:
                say(f"demo: no notify demo: the registry's demo lacks {sorted(missing)[:3]}")
            else:
                loaded.notify = load_notify(http, notify, member_ids, say)
        for body in requests:
            what = f"POST /api/v1/requests ({body['title']})"
            resp = send_once(http, "POST", "/api/v1/requests", body, what)
            if resp.status_code != 201:
                raise DemoLoadError(refused(what, resp))
            loaded.requests.append(resp.json())
            say(f"demo: {body['location']['community_id']}: {body['title']}")
    return loaded


def _requests_answers(resp: httpx.Response) -> bool:
    return resp.status_code == 404 and "demo-readiness-probe" in resp.text


def create_community_admins(
    gateway: str,
    *,
    username: str,
    password: str,
    skip: set[str] | frozenset[str] = frozenset(),
    say: Callable[[str], None] = print,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Accounts, list[str]]:
    """Create a community_admin for each demo community (except those in `skip`), signed in
    as `username` (a subdistrict_admin), each with a generated password.

    Returns the accounts created, and the usernames that were already taken (their
    passwords are someone else's to know). Raises DemoLoadError.
    """
    wanted = {
        name: {"display_name": display_name, "roles": ["community_admin"], "communities": [c]}
        for name, (display_name, c) in DEMO_COMMUNITY_ADMINS.items()
        if name not in skip
    }
    with client(gateway, transport) as http:
        http.headers.update(sign_in(http, username, password))
        return _create_accounts(http, wanted, say)


def create_team_accounts(
    gateway: str,
    *,
    username: str,
    password: str,
    skip: set[str] | frozenset[str] = frozenset(),
    say: Callable[[str], None] = print,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Accounts, list[str]]:
    """Create the demo's team leaders and volunteer (DEMO_TEAM_ACCOUNTS, except `skip`),
    once the registry's demo is loaded: a volunteer account names its member's id, found
    by the member's name in their community. Returns as create_community_admins."""
    people = {p.key: p for p in DEMO_REGISTRY.people}
    with client(gateway, transport) as http:
        http.headers.update(sign_in(http, username, password))
        wanted: dict[str, dict[str, Any]] = {}
        for name, (display_name, role, scope) in DEMO_TEAM_ACCOUNTS.items():
            if name in skip:
                continue
            account: dict[str, Any] = {"display_name": display_name, "roles": [role]}
            if role == "volunteer":
                member_id = _member_id(http, people[scope].name, people[scope].home)
                if member_id is None:  # e.g. a data folder loaded before the registry's demo
                    say(f"demo: {name!r} not created: its member {scope} is not registered")
                    continue
                account["member_id"] = member_id
            else:
                account["teams"] = [scope]
            wanted[name] = account
        return _create_accounts(http, wanted, say)


def _member_id(http: httpx.Client, name: str, home: dict[str, str]) -> str | None:
    # Demo names are unique and none starts another, so the prefix finds one member.
    params = {"community_id": home["community_id"], "name_prefix": name, "status": "active"}
    resp = http.get("/api/v1/members", params=params)
    if resp.status_code != 200:
        raise DemoLoadError(f"GET /api/v1/members -> {resp.status_code}: {resp.text}")
    items = resp.json().get("items", [])
    return str(items[0]["id"]) if len(items) == 1 else None


def _create_accounts(
    http: httpx.Client, wanted: dict[str, dict[str, Any]], say: Callable[[str], None]
) -> tuple[Accounts, list[str]]:
    created: Accounts = {}
    taken: list[str] = []
    for name, account in wanted.items():
        body = {"username": name, "password": secrets.token_urlsafe(12), **account}
        what = f"POST /api/v1/users ({name})"
        resp = send_once(http, "POST", "/api/v1/users", body, what)
        if resp.status_code == 409:
            taken.append(name)
            continue
        if resp.status_code != 201:
            raise DemoLoadError(refused(what, resp))
        created[name] = {k: v for k, v in body.items() if k not in ("username", "display_name")}
        created[name].setdefault("communities", [])
        scope = ", ".join(account.get("communities") or account.get("teams") or ["a member"])
        say(f"demo: created {account['roles'][0]} {name!r} for {scope}")
    return created, taken


def read_accounts(path: Path) -> Accounts:
    """The accounts file `make up` keeps; {} if there is none yet."""
    try:
        accounts: Accounts = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return accounts


def write_accounts(path: Path, accounts: Accounts) -> None:
    """Replace the file at once, readable by its owner alone (it holds passwords)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # in case a stale .tmp had other bits
        json.dump(accounts, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="gateway base URL")
    parser.add_argument("--username", default="admin", help="a subdistrict_admin")
    parser.add_argument("--password", help=f"its password; default: from {ACCOUNTS_FILE}")
    parser.add_argument(
        "--requests-only",
        action="store_true",
        help="only tools/demo_data.py's requests, left submitted: no registry, no board",
    )
    args = parser.parse_args(argv)
    password = args.password or read_accounts(ACCOUNTS_FILE).get(args.username, {}).get("password")
    if not password:
        parser.error(f"--password: none given, and none for {args.username!r} in {ACCOUNTS_FILE}")
    try:
        loaded = load_demo(
            args.gateway,
            username=args.username,
            password=password,
            requests=DEMO_REQUESTS if args.requests_only else (),
            registry=None if args.requests_only else DEMO_REGISTRY,
        )
    except DemoLoadError as exc:
        print(f"demo data not loaded: {exc}", file=sys.stderr)
        return 1
    print(f"demo data loaded via {args.gateway}: {loaded.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
