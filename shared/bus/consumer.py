"""Durable JetStream consumers with explicit acknowledgement and a dead-letter stream.

FastStream's NATS default (REJECT_ON_ERROR) terminates a message for good when a handler
raises, so acknowledgement here is manual and always explicit:

- unparseable (bad JSON, unknown type or version, missing field) -> dead letter, term
- another copy of an event this consumer already took              -> ack, nothing else
- handler succeeded                                                -> ack (confirmed)
- handler raised, deliveries left                                  -> release, nak w/ backoff
- handler raised on the last delivery                              -> release, dead letter, term

The event id is claimed (shared/store/idempotency.py) before the handler runs.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.aio.msg import Msg
from prometheus_client import Counter

from shared.bus.dead_letter import Failed, dead_letter
from shared.contracts.catalogue import EventData, MalformedEvent, catalogue, parse_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.ids import new_id
from shared.contracts.subjects import events_stream
from shared.logging import log_context
from shared.store.idempotency import ProcessedEvents

log = logging.getLogger(__name__)

EVENTS_HANDLED = Counter(
    "redvest_events_handled_total",
    "Events taken by a consumer, by outcome",
    ["consumer", "outcome"],
)


@dataclass(frozen=True)
class EventContext:
    envelope: CloudEvent
    data: EventData
    consumer: str
    delivery: int


EventHandler = Callable[[EventContext], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerPolicy:
    max_deliver: int = 5
    backoff_s: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    ack_wait_s: float = 30.0
    batch_size: int = 1
    ack_confirm_s: float = 2.0
    fetch_timeout_s: float = 1.0

    def delay_after(self, delivery: int) -> float:
        return self.backoff_s[min(delivery - 1, len(self.backoff_s) - 1)]


def trace_id(traceparent: str | None) -> str | None:
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) == 4 else None


class EventConsumer:
    """One durable consumer of one service: a subject (may be a wildcard) and a handler per
    event type. Subjects it has no handler for are acknowledged and skipped unread."""

    def __init__(
        self,
        *,
        subdistrict: str,
        name: str,
        handlers: Mapping[type[EventData], EventHandler],
        processed: ProcessedEvents,
        policy: ConsumerPolicy,
        broker: NatsBroker,
    ) -> None:
        self.subdistrict = subdistrict
        self.name = name
        self.handlers = dict(handlers)
        self.subjects = {
            spec.subject(subdistrict) for spec in catalogue().values() if spec.model in handlers
        }
        self.processed = processed
        self.policy = policy
        self.broker = broker

    async def handle(self, msg: Msg) -> str:
        """Process one delivery and settle it; returns the outcome (for metrics and tests)."""
        delivery = msg.metadata.num_delivered
        if msg.subject not in self.subjects:
            # A type this consumer does not handle (maybe one a newer producer added):
            # not ours to judge, so never dead-lettered here.
            await msg.ack()
            return self._count("skipped")
        try:
            envelope, data = parse_event(msg.data)
        except MalformedEvent as exc:
            log.warning("malformed event dead-lettered", extra={"error": str(exc)})
            return await self._dead_letter(msg, str(exc))

        with log_context(
            event_id=envelope.id,
            event_type=envelope.type,
            correlation_id=envelope.correlationid,
            trace_id=trace_id(envelope.traceparent),
            consumer=self.name,
        ):
            handler = self.handlers.get(type(data))
            if handler is None:
                error = f"event type {envelope.type} does not belong on subject {msg.subject}"
                return await self._dead_letter(msg, error)
            attempt = new_id()
            if not await self.processed.claim(self.name, envelope.id, attempt):
                if delivery == 1:
                    # Another copy of this event was taken before: a republish or a replay.
                    await msg.ack()
                    return self._count("duplicate")
                # A redelivery of one we claimed and never finished: run it again.
                await self.processed.take_over(self.name, envelope.id, attempt)
            try:
                await handler(EventContext(envelope, data, self.name, delivery))
            except Exception as exc:
                await self._release(envelope.id, attempt)
                error = f"{type(exc).__name__}: {exc}"
                if delivery >= self.policy.max_deliver:
                    log.error("handler failed on last delivery", extra={"error": error})
                    return await self._dead_letter(msg, error)
                delay = self.policy.delay_after(delivery)
                log.warning(
                    "handler failed, will retry",
                    extra={"error": error, "delivery": delivery, "retry_in_s": delay},
                )
                await msg.nak(delay=delay)
                return self._count("retried")
            await self._ack(msg)
            log.info("event handled")
            return self._count("handled")

    async def _release(self, event_id: str, attempt: str) -> None:
        try:
            await self.processed.release(self.name, event_id, attempt)
        except Exception:
            # The claim stays: the redelivery finds it and runs the handler again anyway.
            log.exception("could not release the claim of a failed attempt")

    async def _ack(self, msg: Msg) -> None:
        """Wait for JetStream to confirm the ack: a lost ack would mean a redelivery that
        finds our claim and runs the handler again."""
        try:
            await msg.ack_sync(timeout=self.policy.ack_confirm_s)
        except Exception:
            log.warning("ack not confirmed; a redelivery will run the handler again")

    async def _dead_letter(self, msg: Msg, error: str) -> str:
        js = self.broker.connection.jetstream()
        await dead_letter(
            js, self.subdistrict, Failed.delivered(msg), consumer=self.name, error=error
        )
        await msg.term()
        return self._count("dead_lettered")

    def _count(self, outcome: str) -> str:
        EVENTS_HANDLED.labels(self.name, outcome).inc()
        return outcome


def subscribe(broker: NatsBroker, consumer: EventConsumer, subject: str) -> None:
    """Register the consumer on the broker as a durable pull subscription with manual ack."""
    policy = consumer.policy

    async def on_message(message: NatsMessage) -> None:
        await consumer.handle(message.raw_message)

    broker.subscriber(
        subject,
        stream=JStream(events_stream(consumer.subdistrict), declare=False),
        durable=consumer.name,
        # Shutdown waits up to this long for the last fetch to come back (see
        # shared/runtime/service.py), so it is short.
        pull_sub=PullSub(batch_size=policy.batch_size, timeout=policy.fetch_timeout_s),
        ack_policy=AckPolicy.MANUAL,
        config=ConsumerConfig(
            ack_wait=policy.ack_wait_s,
            # The server's own limit is a safety net above ours: we dead-letter at
            # policy.max_deliver; the margin covers a process killed mid-handler.
            max_deliver=policy.max_deliver + 3,
        ),
        title=f"{consumer.name}:{subject}",
        description=f"durable consumer {consumer.name}",
    )(on_message)


def consumer_kwargs(settings: Any) -> dict[str, Any]:
    return {
        "policy": ConsumerPolicy(
            max_deliver=settings.max_deliver,
            backoff_s=tuple(settings.retry_backoff_s),
            ack_wait_s=settings.ack_wait_s,
            batch_size=settings.consumer_batch_size,
        )
    }
