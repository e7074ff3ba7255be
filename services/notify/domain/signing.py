"""Signatures of the outside APIs: the SMS provider's (Aliyun RPC v1) and our webhooks'. Pure.

Webhooks: `X-RedVest-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.".encode() + body)>`
with `X-RedVest-Timestamp: <unix seconds>`; the timestamp inside the MAC is what makes an
old request useless to replay (receivers refuse timestamps older than a few minutes)."""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

WEBHOOK_SCHEME = "v1"
SIGNATURE_HEADER = "X-RedVest-Signature"
TIMESTAMP_HEADER = "X-RedVest-Timestamp"
DELIVERY_HEADER = "X-RedVest-Delivery"


def percent_encode(value: str) -> str:
    """RFC 3986 as Aliyun wants it: UTF-8, unreserved kept (A-Z a-z 0-9 - _ . ~), the rest
    %XX upper case; so a space is %20 (not +) and * is %2A."""
    return quote(value, safe="~")


def aliyun_rpc_signature(params: Mapping[str, str], secret: str, *, method: str = "POST") -> str:
    """Aliyun's RPC signature v1 (HMAC-SHA1) of a request's parameters, `Signature` excluded:
    base64(HMAC-SHA1(secret + "&", METHOD + "&%2F&" + encode(sorted canonical query)))."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(value)}"
        for key, value in sorted(params.items())
        if key != "Signature"
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-RedVest-Signature` header value: `v1=<hex>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{WEBHOOK_SCHEME}={mac.hexdigest()}"


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance_s: float = 300,
) -> bool:
    """What a receiver does: the timestamp is recent (either way: clocks drift), and one of
    the `v1=` signatures (several, comma-separated, while a secret is being rotated) is the
    HMAC of `timestamp.` + the raw body. Header names in any case."""
    lowered = {name.lower(): value for name, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    if not raw_timestamp.isdigit():
        return False
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = webhook_signature(secret, timestamp, body)
    offered = [part.strip() for part in lowered.get(SIGNATURE_HEADER.lower(), "").split(",")]
    # compare_digest on every candidate: the time taken says nothing about the secret.
    matches = [hmac.compare_digest(expected.encode(), each.encode()) for each in offered]
    return any(matches)
