"""Signed webhooks for integrators: each notification POSTed as compact UTF-8 JSON, with

    Content-Type: application/json
    X-RedVest-Delivery: <delivery id>       the same on every retry: de-duplicate by it
    X-RedVest-Timestamp: <unix seconds>     when this attempt was signed
    X-RedVest-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.".encode() + body)>

| answer                                | retry |
|---------------------------------------|-------|
| 2xx                                   | —     |
| 408, 429, 5xx, timeout, connection    | yes   |
| any other status (400, 401, 404, 3xx) | no    |
"""

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.http import new_client, post
from services.notify.config import NotifySettings
from services.notify.domain.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_signature,
)

NAME = "webhook"
RETRYABLE_STATUS = {408, 429}


def payload(
    *,
    delivery_id: str,
    event_id: str,
    event_type: str,
    subdistrict: str,
    community_id: str | None,
    recipient: str,
    priority: str,
    title: str,
    body: str,
    language: str = "zh-CN",
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """The notification as integrators get it (the fan-out stores it in Delivery.payload);
    `sent_at` is added at each attempt."""
    return {
        "delivery_id": delivery_id,
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": _iso(occurred_at) if occurred_at else None,
        "subdistrict": subdistrict,
        "community_id": community_id,
        "recipient": recipient,
        "priority": priority,
        "title": title,
        "body": body,
        "language": language,
    }


class WebhookChannel:
    name = NAME

    def __init__(self, settings: NotifySettings, wall_clock: Callable[[], float] = time.time):
        self.per_minute: int | None = settings.webhook_per_minute
        self._subdistrict = settings.subdistrict
        self._hooks = {hook.id: hook for hook in settings.webhooks}
        # Receivers compare the timestamp with their own clock: real time, never the
        # service's clock (which tests move).
        self._wall_clock = wall_clock
        self._client = new_client(settings.send_timeout_s)

    def rate_key(self, message: Outgoing) -> str:
        return f"{NAME}:{_hook_id(message)}"

    async def send(self, message: Outgoing) -> None:
        hook = self._hooks.get(_hook_id(message))
        if hook is None:
            raise ChannelError(f"no webhook {message.address!r} is configured", retryable=False)
        now = self._wall_clock()
        timestamp = int(now)
        document = {
            **self._fallback(message),
            **message.payload,
            "delivery_id": message.delivery_id,
            "sent_at": _iso(datetime.fromtimestamp(now, UTC)),
        }
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: message.delivery_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: webhook_signature(hook.secret.get_secret_value(), timestamp, body),
        }
        response = await post(
            self._client, hook.url, f"webhook {hook.id}", content=body, headers=headers
        )
        status = response.status_code
        if 200 <= status < 300:
            return
        retryable = status >= 500 or status in RETRYABLE_STATUS
        raise ChannelError(f"webhook {hook.id}: HTTP {status}", retryable=retryable)

    def _fallback(self, message: Outgoing) -> dict[str, Any]:
        """The payload from the message itself, for a delivery stored without one."""
        return payload(
            delivery_id=message.delivery_id,
            event_id=message.cause_event_id,
            event_type=message.cause_event_type,
            subdistrict=self._subdistrict,
            community_id=None,
            recipient=f"webhook:{_hook_id(message)}",
            priority=message.priority,
            title=message.title,
            body=message.body,
            language=message.language,
        )

    async def close(self) -> None:
        await self._client.aclose()


def _hook_id(message: Outgoing) -> str:
    return message.address.removeprefix("webhook:")


def _iso(at: datetime) -> str:
    """UTC, to the second, with Z: `2025-03-01T08:00:00Z`."""
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
