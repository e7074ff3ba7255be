"""Dead-lettering what JetStream itself gave up on.

The consumer dead-letters a message when a handler fails on its last allowed delivery.
If the process dies mid-handler every time (a crash loop, a handler outliving ack_wait),
it never sees that last delivery: the server stops at the consumer's `max_deliver` and
emits an advisory. The advisories stream (shared/bus/streams.py) keeps those advisories,
so none is lost while no replica runs, and a durable consumer per event consumer turns
each into a dead letter.
"""

import contextlib
import json
import logging

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage

from shared.bus.dead_letter import Failed, dead_letter
from shared.contracts.subjects import advisories_stream, events_stream
from shared.store.idempotency import ProcessedEvents

log = logging.getLogger(__name__)

ERROR = "JetStream stopped redelivering after {n} deliveries (crashed or timed-out handler)"
RETRY_S = 5.0


def advisory_subject(stream: str, consumer: str) -> str:
    return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"


def watch_max_deliveries(
    broker: NatsBroker, subdistrict: str, consumer: str, processed: ProcessedEvents
) -> None:
    """Register, on the broker, the durable consumer of one event consumer's advisories."""
    stream = events_stream(subdistrict)

    async def on_advisory(message: NatsMessage) -> None:
        msg = message.raw_message
        try:
            await _dead_letter_given_up(broker, subdistrict, stream, consumer, processed, msg.data)
        except Exception:
            log.exception("could not dead-letter a message JetStream gave up on; will retry")
            await msg.nak(delay=RETRY_S)
            return
        await msg.ack()

    broker.subscriber(
        advisory_subject(stream, consumer),
        stream=JStream(advisories_stream(subdistrict), declare=False),
        durable=f"{consumer}_max_deliveries",
        pull_sub=PullSub(batch_size=1, timeout=1.0),
        ack_policy=AckPolicy.MANUAL,
        title=f"{consumer}:max_deliveries",
        description="JetStream advisories of messages it stopped redelivering",
        include_in_schema=False,
    )(on_advisory)


async def _dead_letter_given_up(
    broker: NatsBroker,
    subdistrict: str,
    stream: str,
    consumer: str,
    processed: ProcessedEvents,
    raw_advisory: bytes,
) -> None:
    advisory = json.loads(raw_advisory)
    seq, deliveries = advisory["stream_seq"], advisory["deliveries"]
    js = broker.connection.jetstream()
    original = await js.get_msg(stream, seq)
    failed = Failed(
        data=original.data or b"",
        subject=original.subject or "",
        headers=dict(original.headers or {}),
        stream=stream,
        stream_seq=seq,
        deliveries=deliveries,
    )
    await dead_letter(js, subdistrict, failed, consumer=consumer, error=ERROR.format(n=deliveries))
    # The crashed attempt left its claim: release it, so a republish is processed.
    with contextlib.suppress(ValueError, KeyError, TypeError):
        event_id = json.loads(failed.data)["id"]
        await processed.release(consumer, event_id)
    log.error("message dead-lettered after max deliveries", extra={"stream_seq": seq})
