"""Dead-lettering what JetStream itself gave up on.

The consumer dead-letters a message when a handler fails on its last allowed delivery.
If the process dies mid-handler every time (a crash loop, a handler outliving ack_wait),
it never sees that last delivery: the server stops at the consumer's `max_deliver` and
emits an advisory. This watcher turns that advisory into a dead letter, so nothing is
dropped silently.
"""

import contextlib
import json
import logging

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from shared.bus.dead_letter import Failed, dead_letter
from shared.contracts.subjects import events_stream
from shared.store.idempotency import ProcessedEvents

log = logging.getLogger(__name__)

ERROR = "JetStream stopped redelivering after {n} deliveries (crashed or timed-out handler)"


def advisory_subject(stream: str, consumer: str) -> str:
    return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"


async def watch_max_deliveries(
    nc: Client, subdistrict: str, consumer: str, queue: str, processed: ProcessedEvents
) -> Subscription:
    """Subscribe in the service's queue group: one replica handles each advisory."""
    stream = events_stream(subdistrict)
    js = nc.jetstream()

    async def on_advisory(msg: Msg) -> None:
        advisory = json.loads(msg.data)
        seq, deliveries = advisory["stream_seq"], advisory["deliveries"]
        try:
            original = await js.get_msg(stream, seq)
        except Exception:
            log.exception("cannot read the message JetStream gave up on", extra={"seq": seq})
            return
        failed = Failed(
            data=original.data or b"",
            subject=original.subject or "",
            headers=dict(original.headers or {}),
            stream=stream,
            stream_seq=seq,
            deliveries=deliveries,
        )
        await dead_letter(
            js, subdistrict, failed, consumer=consumer, error=ERROR.format(n=deliveries)
        )
        # The crashed attempt left its claim: release it, so a republish is processed.
        with contextlib.suppress(ValueError, KeyError, TypeError):
            await processed.release(consumer, json.loads(failed.data)["id"])
        log.error("message dead-lettered after max deliveries", extra={"stream_seq": seq})

    return await nc.subscribe(advisory_subject(stream, consumer), queue=queue, cb=on_advisory)
