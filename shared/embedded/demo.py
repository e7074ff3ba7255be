"""Load the demo requests through the gateway's public API, as a client would.

Going through HTTP (not straight into MongoDB) exercises the whole path: gateway →
requests service → outbox → JetStream → notify, so the inbox fills up as in real use.

    python -m shared.embedded.demo --gateway http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from shared.embedded.demo_data import DEMO_REQUESTS

# A service can answer /healthz/ready a moment before its NATS handlers are subscribed;
# the gateway then says 503/504. Retry those briefly instead of failing the first start.
RETRY_STATUS = {502, 503, 504}
RETRY_WITHIN = 20.0  # seconds per request
RETRY_INTERVAL = 0.25


class DemoLoadError(RuntimeError):
    pass


def load_demo(
    gateway: str,
    requests: list[dict[str, Any]] = DEMO_REQUESTS,
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """POST every demo request; return the created requests. Raises DemoLoadError."""
    created: list[dict[str, Any]] = []
    # trust_env=False: a *_proxy variable must not route calls to 127.0.0.1 via a proxy.
    with httpx.Client(base_url=gateway.rstrip("/"), timeout=10, trust_env=False) as client:
        for body in requests:
            created.append(_post(client, body))
            say(f"demo: {body['location']['community_id']}: {body['title']}")
    return created


def _post(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + RETRY_WITHIN
    while True:
        try:
            resp = client.post("/api/v1/requests", json=body)
        except httpx.TransportError as exc:
            raise DemoLoadError(f"gateway {client.base_url} unreachable: {exc}") from exc
        if resp.status_code in RETRY_STATUS and time.monotonic() < deadline:
            time.sleep(RETRY_INTERVAL)
            continue
        if resp.status_code != 201:
            raise DemoLoadError(
                f"POST /api/v1/requests ({body['title']}) -> {resp.status_code}: {resp.text}"
            )
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
