"""Copying a message that cannot be processed to the dead-letter stream, with why.

JetStream has no DLQ of its own, so the consumer copies the message here (body kept as it
arrived, plus the error, consumer, delivery count and origin) before it terminates it.
"""

import base64
import json
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared.contracts.subjects import dead_letter_stream, dead_letter_subject


def dead_letter_record(msg: Msg, *, consumer: str, error: str) -> dict[str, Any]:
    meta = msg.metadata
    try:
        body: dict[str, Any] = {"body": msg.data.decode()}
    except UnicodeDecodeError:
        body = {"body_base64": base64.b64encode(msg.data).decode()}
    return {
        "error": error,
        "consumer": consumer,
        "deliveries": meta.num_delivered,
        "subject": msg.subject,
        "stream": meta.stream,
        "stream_seq": meta.sequence.stream,
        "headers": dict(msg.headers or {}),
        "failed_at": datetime.now(UTC).isoformat(),
        **body,
    }


async def dead_letter(
    js: JetStreamContext, subdistrict: str, msg: Msg, *, consumer: str, error: str
) -> None:
    record = dead_letter_record(msg, consumer=consumer, error=error)
    await js.publish(
        dead_letter_subject(subdistrict, consumer),
        json.dumps(record, ensure_ascii=False).encode(),
        stream=dead_letter_stream(subdistrict),
        # One dead letter per stream message and consumer, even if we are asked twice.
        headers={"Nats-Msg-Id": f"{consumer}:{record['stream']}:{record['stream_seq']}"},
    )
