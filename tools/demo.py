"""Load the demo requests through the gateway's public API, as a client would.

Going through HTTP (not straight into MongoDB) exercises the whole path: gateway →
requests service → outbox → JetStream → notify, so the inbox fills up as in real use.

    python -m tools.demo --gateway http://127.0.0.1:8000

A POST is never repeated once it may have reached the gateway: a 502/503/504 (or a lost
answer) can follow a command that was recorded, and repeating it would record the request
twice. Only a connection that could not be made at all is tried again. Before the first
POST, a read-only call to the requests service through the gateway (safe to repeat) waits
until the service answers its NATS subject, which can be a moment after /healthz/ready.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from tools.demo_data import DEMO_REQUESTS

RETRY_WITHIN = 20.0  # seconds: for the requests service to answer, and per connection attempt
RETRY_INTERVAL = 0.25
# A request id that never exists: GET answers 404 once the requests service answers.
PROBE_PATH = "/api/v1/requests/demo-readiness-probe"
# The request was certainly not sent: nothing can have been recorded.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


class DemoLoadError(RuntimeError):
    pass


def load_demo(
    gateway: str,
    requests: list[dict[str, Any]] = DEMO_REQUESTS,
    say: Callable[[str], None] = print,
    transport: httpx.BaseTransport | None = None,
) -> list[dict[str, Any]]:
    """POST every demo request; return the created requests. Raises DemoLoadError."""
    created: list[dict[str, Any]] = []
    # trust_env=False: a *_proxy variable must not route calls to 127.0.0.1 via a proxy.
    with httpx.Client(
        base_url=gateway.rstrip("/"), timeout=10, trust_env=False, transport=transport
    ) as client:
        _wait_for_the_requests_service(client)
        for body in requests:
            created.append(_post(client, body))
            say(f"demo: {body['location']['community_id']}: {body['title']}")
    return created


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


def _post(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    what = f"POST /api/v1/requests ({body['title']})"
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        try:
            resp = client.post("/api/v1/requests", json=body)
        except NOT_SENT as exc:
            if time.monotonic() < deadline:
                time.sleep(RETRY_INTERVAL)
                continue
            raise DemoLoadError(f"gateway {client.base_url} unreachable: {exc}") from exc
        except httpx.TransportError as exc:
            raise DemoLoadError(
                f"{what}: no answer ({exc!r}); not repeated, as it may have been recorded"
            ) from exc
        if resp.status_code != 201:
            maybe = " (not repeated: it may have been recorded)" if resp.status_code >= 500 else ""
            raise DemoLoadError(f"{what} -> {resp.status_code}{maybe}: {resp.text}")
        result: dict[str, Any] = resp.json()
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="gateway base URL")
    args = parser.parse_args(argv)
    try:
        created = load_demo(args.gateway)
    except DemoLoadError as exc:
        print(f"demo data not loaded: {exc}", file=sys.stderr)
        return 1
    print(f"{len(created)} demo requests created via {args.gateway}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
