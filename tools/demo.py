"""Load the demo requests through the gateway's public API, as a client would.

Going through HTTP (not straight into MongoDB) exercises the whole path: gateway →
requests service → outbox → JetStream → notify, so the inbox fills up as in real use.

    python -m tools.demo --gateway http://127.0.0.1:8000 --username admin --password ...

It signs in first (every API route but login needs a token): as a subdistrict_admin, or an
account that may record requests in every demo community. Without --password it takes the
account's password from .data/demo-accounts.json, where `make up` keeps its accounts.

A POST is never repeated once it may have reached the gateway: a 502/503/504 (or a lost
answer) can follow a command that was recorded, and repeating it would record the request
twice. Only a connection that could not be made at all is tried again. Before the first
POST, a read-only call to the requests service through the gateway (safe to repeat) waits
until the service answers its NATS subject, which can be a moment after /healthz/ready.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tools.demo_data import DEMO_COMMUNITY_ADMINS, DEMO_REQUESTS

RETRY_WITHIN = 20.0  # seconds: for the requests service to answer, and per connection attempt
RETRY_INTERVAL = 0.25
# A request id that never exists: GET answers 404 once the requests service answers.
PROBE_PATH = "/api/v1/requests/demo-readiness-probe"
# The request was certainly not sent: nothing can have been recorded.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
# `make up`'s accounts and their passwords (a local demo stack), relative to its folder.
ACCOUNTS_FILE = Path(".data") / "demo-accounts.json"

Accounts = dict[str, dict[str, Any]]  # username -> {"password", "roles", "communities"}


class DemoLoadError(RuntimeError):
    pass


def load_demo(
    gateway: str,
    requests: list[dict[str, Any]] = DEMO_REQUESTS,
    say: Callable[[str], None] = print,
    transport: httpx.BaseTransport | None = None,
    *,
    username: str,
    password: str,
) -> list[dict[str, Any]]:
    """Sign in, POST every demo request; return the created requests. Raises DemoLoadError."""
    created: list[dict[str, Any]] = []
    with _client(gateway, transport) as client:
        client.headers.update(sign_in(client, username, password))
        _wait_for_the_requests_service(client)
        for body in requests:
            what = f"POST /api/v1/requests ({body['title']})"
            resp = _post(client, "/api/v1/requests", body, what)
            if resp.status_code != 201:
                raise DemoLoadError(_refused(what, resp))
            created.append(resp.json())
            say(f"demo: {body['location']['community_id']}: {body['title']}")
    return created


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
    created: Accounts = {}
    taken: list[str] = []
    with _client(gateway, transport) as client:
        client.headers.update(sign_in(client, username, password))
        for name, (display_name, community) in DEMO_COMMUNITY_ADMINS.items():
            if name in skip:
                continue
            body = {
                "username": name,
                "password": secrets.token_urlsafe(12),
                "display_name": display_name,
                "roles": ["community_admin"],
                "communities": [community],
            }
            what = f"POST /api/v1/users ({name})"
            resp = _post(client, "/api/v1/users", body, what)
            if resp.status_code == 409:
                taken.append(name)
                continue
            if resp.status_code != 201:
                raise DemoLoadError(_refused(what, resp))
            created[name] = {
                "password": body["password"],
                "roles": body["roles"],
                "communities": body["communities"],
            }
            say(f"demo: created community_admin {name!r} for {community}")
    return created, taken


def sign_in(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    """Headers that carry a fresh access token (the sync twin of tools.admin.sign_in).

    Signing in records nothing but a login, so an attempt that got no answer is repeated.
    """
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        try:
            resp = client.post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            )
        except httpx.TransportError as exc:
            if time.monotonic() < deadline:
                time.sleep(RETRY_INTERVAL)
                continue
            raise DemoLoadError(f"gateway {client.base_url} unreachable: {exc}") from exc
        if resp.status_code != 200:
            raise DemoLoadError(f"signing in as {username!r} -> {resp.status_code}: {resp.text}")
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}


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


def _client(gateway: str, transport: httpx.BaseTransport | None) -> httpx.Client:
    # trust_env=False: a *_proxy variable must not route calls to 127.0.0.1 via a proxy.
    return httpx.Client(
        base_url=gateway.rstrip("/"), timeout=10, trust_env=False, transport=transport
    )


def _wait_for_the_requests_service(client: httpx.Client) -> None:
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        try:
            resp = client.get(PROBE_PATH)
            if resp.status_code == 404 and "demo-readiness-probe" in resp.text:
                return
            last = f"GET {PROBE_PATH} -> {resp.status_code}: {resp.text}"
        except httpx.TransportError as exc:
            last = f"gateway {client.base_url} unreachable: {exc}"
        if time.monotonic() >= deadline:
            raise DemoLoadError(
                f"the requests service did not answer within {RETRY_WITHIN:.0f} s; last: {last}"
            )
        time.sleep(RETRY_INTERVAL)


def _post(client: httpx.Client, path: str, body: dict[str, Any], what: str) -> httpx.Response:
    """The answer to one POST, tried again only if it could not be sent at all."""
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        try:
            return client.post(path, json=body)
        except NOT_SENT as exc:
            if time.monotonic() < deadline:
                time.sleep(RETRY_INTERVAL)
                continue
            raise DemoLoadError(f"gateway {client.base_url} unreachable: {exc}") from exc
        except httpx.TransportError as exc:
            raise DemoLoadError(
                f"{what}: no answer ({exc!r}); not repeated, as it may have been recorded"
            ) from exc


def _refused(what: str, resp: httpx.Response) -> str:
    maybe = " (not repeated: it may have been recorded)" if resp.status_code >= 500 else ""
    return f"{what} -> {resp.status_code}{maybe}: {resp.text}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="gateway base URL")
    parser.add_argument("--username", default="admin", help="an account that may record requests")
    parser.add_argument("--password", help=f"its password; default: from {ACCOUNTS_FILE}")
    args = parser.parse_args(argv)
    password = args.password or read_accounts(ACCOUNTS_FILE).get(args.username, {}).get("password")
    if not password:
        parser.error(f"--password: none given, and none for {args.username!r} in {ACCOUNTS_FILE}")
    try:
        created = load_demo(args.gateway, username=args.username, password=password)
    except DemoLoadError as exc:
        print(f"demo data not loaded: {exc}", file=sys.stderr)
        return 1
    print(f"{len(created)} demo requests created via {args.gateway}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
