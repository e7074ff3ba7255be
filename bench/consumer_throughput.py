"""Consume-side throughput: a hand-written nats-py + PyMongo consumer against our plumbing
(FastStream `NatsBroker` + `subscribe(broker, EventConsumer(...), subject)`).

Each variant gets a fresh subdistrict (its own stream and database), has all N events
published to the stream before its consumer starts, and is timed from creating the
durable consumer until all N effects (and idempotency records) are stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats
import nats.errors
from faststream.nats import NatsBroker
from nats.js.api import AckPolicy, ConsumerConfig
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from bench.cleanup import drop_subdistrict
from shared.bus.consumer import ConsumerPolicy, EventConsumer, EventContext, subscribe
from shared.bus.streams import ensure_streams
from shared.contracts.catalogue import event_type_of
from shared.contracts.envelope import CONTENT_TYPE
from shared.contracts.events.requests import RequestCreated
from shared.contracts.subjects import database_name, events_stream
from shared.store.client import make_client
from shared.store.idempotency import ProcessedEvents
from tests.factories import request_created

POLL_INTERVAL_S = 0.02
PUBLISH_CONCURRENCY = 64


@dataclass
class ThroughputResult:
    name: str
    description: str
    events: int
    batch: int
    seconds: float
    stored: int

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "events": self.events,
            "batch": self.batch,
            "seconds": round(self.seconds, 4),
            "events_per_s": round(self.rate, 1),
            "effects_stored": self.stored,
        }


def fresh_subdistrict(tag: str) -> str:
    return f"bench_{tag}_{secrets.token_hex(3)}"


def created_subject(subdistrict: str) -> str:
    return event_type_of(RequestCreated.model_construct()).subject(subdistrict)


async def prepublish(js: Any, subdistrict: str, n: int) -> None:
    """Create the streams and put N RequestCreated events in, each acknowledged by JetStream."""
    await ensure_streams(js, subdistrict)
    subject, stream = created_subject(subdistrict), events_stream(subdistrict)
    bodies = [(e.id, e.to_bytes()) for e in (request_created(subdistrict) for _ in range(n))]
    gate = asyncio.Semaphore(PUBLISH_CONCURRENCY)

    async def one(event_id: str, body: bytes) -> None:
        async with gate:
            await js.publish(
                subject,
                body,
                stream=stream,
                headers={"Nats-Msg-Id": event_id, "Content-Type": CONTENT_TYPE},
            )

    await asyncio.gather(*(one(i, b) for i, b in bodies))
    info = await js.stream_info(stream)
    if info.state.messages != n:
        raise RuntimeError(f"stream {stream} holds {info.state.messages} messages, not {n}")


async def raw_baseline(nats_url: str, mongo_url: str, n: int, batch: int) -> ThroughputResult:
    """Plain nats-py durable pull consumer (explicit ack) + AsyncMongoClient, one message
    handled at a time: json-parse, insert the idempotency record, insert the effect, ack."""
    tag = f"raw{batch}"
    subdistrict = fresh_subdistrict(tag)
    nc = await nats.connect(nats_url)
    mongo = make_client(mongo_url)
    consumer_name = "bench_raw"
    try:
        js = nc.jetstream()
        await prepublish(js, subdistrict, n)
        db = mongo[database_name(subdistrict, "bench")]
        processed, effects = db["processed_events"], db["effects"]
        # The same record design as shared/store/idempotency.py: unique by `_id`.
        await processed.create_index([("at", ASCENDING)], expireAfterSeconds=90 * 24 * 3600)

        deadline = time.monotonic() + max(120.0, n / 5)
        started = time.perf_counter()
        psub = await js.pull_subscribe(
            created_subject(subdistrict),
            durable=consumer_name,
            stream=events_stream(subdistrict),
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=30, max_deliver=8),
        )
        done = 0
        while done < n and time.monotonic() < deadline:
            try:
                msgs = await psub.fetch(batch, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            for msg in msgs:
                event = json.loads(msg.data)
                record_id = f"{consumer_name}:{event['id']}"
                try:
                    await processed.insert_one(
                        {
                            "_id": record_id,
                            "consumer": consumer_name,
                            "event_id": event["id"],
                            "at": datetime.now(UTC),
                        }
                    )
                except DuplicateKeyError:
                    await msg.ack()
                    continue
                await effects.insert_one(
                    {"_id": event["id"], "request_id": event["data"]["request_id"]}
                )
                await msg.ack()
                done += 1
        await nc.flush()  # the acks are on the wire
        seconds = time.perf_counter() - started
        stored = await effects.count_documents({})
        await psub.unsubscribe()
    finally:
        await nc.close()
        await mongo.close()
        await drop_subdistrict(nats_url, mongo_url, subdistrict, ("bench",))
    description = f"nats-py pull (batch={batch}) + AsyncMongoClient, 2 x insert_one + ack"
    return ThroughputResult(tag, description, n, batch, seconds, stored)


async def plumbing(
    nats_url: str, mongo_url: str, n: int, batch: int = 1, *, log_json_to: str | None = None
) -> ThroughputResult:
    """Our EventConsumer on a FastStream NatsBroker; the handler inserts one effect document."""
    tag = f"plumbing{batch}" + ("log" if log_json_to else "")
    subdistrict = fresh_subdistrict(tag)
    mongo = make_client(mongo_url)
    broker = NatsBroker(
        nats_url,
        graceful_timeout=10.0,
        name="redvest-bench",
        logger=logging.getLogger("faststream.bench"),
    )
    # As in a service (shared/logging.py): FastStream's per-message access log is off.
    logging.getLogger("faststream.bench").setLevel(logging.WARNING)
    restore = _service_logging(subdistrict, log_json_to) if log_json_to else None
    try:
        db = mongo[database_name(subdistrict, "bench")]
        processed = ProcessedEvents(db)
        await processed.create_indexes()
        effects = db["effects"]

        async def on_created(ctx: EventContext) -> None:
            assert isinstance(ctx.data, RequestCreated)
            await effects.insert_one({"_id": ctx.envelope.id, "request_id": ctx.data.request_id})

        consumer = EventConsumer(
            subdistrict=subdistrict,
            name="bench_plumbing",
            handlers={RequestCreated: on_created},
            processed=processed,
            policy=ConsumerPolicy(batch_size=batch),
            broker=broker,
        )
        subscribe(broker, consumer, created_subject(subdistrict))
        await broker.connect()
        await prepublish(broker.connection.jetstream(), subdistrict, n)

        deadline = time.monotonic() + max(120.0, n / 5)
        started = time.perf_counter()
        await broker.start()
        # Bounded polling: the idempotency record is written after the effect, just before the
        # ack. estimated_document_count, not count_documents: the latter scans the whole
        # collection on nx-27017 (~14 us per document), which would slow the run it measures.
        while time.monotonic() < deadline:
            if await processed.collection.estimated_document_count() >= n:
                break
            await asyncio.sleep(POLL_INTERVAL_S)
        seconds = time.perf_counter() - started
        stored = await effects.count_documents({})
    finally:
        await broker.stop()
        await mongo.close()
        if restore:
            restore()
        await drop_subdistrict(nats_url, mongo_url, subdistrict, ("bench",))
    description = f"FastStream NatsBroker + EventConsumer (batch={batch}), handler inserts 1 doc"
    if log_json_to:
        description += ", JSON logs at INFO as in a service"
    return ThroughputResult(tag, description, n, batch, seconds, stored)


def _service_logging(subdistrict: str, path: str) -> Any:
    """Log as a service process does (JSON at INFO), but into `path`; returns an undo."""
    from shared.logging import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("faststream").level)
    configure_logging("bench", subdistrict, "INFO")
    stream = open(path, "a")
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]

    def restore() -> None:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("faststream").setLevel(saved[2])
        stream.close()

    return restore
