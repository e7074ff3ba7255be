"""Calling the gateway for the demo loader: sign in, wait for a service, send each change once.

A change (POST, PATCH) is never repeated once it may have reached the gateway: a 502/503/504
(or a lost answer) can follow a command that was carried out, and repeating it could record
it twice. Only a connection that could not be made at all is tried again, and a 429, which
the gateway's rate limiter answers before any route runs.
"""

import time
from collections.abc import Callable
from typing import Any

import httpx

RETRY_WITHIN = 20.0  # seconds: for a service to answer, and per connection attempt
RETRY_INTERVAL = 0.25
MAX_RATE_WAIT = 60.0  # seconds: the longest Retry-After worth waiting for
# The request was certainly not sent: nothing can have been recorded.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


class DemoLoadError(RuntimeError):
    pass


def client(gateway: str, transport: httpx.BaseTransport | None) -> httpx.Client:
    # trust_env=False: a *_proxy variable must not route calls to 127.0.0.1 via a proxy.
    return httpx.Client(
        base_url=gateway.rstrip("/"), timeout=10, trust_env=False, transport=transport
    )


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


def wait_until(
    client: httpx.Client, path: str, answers: Callable[[httpx.Response], bool], service: str
) -> None:
    """GET `path` (safe to repeat) until `answers` says the service behind it answered."""
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        try:
            resp = client.get(path)
            if answers(resp):
                return
            last = f"GET {path} -> {resp.status_code}: {resp.text}"
        except httpx.TransportError as exc:
            last = f"gateway {client.base_url} unreachable: {exc}"
        if time.monotonic() >= deadline:
            raise DemoLoadError(
                f"the {service} service did not answer within {RETRY_WITHIN:.0f} s; last: {last}"
            )
        time.sleep(RETRY_INTERVAL)


def send_once(
    client: httpx.Client,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    what: str,
    **request: Any,
) -> httpx.Response:
    """The answer to one change, sent again only if it certainly was not carried out.
    `request`: more of httpx's arguments (files, params, timeout)."""
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        try:
            resp = client.request(method, path, json=body, **request)
        except NOT_SENT as exc:
            if time.monotonic() < deadline:
                time.sleep(RETRY_INTERVAL)
                continue
            raise DemoLoadError(f"gateway {client.base_url} unreachable: {exc}") from exc
        except httpx.TransportError as exc:
            raise DemoLoadError(
                f"{what}: no answer ({exc!r}); not repeated, as it may have been recorded"
            ) from exc
        if resp.status_code == 429:
            wait = float(resp.headers.get("Retry-After", "1"))
            if wait <= MAX_RATE_WAIT:
                time.sleep(max(wait, RETRY_INTERVAL))
                continue
        return resp


def refused(what: str, resp: httpx.Response) -> str:
    maybe = " (not repeated: it may have been recorded)" if resp.status_code >= 500 else ""
    return f"{what} -> {resp.status_code}{maybe}: {resp.text}"
