"""The embedded outbox and its relay, on the real servers."""

import asyncio
import json
import time
from typing import Any

import pytest
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from shared.contracts.rpc import Conflict
from shared.contracts.subjects import database_name, events_stream
from shared.store.aggregates import AggregateStore
from shared.store.outbox import OutboxRelay
from tests.factories import request_created
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(mongo_client: AsyncMongoClient, subdistrict: str) -> AggregateStore:
    s = AggregateStore(mongo_client[database_name(subdistrict, "tests")]["things"])
    await s.create_indexes()
    return s


async def stream_ids(js: JetStreamContext, subdistrict: str) -> list[str]:
    stream = events_stream(subdistrict)
    info = await js.stream_info(stream)
    if info.state.messages == 0:
        return []
    ids = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(stream, seq)
        assert msg.headers and msg.headers["Nats-Msg-Id"] == json.loads(msg.data)["id"]
        ids.append(json.loads(msg.data)["id"])
    return ids


async def assert_outbox_empty(store: AggregateStore, aggregate_id: str) -> None:
    doc = await store.get(aggregate_id)
    assert doc["outbox"] == []
    # What the sweep looks for. (nx-27017 reads a $set boolean back as 0: compare by query.)
    assert await store.collection.count_documents({"_id": aggregate_id, "has_outbox": True}) == 0


async def test_relay_publishes_in_order_and_empties_the_outbox(
    store: AggregateStore, js: JetStreamContext, subdistrict: str
) -> None:
    events = [request_created(subdistrict) for _ in range(3)]
    await store.insert({"_id": "a1", "name": "x"}, events)
    relay = OutboxRelay(store.collection, js, subdistrict)

    assert await relay.relay("a1") == 3

    assert await stream_ids(js, subdistrict) == [e.id for e in events]
    await assert_outbox_empty(store, "a1")


async def test_republish_after_a_crash_before_removal_is_deduplicated(
    store: AggregateStore, js: JetStreamContext, subdistrict: str
) -> None:
    events = [request_created(subdistrict) for _ in range(2)]
    await store.insert({"_id": "a2"}, events)
    relay = OutboxRelay(store.collection, js, subdistrict)
    await relay.relay("a2")
    # As if the process died after JetStream acked but before the outbox was emptied.
    pending = [e.model_dump(mode="json") for e in events]
    await store.collection.update_one(
        {"_id": "a2"}, {"$set": {"outbox": pending, "has_outbox": True}}
    )

    assert await relay.sweep() == 1

    assert await stream_ids(js, subdistrict) == [e.id for e in events]
    await assert_outbox_empty(store, "a2")


async def test_background_relay_publishes_soon_after_a_write(
    store: AggregateStore, js: JetStreamContext, subdistrict: str
) -> None:
    relay = OutboxRelay(store.collection, js, subdistrict, sweep_interval_s=60)
    store.on_events = relay.wake
    relay.start()
    try:
        event = request_created(subdistrict)
        await store.insert({"_id": "a3"}, [event])
        await eventually(
            lambda: stream_ids(js, subdistrict),
            until=lambda ids: ids == [event.id],
            what="the published event",
        )
    finally:
        await relay.stop()


async def test_events_added_while_relaying_are_not_lost(
    store: AggregateStore, js: JetStreamContext, subdistrict: str
) -> None:
    first, second = request_created(subdistrict), request_created(subdistrict)
    await store.insert({"_id": "a4", "n": 0}, [first])
    relay = OutboxRelay(store.collection, js, subdistrict)
    original = relay._publish

    async def publish_then_write(event: dict[str, Any]) -> None:
        await original(event)
        if event["id"] == first.id:  # a writer adds an event between publish and removal
            await store.update("a4", lambda doc: ({**doc, "n": 1}, [second]))

    relay._publish = publish_then_write  # type: ignore[method-assign]
    await relay.relay("a4")

    assert await stream_ids(js, subdistrict) == [first.id, second.id]
    assert (await store.get("a4"))["n"] == 1
    await assert_outbox_empty(store, "a4")


async def test_stale_revision_is_a_conflict_and_changes_nothing(store: AggregateStore) -> None:
    await store.insert({"_id": "a5", "n": 0})
    await store.update("a5", lambda doc: ({**doc, "n": 1}, []))

    with pytest.raises(Conflict):
        await store.update("a5", lambda doc: ({**doc, "n": 99}, []), expected_revision=1)

    assert (await store.get("a5"))["n"] == 1


async def test_concurrent_guarded_updates_have_one_winner(store: AggregateStore) -> None:
    await store.insert({"_id": "a6", "winner": None})

    async def claim(name: str) -> str:
        def change(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
            return {**doc, "winner": name}, []

        try:
            await store.update("a6", change, expected_revision=1)
        except Conflict:
            return "lost"
        return "won"

    results = await asyncio.gather(*(claim(f"w{i}") for i in range(10)))

    assert results.count("won") == 1
    doc = await store.get("a6")
    assert doc["revision"] == 2 and doc["winner"] == f"w{results.index('won')}"


async def test_inserting_an_existing_id_is_a_conflict(store: AggregateStore) -> None:
    await store.insert({"_id": "a7"})
    with pytest.raises(Conflict):
        await store.insert({"_id": "a7"})


async def test_the_sweep_is_not_starved_by_a_steady_stream_of_writes(
    store: AggregateStore, js: JetStreamContext, subdistrict: str
) -> None:
    stranded = request_created(subdistrict)
    # Stored while NATS was away: nobody will wake the relay for it.
    await store.collection.insert_one(
        {
            "_id": "stranded",
            "version": 1,
            "outbox": [stranded.model_dump(mode="json")],
            "has_outbox": True,
        }
    )
    relay = OutboxRelay(store.collection, js, subdistrict, sweep_interval_s=0.5)
    store.on_events = relay.wake
    relay._last_sweep = time.monotonic()  # as if it had just swept, before the outage
    relay.start()
    busy = True

    async def steady_writes() -> None:
        n = 0
        while busy:  # a new write every 50 ms: more often than the sweep interval
            await store.insert({"_id": f"w{n}"}, [request_created(subdistrict)])
            n += 1
            await asyncio.sleep(0.05)

    writer = asyncio.create_task(steady_writes())
    try:
        await eventually(
            lambda: stream_ids(js, subdistrict),
            until=lambda ids: stranded.id in ids,
            within=10,
            what="the stranded event",
        )
    finally:
        busy = False
        await writer
        await relay.stop()


async def test_one_aggregate_that_cannot_be_published_does_not_block_the_sweep(
    store: AggregateStore, js: JetStreamContext, subdistrict: str
) -> None:
    unknown = {
        **request_created(subdistrict).model_dump(mode="json"),
        "type": "cn.redvest.future.thing.happened.v1",
    }
    good = request_created(subdistrict)
    await store.insert({"_id": "a-unknown"}, [])
    await store.collection.update_one(
        {"_id": "a-unknown"}, {"$set": {"outbox": [unknown], "has_outbox": True}}
    )
    await store.insert({"_id": "b-good"}, [good])
    relay = OutboxRelay(store.collection, js, subdistrict)

    assert await relay.sweep() == 1

    assert await stream_ids(js, subdistrict) == [good.id]
    still_pending = await store.collection.count_documents({"has_outbox": True})
    assert still_pending == 1  # kept, for a replica that knows the type


async def test_the_relay_does_not_turn_a_clients_next_change_into_a_conflict(
    store: AggregateStore, js: JetStreamContext, subdistrict: str
) -> None:
    created = await store.insert({"_id": "a8", "n": 0}, [request_created(subdistrict)])
    await OutboxRelay(store.collection, js, subdistrict).relay("a8")  # bumps the fence

    changed = await store.update(
        "a8", lambda doc: ({**doc, "n": 1}, []), expected_revision=created["revision"]
    )

    assert (changed["n"], changed["revision"]) == (1, 2)
    assert changed["version"] > 2  # the relay's writes moved the fence meanwhile
