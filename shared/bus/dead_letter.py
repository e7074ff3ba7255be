"""Copying a message that cannot be processed to the dead-letter stream, with why.

JetStream has no DLQ of its own, so the consumer copies the message here (body kept as it
arrived, plus the error, consumer, delivery count and origin) before it terminates it.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared.contracts.subjects import dead_letter_stream, dead_letter_subject


@dataclass(frozen=True)
class Failed:
    """What is known of a message that will not be processed."""

    data: bytes
    subject: str
    headers: dict[str, str]
    stream: str
    stream_seq: int
    deliveries: int

    @classmethod
    def delivered(cls, msg: Msg) -> "Failed":
        meta = msg.metadata
        return cls(
            msg.data,
            msg.subject,
            dict(msg.headers or {}),
            meta.stream,
            meta.sequence.stream,
            meta.num_delivered,
        )


def dead_letter_record(failed: Failed, *, consumer: str, error: str) -> dict[str, Any]:
    try:
        body: dict[str, Any] = {"body": failed.data.decode()}
    except UnicodeDecodeError:
        body = {"body_base64": base64.b64encode(failed.data).decode()}
    return {
        "error": error,
        "consumer": consumer,
        "deliveries": failed.deliveries,
        "subject": failed.subject,
        "stream": failed.stream,
        "stream_seq": failed.stream_seq,
        "headers": failed.headers,
        "failed_at": datetime.now(UTC).isoformat(),
        **body,
    }


async def dead_letter(
    js: JetStreamContext, subdistrict: str, failed: Failed, *, consumer: str, error: str
) -> None:
    record = dead_letter_record(failed, consumer=consumer, error=error)
    await js.publish(
        dead_letter_subject(subdistrict, consumer),
        json.dumps(record, ensure_ascii=False).encode(),
        stream=dead_letter_stream(subdistrict),
        # One dead letter per stream message and consumer, even if we are asked twice.
        headers={"Nats-Msg-Id": f"{consumer}:{record['stream']}:{record['stream_seq']}"},
    )
