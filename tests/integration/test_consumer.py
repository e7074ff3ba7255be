"""Durable consumers on a real NATS JetStream and a real MongoDB-protocol store."""

import contextlib
import dataclasses
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import nats.errors
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from pymongo import AsyncMongoClient

from shared.bus.consumer import ConsumerPolicy, EventConsumer, EventContext, subscribe
from shared.bus.max_deliveries import watch_max_deliveries
from shared.bus.streams import ensure_streams
from shared.contracts.catalogue import new_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.requests import RequestCreated
from shared.contracts.subjects import (
    advisories_stream,
    database_name,
    dead_letter_stream,
    events_filter,
    events_stream,
)
from shared.store.idempotency import ProcessedEvents
from tests.factories import notification_sent, request_created
from tests.waiting import eventually

pytestmark = pytest.mark.integration

FAST = ConsumerPolicy(max_deliver=3, backoff_s=(0.1, 0.2), ack_wait_s=5.0)

Handler = Callable[[EventContext], Awaitable[None]]


@pytest.fixture
async def start_consumer(
    nats_url: str, mongo_client: AsyncMongoClient, subdistrict: str, js: JetStreamContext
) -> AsyncIterator[Callable[[Handler], Awaitable[EventConsumer]]]:
    brokers: list[NatsBroker] = []

    async def start(handler: Handler) -> EventConsumer:
        processed = ProcessedEvents(mongo_client[database_name(subdistrict, "tests")])
        await processed.create_indexes()
        broker = NatsBroker(nats_url, graceful_timeout=5)
        consumer = EventConsumer(
            subdistrict=subdistrict,
            name="tests_consumer",
            handlers={RequestCreated: handler},
            processed=processed,
            policy=FAST,
            broker=broker,
        )
        subscribe(broker, consumer, events_filter(subdistrict))
        await broker.start()
        brokers.append(broker)
        return consumer

    yield start
    for broker in brokers:
        await broker.stop()


async def publish(js: JetStreamContext, subdistrict: str, body: bytes, subject: str = "") -> None:
    await js.publish(subject or f"rv.{subdistrict}.evt.requests.request.created.v1", body)


async def dead_letters(js: JetStreamContext, subdistrict: str) -> list[dict[str, Any]]:
    stream = dead_letter_stream(subdistrict)
    info = await js.stream_info(stream)
    records = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        if info.state.messages == 0:
            break
        msg = await js.get_msg(stream, seq)
        records.append(json.loads(msg.data))
    return records


async def test_failing_handler_is_retried_then_dead_lettered_while_others_flow(
    start_consumer: Any, js: JetStreamContext, subdistrict: str
) -> None:
    poison = request_created(subdistrict, title="poison")
    attempts: Counter[str] = Counter()
    handled: list[str] = []
    calls: list[str] = []

    async def handler(ctx: EventContext) -> None:
        attempts[ctx.envelope.id] += 1
        calls.append(ctx.envelope.id)
        if ctx.envelope.id == poison.id:
            raise RuntimeError("the printer is on fire")
        handled.append(ctx.envelope.id)

    await start_consumer(handler)
    await publish(js, subdistrict, poison.to_bytes())
    good = [request_created(subdistrict) for _ in range(3)]
    for event in good:
        await publish(js, subdistrict, event.to_bytes())

    letters = await eventually(
        lambda: dead_letters(js, subdistrict), until=lambda r: len(r) == 1, what="a dead letter"
    )
    letter = letters[0]
    assert "RuntimeError: the printer is on fire" in letter["error"]
    assert letter["consumer"] == "tests_consumer"
    assert letter["deliveries"] == FAST.max_deliver
    assert json.loads(letter["body"])["id"] == poison.id
    assert attempts[poison.id] == FAST.max_deliver
    assert sorted(handled) == sorted(e.id for e in good)
    # ...and not held up: all handled while the poison was still between its retries.
    last_poison_attempt = len(calls) - 1 - calls[::-1].index(poison.id)
    assert all(calls.index(e.id) < last_poison_attempt for e in good), calls


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "invalid CloudEvents envelope"),
        (b"\xff\xfe binary", "invalid CloudEvents envelope"),
        ("unknown-version", "unknown event type or version"),
        ("missing-field", "invalid data for cn.redvest.requests.request.created.v1"),
        ("missing-envelope-field", "invalid CloudEvents envelope"),
    ],
)
async def test_malformed_message_goes_to_dead_letters_and_the_consumer_goes_on(
    start_consumer: Any, js: JetStreamContext, subdistrict: str, body: Any, reason: str
) -> None:
    event = request_created(subdistrict)
    raw = event.model_dump(mode="json")
    if body == "unknown-version":
        raw["type"] = "cn.redvest.requests.request.created.v9"
    elif body == "missing-field":
        del raw["data"]["request_id"]
    elif body == "missing-envelope-field":
        del raw["subdistrict"]
    payload = body if isinstance(body, bytes) else json.dumps(raw).encode()
    handled: list[str] = []

    async def handler(ctx: EventContext) -> None:
        handled.append(ctx.envelope.id)

    await start_consumer(handler)
    await publish(js, subdistrict, payload)
    after = request_created(subdistrict)
    await publish(js, subdistrict, after.to_bytes())

    letters = await eventually(
        lambda: dead_letters(js, subdistrict), until=lambda r: len(r) == 1, what="a dead letter"
    )
    assert reason in letters[0]["error"]
    assert letters[0]["deliveries"] == 1  # never retried: it can never succeed
    await eventually(lambda: _value(handled), until=lambda h: h == [after.id], what="next event")


async def test_same_event_delivered_twice_changes_state_once(
    start_consumer: Any, js: JetStreamContext, subdistrict: str
) -> None:
    effects: list[str] = []

    async def handler(ctx: EventContext) -> None:
        effects.append(ctx.envelope.id)

    await start_consumer(handler)
    event = request_created(subdistrict)
    # Published twice without a message id: the stream keeps both, as after a replay.
    await publish(js, subdistrict, event.to_bytes())
    await publish(js, subdistrict, event.to_bytes())
    marker = request_created(subdistrict)
    await publish(js, subdistrict, marker.to_bytes())

    await eventually(lambda: _value(effects), until=lambda e: marker.id in e, what="the marker")
    assert effects == [event.id, marker.id]


async def test_same_event_id_published_twice_is_stored_once(
    js: JetStreamContext, subdistrict: str
) -> None:
    event: CloudEvent = request_created(subdistrict)
    subject = f"rv.{subdistrict}.evt.requests.request.created.v1"
    headers = {"Nats-Msg-Id": event.id}
    first = await js.publish(subject, event.to_bytes(), headers=headers)
    second = await js.publish(subject, event.to_bytes(), headers=headers)
    info = await js.stream_info(first.stream)
    assert info.state.messages == 1
    assert not first.duplicate
    assert second.duplicate
    assert second.seq == first.seq


async def _value(x: Any) -> Any:
    return list(x)


async def test_a_message_jetstream_gives_up_on_is_dead_lettered_even_if_nobody_listened(
    nats_url: str, mongo_client: AsyncMongoClient, js: JetStreamContext, subdistrict: str
) -> None:
    """As if the process died mid-handler on every delivery: no ack ever comes, and no
    replica is running when JetStream gives up."""
    consumer = "tests_crashloop"
    processed = ProcessedEvents(mongo_client[database_name(subdistrict, "tests")])
    await js.add_consumer(
        events_stream(subdistrict),
        ConsumerConfig(
            durable_name=consumer, ack_policy=AckPolicy.EXPLICIT, max_deliver=2, ack_wait=0.5
        ),
    )
    pull = await js.pull_subscribe_bind(consumer, events_stream(subdistrict))
    event = request_created(subdistrict)
    assert await processed.claim(consumer, event.id)  # as the crashing process would have
    await publish(js, subdistrict, event.to_bytes())

    async def advisories_kept() -> int:
        with contextlib.suppress(nats.errors.TimeoutError):
            await pull.fetch(1, timeout=0.3)  # taken, never acknowledged
        return (await js.stream_info(advisories_stream(subdistrict))).state.messages

    try:
        await eventually(advisories_kept, lambda n: n == 1, what="the advisory, kept")
    finally:
        await pull.unsubscribe()  # else draining the client waits out its timeout

    broker = NatsBroker(nats_url)  # a replica comes back
    watch_max_deliveries(broker, subdistrict, consumer, processed)
    await broker.start()
    try:
        letters = await eventually(
            lambda: dead_letters(js, subdistrict), lambda r: len(r) == 1, what="a dead letter"
        )
    finally:
        await broker.stop()
    assert letters[0]["consumer"] == consumer
    assert letters[0]["deliveries"] == 2
    assert "stopped redelivering after 2 deliveries" in letters[0]["error"]
    assert json.loads(letters[0]["body"])["id"] == event.id
    assert await processed.claim(consumer, event.id), "the crashed attempt's claim was kept"


async def test_a_failed_attempt_releases_its_claim_so_the_retry_takes_effect(
    start_consumer: Any, js: JetStreamContext, subdistrict: str
) -> None:
    effects: list[str] = []
    attempts: Counter[str] = Counter()

    async def flaky(ctx: EventContext) -> None:
        attempts[ctx.envelope.id] += 1
        if attempts[ctx.envelope.id] == 1:
            raise ConnectionError("database hiccup")
        effects.append(ctx.envelope.id)

    await start_consumer(flaky)
    event = request_created(subdistrict)
    await publish(js, subdistrict, event.to_bytes())

    await eventually(lambda: _value(effects), until=lambda e: e == [event.id], what="the retry")
    assert attempts[event.id] == 2
    assert await dead_letters(js, subdistrict) == []


async def test_a_redelivery_after_a_crash_mid_handler_runs_the_handler_again(
    nats_client: NatsClient, mongo_client: AsyncMongoClient, js: JetStreamContext, subdistrict: str
) -> None:
    """The crashed attempt claimed the event and died before its effect: redo it."""
    processed = ProcessedEvents(mongo_client[database_name(subdistrict, "tests")])
    effects: list[str] = []

    async def handler(ctx: EventContext) -> None:
        effects.append(ctx.envelope.id)

    consumer = EventConsumer(
        subdistrict=subdistrict,
        name="tests_redelivery",
        handlers={RequestCreated: handler},
        processed=processed,
        policy=FAST,
        broker=NatsBroker(),  # unused: nothing is dead-lettered here
    )
    await js.add_consumer(
        events_stream(subdistrict),
        ConsumerConfig(durable_name=consumer.name, ack_policy=AckPolicy.EXPLICIT, ack_wait=0.5),
    )
    pull = await js.pull_subscribe_bind(consumer.name, events_stream(subdistrict))
    event = request_created(subdistrict)
    await publish(js, subdistrict, event.to_bytes())
    try:
        [_taken] = await pull.fetch(1, timeout=5)
        assert await processed.claim(consumer.name, event.id)  # ...and then the process died

        async def redelivered() -> list[Any]:
            with contextlib.suppress(nats.errors.TimeoutError):
                return await pull.fetch(1, timeout=0.5)
            return []

        [second] = await eventually(redelivered, what="the redelivery")
        assert second.metadata.num_delivered == 2
        assert await consumer.handle(second) == "handled"
    finally:
        await pull.unsubscribe()
    assert effects == [event.id]


async def test_event_types_the_consumer_does_not_handle_are_skipped_not_dead_lettered(
    start_consumer: Any, js: JetStreamContext, subdistrict: str
) -> None:
    """A newer producer's event (even one we could not parse) is not ours to judge."""
    handled: list[str] = []

    async def handler(ctx: EventContext) -> None:
        handled.append(ctx.envelope.id)

    await start_consumer(handler)  # subscribed to every event of the subdistrict
    await publish(
        js, subdistrict, b'{"a": "v2 shape"}', f"rv.{subdistrict}.evt.requests.request.created.v2"
    )
    marker = request_created(subdistrict)
    await publish(js, subdistrict, marker.to_bytes())

    await eventually(lambda: _value(handled), until=lambda h: h == [marker.id], what="marker")
    assert await dead_letters(js, subdistrict) == []


async def test_an_event_whose_type_contradicts_its_subject_is_dead_lettered(
    start_consumer: Any, js: JetStreamContext, subdistrict: str
) -> None:
    handled: list[str] = []

    async def handler(ctx: EventContext) -> None:
        handled.append(ctx.envelope.id)

    await start_consumer(handler)
    sent = new_event(notification_sent(), subdistrict=subdistrict, subject="n1")
    await publish(js, subdistrict, sent.to_bytes())  # on the RequestCreated subject

    letters = await eventually(
        lambda: dead_letters(js, subdistrict), until=lambda r: len(r) == 1, what="a dead letter"
    )
    assert "does not belong on subject" in letters[0]["error"]
    assert handled == []


async def test_only_the_attempt_that_owns_a_claim_can_release_it(
    mongo_client: AsyncMongoClient, subdistrict: str
) -> None:
    """A slow first attempt that fails after a redelivery took over must not free the claim."""
    processed = ProcessedEvents(mongo_client[database_name(subdistrict, "tests")])
    assert await processed.claim("c", "e1", attempt="slow")
    await processed.take_over("c", "e1", attempt="redelivery")

    await processed.release("c", "e1", attempt="slow")
    assert not await processed.claim("c", "e1", attempt="third"), "released by a non-owner"

    await processed.release("c", "e1", attempt="redelivery")
    assert await processed.claim("c", "e1", attempt="third")


async def test_ensuring_streams_again_keeps_what_an_operator_set(
    js: JetStreamContext, subdistrict: str
) -> None:
    stream = events_stream(subdistrict)
    tuned = dataclasses.replace((await js.stream_info(stream)).config, max_age=7 * 24 * 3600.0)
    await js.update_stream(tuned)

    await ensure_streams(js, subdistrict)  # a service restarts

    assert (await js.stream_info(stream)).config.max_age == 7 * 24 * 3600.0
