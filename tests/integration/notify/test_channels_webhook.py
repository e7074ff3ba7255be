"""Signed webhooks against a local integrator endpoint; the signature is checked here by the
procedure docs/notify.md gives integrators (written out below, not the adapter's signer)."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from services.notify.channels import webhook
from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.webhook import WebhookChannel
from services.notify.config import NotifySettings, WebhookConfig
from services.notify.domain.signing import verify_webhook
from tests.integration.notify.endpoints import HttpEndpoint, Reply, integrator

pytestmark = pytest.mark.integration

SECRET = "whsec-3c9a1f"


# The example of docs/notify.md, as an integrator would copy it.
def verify(secret: str, headers: dict[str, str], body: bytes, tolerance_s: int = 300) -> bool:
    """headers: the request's headers, names lower-cased; body: the raw bytes, unparsed."""
    timestamp = headers.get("x-redvest-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    signed = timestamp.encode() + b"." + body
    expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    offered = headers.get("x-redvest-signature", "").split(",")
    return any(hmac.compare_digest(expected.encode(), s.strip().encode()) for s in offered)


def settings_for(url: str, **overrides: Any) -> NotifySettings:
    hooks = [WebhookConfig(id="city-311", url=url + "/hooks/redvest", secret=SecretStr(SECRET))]
    return NotifySettings(subdistrict="quantang", webhooks=hooks, **overrides)


def notification(payload: dict[str, Any] | None = None) -> Outgoing:
    return Outgoing(
        delivery_id="e5:webhook:city-311:webhook",
        channel="webhook",
        address="city-311",
        language="zh-CN",
        title="求助已解决",
        body="您提交的“楼道灯不亮”已处理完毕。",
        priority="normal",
        cause_event_id="e5",
        cause_event_type="RequestResolved",
        payload=payload or {},
    )


FROM_FANOUT = webhook.payload(
    delivery_id="e5:webhook:city-311:webhook",
    event_id="e5",
    event_type="RequestResolved",
    subdistrict="quantang",
    community_id="c-quanyun",
    recipient="webhook:city-311",
    priority="normal",
    title="求助已解决",
    body="您提交的“楼道灯不亮”已处理完毕。",
    language="zh-CN",
    occurred_at=datetime(2025, 3, 1, 1, 30, tzinfo=UTC),
)


@pytest.fixture
async def receiver():
    async with integrator() as endpoint:
        yield endpoint


async def send(endpoint: HttpEndpoint, message: Outgoing, **options: Any) -> None:
    channel = WebhookChannel(settings_for(endpoint.url, send_timeout_s=2.0), **options)
    try:
        await channel.send(message)
    finally:
        await channel.close()


async def test_the_notification_arrives_signed_and_verifies(receiver):
    await send(receiver, notification(FROM_FANOUT))

    [request] = receiver.received
    assert request.method == "POST"
    assert request.path == "/hooks/redvest"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-redvest-delivery"] == "e5:webhook:city-311:webhook"
    assert request.headers["x-redvest-signature"].startswith("v1=")
    assert verify(SECRET, request.headers, request.body)
    assert verify_webhook(SECRET, request.headers, request.body, now=time.time())


async def test_the_payload_is_compact_utf8_json_of_the_documented_shape(receiver):
    before = datetime.now(UTC).replace(microsecond=0)
    await send(receiver, notification(FROM_FANOUT))

    body = receiver.received[0].body
    assert "已处理完毕".encode() in body  # UTF-8 as is, not \\u escapes
    assert b": " not in body and b", " not in body
    document = json.loads(body)
    sent_at = datetime.fromisoformat(document.pop("sent_at").replace("Z", "+00:00"))
    assert before <= sent_at <= datetime.now(UTC)
    assert document == {
        "delivery_id": "e5:webhook:city-311:webhook",
        "event_id": "e5",
        "event_type": "RequestResolved",
        "occurred_at": "2025-03-01T01:30:00Z",
        "subdistrict": "quantang",
        "community_id": "c-quanyun",
        "recipient": "webhook:city-311",
        "priority": "normal",
        "title": "求助已解决",
        "body": "您提交的“楼道灯不亮”已处理完毕。",
        "language": "zh-CN",
    }


async def test_a_delivery_stored_without_payload_still_has_the_shape(receiver):
    await send(receiver, notification())

    document = receiver.received[0].json()
    assert set(document) == set(FROM_FANOUT) | {"sent_at"}
    assert document["subdistrict"] == "quantang"
    assert document["recipient"] == "webhook:city-311"
    assert document["event_type"] == "RequestResolved"


async def test_a_tampered_body_fails_verification(receiver):
    await send(receiver, notification(FROM_FANOUT))
    request = receiver.received[0]

    tampered = request.body.replace("楼道灯".encode(), "电梯".encode())
    assert tampered != request.body
    assert not verify(SECRET, request.headers, tampered)
    assert not verify_webhook(SECRET, request.headers, tampered, now=time.time())


async def test_another_secret_fails_verification(receiver):
    await send(receiver, notification(FROM_FANOUT))
    request = receiver.received[0]

    assert not verify("whsec-other", request.headers, request.body)
    assert not verify_webhook("whsec-other", request.headers, request.body, now=time.time())


async def test_an_old_timestamp_fails_verification(receiver):
    signed_at = time.time() - 600  # a captured request replayed ten minutes later
    await send(receiver, notification(FROM_FANOUT), wall_clock=lambda: signed_at)
    request = receiver.received[0]

    assert request.headers["x-redvest-timestamp"] == str(int(signed_at))
    assert not verify(SECRET, request.headers, request.body)
    assert not verify_webhook(SECRET, request.headers, request.body, now=time.time())
    # Only the age is wrong: at the time it was signed, it verifies.
    assert verify_webhook(SECRET, request.headers, request.body, now=signed_at)


async def test_a_retry_carries_the_same_delivery_id(receiver):
    receiver.script([Reply(503)])
    with pytest.raises(ChannelError):
        await send(receiver, notification(FROM_FANOUT))
    await send(receiver, notification(FROM_FANOUT))

    first, retry = receiver.received
    assert first.headers["x-redvest-delivery"] == retry.headers["x-redvest-delivery"]
    assert first.json()["delivery_id"] == retry.json()["delivery_id"]
    assert verify(SECRET, retry.headers, retry.body)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (429, True), (408, True), (400, False), (401, False),
     (404, False), (301, False)],
)  # fmt: skip
async def test_statuses_map_to_retry_or_not(receiver, status, retryable):
    receiver.script([Reply(status)])

    with pytest.raises(ChannelError) as failed:
        await send(receiver, notification(FROM_FANOUT))
    assert failed.value.retryable is retryable
    assert f"HTTP {status}" in str(failed.value)


async def test_any_2xx_is_delivered(receiver):
    receiver.script([Reply(200, {"received": True})])
    await send(receiver, notification(FROM_FANOUT))
    await send(receiver, notification(FROM_FANOUT))  # 204, the receiver's usual
    assert len(receiver.received) == 2


async def test_a_timeout_is_retryable(receiver):
    receiver.script([Reply(hang=True)])
    channel = WebhookChannel(settings_for(receiver.url, send_timeout_s=0.3))
    try:
        with pytest.raises(ChannelError) as failed:
            await channel.send(notification(FROM_FANOUT))
    finally:
        await channel.close()
    assert failed.value.retryable


async def test_an_unconfigured_webhook_is_not_retried(receiver):
    channel = WebhookChannel(settings_for(receiver.url))
    message = notification(FROM_FANOUT)
    try:
        with pytest.raises(ChannelError) as refused:
            await channel.send(Outgoing(**{**message.__dict__, "address": "gone"}))
    finally:
        await channel.close()
    assert not refused.value.retryable
    assert receiver.received == []
    assert channel.rate_key(message) == "webhook:city-311"
    assert channel.per_minute == 600
