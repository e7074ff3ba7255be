"""Store conformance: every query shape the store code uses, with MongoDB's semantics.

Runs against whichever server the fixtures provide (real MongoDB or nx-27017), so a server
that gets one of our shapes wrong fails here, loudly, not in a service at run time.
The last section pins known nx-27017 faults as strict xfails, only on nx-27017: if a
release fixes one, its test XPASSes, fails the run, and docs/storage.md needs updating.
See docs/storage.md and /work/shared/handbook/STORE-COMPAT.md.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from bson import Decimal128
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.store.idempotency import ProcessedEvents
from tests.infra import is_nx_27017

pytestmark = pytest.mark.integration

Doc = dict[str, Any]
CST = timezone(timedelta(hours=8))  # the subdistrict's local time: must round-trip as an instant


@pytest.fixture
async def db(
    mongo_client: AsyncMongoClient[Doc], subdistrict: str
) -> AsyncIterator[AsyncDatabase[Doc]]:
    """A database of this test's own, named as services name theirs; dropped afterwards."""
    name = f"rv_{subdistrict}_conformance"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


def event(event_id: str, kind: str = "RequestCreated") -> Doc:
    # Shaped like an outbox entry: a CloudEvent dumped to JSON-ready dict, nested data.
    return {
        "id": event_id,
        "type": kind,
        "time": "2026-05-01T08:30:15.123Z",
        "data": {"request_id": "r1", "tags": ["elderly", "meals"], "points": 3},
    }


def aggregate(agg_id: str, events: list[Doc] | None = None, version: int = 1) -> Doc:
    events = events or []
    return {
        "_id": agg_id,
        "version": version,
        "status": "open",
        "resident": {"name": "王阿姨", "address": {"building": "3", "unit": "2-501"}},
        "created_at": datetime(2026, 5, 1, 8, 30, 15, 123000, tzinfo=UTC),
        "due_at": datetime(2026, 5, 2, 18, 0, tzinfo=CST),
        "history": [
            {"at": datetime(2026, 5, 1, 9, 0, tzinfo=UTC), "by": "m1", "note": "claimed"},
            {"at": datetime(2026, 5, 1, 9, 5, tzinfo=UTC), "by": "m2", "note": "handed over"},
        ],
        "outbox": events,
        "has_outbox": bool(events),
    }


# --- Aggregates: create, guarded replace, races ------------------------------------------


async def test_insert_one_round_trips_nested_documents_and_aware_datetimes(
    db: AsyncDatabase[Doc],
) -> None:
    doc = aggregate("a1", [event("e1"), event("e2")])
    await db.requests.insert_one(dict(doc))

    stored = await db.requests.find_one({"_id": "a1"})

    assert stored == doc
    assert stored is not None
    assert stored["created_at"].tzinfo is not None
    assert stored["due_at"] == datetime(2026, 5, 2, 10, 0, tzinfo=UTC)  # same instant
    assert all(isinstance(e, dict) for e in stored["outbox"])


async def test_insert_one_of_an_existing_id_is_a_duplicate_key(db: AsyncDatabase[Doc]) -> None:
    await db.requests.insert_one(aggregate("a1"))
    with pytest.raises(DuplicateKeyError):
        await db.requests.insert_one(aggregate("a1"))


async def test_guarded_replace_matches_only_the_expected_version(db: AsyncDatabase[Doc]) -> None:
    await db.requests.insert_one(aggregate("a1"))
    new = {**aggregate("a1", [event("e1")], version=2), "status": "assigned"}

    won = await db.requests.replace_one({"_id": "a1", "version": 1}, new)
    stale = await db.requests.replace_one(
        {"_id": "a1", "version": 1}, {**new, "status": "cancelled"}
    )

    assert (won.matched_count, won.modified_count) == (1, 1)
    assert (stale.matched_count, stale.modified_count) == (0, 0)
    assert await db.requests.find_one({"_id": "a1"}) == new


@pytest.mark.parametrize("shape", ["replace_one", "update_one"])
async def test_twenty_concurrent_guarded_writers_have_exactly_one_winner(
    db: AsyncDatabase[Doc], shape: str
) -> None:
    await db.requests.insert_one(aggregate("a1"))

    async def write(i: int) -> int:
        guard = {"_id": "a1", "version": 1}
        if shape == "replace_one":
            result = await db.requests.replace_one(guard, {**aggregate("a1", version=2), "by": i})
        else:
            result = await db.requests.update_one(
                guard, {"$set": {"by": i}, "$inc": {"version": 1}}
            )
        return result.matched_count

    matched = await asyncio.gather(*(write(i) for i in range(20)))

    assert sum(matched) == 1
    stored = await db.requests.find_one({"_id": "a1"})
    assert stored is not None
    assert stored["version"] == 2
    assert stored["by"] == matched.index(1)


# --- Embedded outbox: relay and sweep ------------------------------------------------------


async def test_relay_pull_removes_exactly_one_event_and_bumps_the_version(
    db: AsyncDatabase[Doc],
) -> None:
    await db.requests.insert_one(aggregate("a1", [event("e1"), event("e2"), event("e3")]))

    result = await db.requests.update_one(
        {"_id": "a1"},
        {
            "$pull": {"outbox": {"id": "e2"}},
            "$inc": {"version": 1},
            "$set": {"relayed_at": datetime(2026, 5, 1, 9, 0, tzinfo=UTC)},
        },
    )

    assert result.matched_count == 1
    stored = await db.requests.find_one({"_id": "a1"})
    assert stored is not None
    assert stored["outbox"] == [event("e1"), event("e3")]
    assert all(isinstance(e, dict) for e in stored["outbox"])  # not JSON strings
    assert stored["version"] == 2
    assert stored["relayed_at"] == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    # The $inc is what makes a writer that read before the relay lose, not resurrect e2.
    stale = await db.requests.replace_one({"_id": "a1", "version": 1}, aggregate("a1"))
    assert stale.matched_count == 0


async def test_relay_clear_is_guarded_by_the_version_it_read(db: AsyncDatabase[Doc]) -> None:
    """The relay empties the outbox only if nobody wrote since it read (shared/store/outbox.py)."""
    await db.requests.insert_one(aggregate("a1", [event("e1")]))
    clear = {"$set": {"outbox": [], "has_outbox": False}, "$inc": {"version": 1}}
    # A writer adds e2 after the relay read version 1 and published e1.
    await db.requests.replace_one(
        {"_id": "a1", "version": 1}, {**aggregate("a1", [event("e1"), event("e2")]), "version": 2}
    )

    stale_clear = await db.requests.update_one({"_id": "a1", "version": 1}, clear)
    fallback = await db.requests.update_one(
        {"_id": "a1"}, {"$pull": {"outbox": {"id": "e1"}}, "$inc": {"version": 1}}
    )
    clear_now = await db.requests.update_one({"_id": "a1", "version": 3}, clear)

    assert (stale_clear.matched_count, fallback.matched_count) == (0, 1)
    assert clear_now.matched_count == 1
    stored = await db.requests.find_one({"_id": "a1"})
    assert stored is not None
    assert (stored["outbox"], stored["version"]) == ([], 4)
    assert await db.requests.count_documents({"has_outbox": True}) == 0


async def test_set_of_a_whole_array_stores_real_sub_documents(db: AsyncDatabase[Doc]) -> None:
    await db.requests.insert_one(aggregate("a1", [event("e1")]))
    events = [event("e1"), event("e2"), event("e3", "RequestClosed")]

    await db.requests.update_one(
        {"_id": "a1", "version": 1},
        {"$set": {"outbox": events, "has_outbox": True}, "$inc": {"version": 1}},
    )
    await db.requests.update_one({"_id": "a1"}, {"$pull": {"outbox": {"id": "e1"}}})

    stored = await db.requests.find_one({"_id": "a1"})
    assert stored is not None
    assert stored["outbox"] == events[1:]
    assert all(isinstance(e, dict) for e in stored["outbox"])


async def test_sweep_finds_pending_outboxes_by_an_indexed_flag(db: AsyncDatabase[Doc]) -> None:
    await db.requests.create_index([("has_outbox", ASCENDING)])
    await db.requests.insert_many(
        [
            aggregate("a1", [event("e1")]),
            aggregate("a2"),
            aggregate("a3", [event("e3"), event("e4")]),
            aggregate("a4", [event("e5")]),
        ]
    )
    await db.requests.update_one(
        {"_id": "a4"}, {"$pull": {"outbox": {"id": "e5"}}, "$set": {"has_outbox": False}}
    )

    pending = [d["_id"] async for d in db.requests.find({"has_outbox": True}).sort("_id", 1)]

    assert pending == ["a1", "a3"]


# --- Idempotency and indexes ---------------------------------------------------------------


async def test_processed_record_keyed_by_id_rejects_a_second_consumer_event_pair(
    db: AsyncDatabase[Doc],
) -> None:
    """shared/store/idempotency.py: `_id` = consumer:event_id, looked up by `_id`."""
    at = datetime.now(UTC)

    for consumer, event_id in (("notify", "e1"), ("notify", "e2"), ("registry", "e1")):
        await db.processed_events.insert_one(
            {"_id": f"{consumer}:{event_id}", "consumer": consumer, "event_id": event_id, "at": at}
        )
    with pytest.raises(DuplicateKeyError) as raised:
        await db.processed_events.insert_one({"_id": "notify:e1", "at": at})

    assert raised.value.code == 11000
    assert await db.processed_events.count_documents({}) == 3
    assert await db.processed_events.find_one({"_id": "notify:e1"}, {"_id": 1}) == {
        "_id": "notify:e1"
    }
    assert await db.processed_events.find_one({"_id": "notify:e3"}, {"_id": 1}) is None


async def test_create_index_twice_is_idempotent(db: AsyncDatabase[Doc]) -> None:
    ttl = {"expireAfterSeconds": 90 * 24 * 3600}
    first = await db.processed_events.create_index([("at", ASCENDING)], **ttl)
    flag_first = await db.requests.create_index([("has_outbox", ASCENDING)])
    before = await db.processed_events.index_information()

    second = await db.processed_events.create_index([("at", ASCENDING)], **ttl)
    flag_second = await db.requests.create_index([("has_outbox", ASCENDING)])

    assert (first, flag_first) == (second, flag_second)
    assert await db.processed_events.index_information() == before
    await db.processed_events.insert_one({"_id": "c:e1", "at": datetime.now(UTC)})
    assert await db.processed_events.count_documents({}) == 1  # a fresh record is kept


# --- Queries: sort, paging, counting ---------------------------------------------------------


ROWS: list[Doc] = [
    {"_id": f"r{i:03d}", "status": status, "priority": prio, "points": i}
    for i, (status, prio) in enumerate(
        [("open", 2), ("done", 1), ("open", 3), ("open", 2), ("done", 3), ("open", 1), ("open", 3)]
        * 3
    )
]


async def test_find_with_sort_on_several_keys_and_limit(db: AsyncDatabase[Doc]) -> None:
    await db.requests.insert_many([dict(r) for r in ROWS])
    expected = sorted(
        (r for r in ROWS if r["status"] == "open"), key=lambda r: (-r["priority"], r["_id"])
    )[:5]

    found = await db.requests.find(
        {"status": "open"}, sort=[("priority", DESCENDING), ("_id", ASCENDING)], limit=5
    ).to_list()

    assert found == expected


async def test_cursor_paging_on_string_ids(db: AsyncDatabase[Doc]) -> None:
    await db.requests.insert_many([dict(r) for r in ROWS])
    pages: list[list[str]] = []
    cursor = ""

    while True:
        page = await db.requests.find(
            {"_id": {"$gt": cursor}, "status": "open"}, sort=[("_id", ASCENDING)], limit=4
        ).to_list()
        if not page:
            break
        pages.append([d["_id"] for d in page])
        cursor = page[-1]["_id"]

    open_ids = [r["_id"] for r in ROWS if r["status"] == "open"]
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    assert [i for p in pages for i in p] == open_ids


async def test_newest_first_cursor_paging_on_string_ids(db: AsyncDatabase[Doc]) -> None:
    """The inbox's shape: `_id < cursor`, sorted by `_id` descending."""
    await db.requests.insert_many([dict(r) for r in ROWS])
    seen: list[str] = []
    filters: Doc = {}

    while page := await db.requests.find(filters, sort=[("_id", DESCENDING)], limit=4).to_list():
        seen += [d["_id"] for d in page]
        filters = {"_id": {"$lt": page[-1]["_id"]}}

    assert seen == sorted((r["_id"] for r in ROWS), reverse=True)


async def test_a_boolean_cleared_with_set_is_matched_by_query(db: AsyncDatabase[Doc]) -> None:
    """The relay clears `has_outbox` with $set; the sweep must then stop finding it."""
    await db.requests.insert_one({"_id": "a1", "has_outbox": True})

    await db.requests.update_one({"_id": "a1"}, {"$set": {"has_outbox": False}})

    assert await db.requests.count_documents({"has_outbox": True}) == 0
    assert await db.requests.count_documents({"has_outbox": False}) == 1


async def test_count_documents(db: AsyncDatabase[Doc]) -> None:
    await db.requests.insert_many([dict(r) for r in ROWS])

    assert await db.requests.count_documents({}) == len(ROWS)
    assert await db.requests.count_documents({"status": "done"}) == 6
    assert await db.requests.count_documents({"status": "open", "priority": {"$gte": 3}}) == 6
    assert await db.requests.count_documents({"status": "missing"}) == 0


async def test_find_one_and_update_set_and_inc_returns_the_document_after(
    db: AsyncDatabase[Doc],
) -> None:
    await db.counters.insert_one({"_id": "sequence", "value": 41, "label": "old"})

    after = await db.counters.find_one_and_update(
        {"_id": "sequence"},
        {"$set": {"label": "new"}, "$inc": {"value": 1}},
        return_document=ReturnDocument.AFTER,
    )
    before = await db.counters.find_one_and_update(
        {"_id": "sequence"}, {"$inc": {"value": 1}}, return_document=ReturnDocument.BEFORE
    )
    missing = await db.counters.find_one_and_update(
        {"_id": "nope"}, {"$inc": {"value": 1}}, return_document=ReturnDocument.AFTER
    )

    assert after == {"_id": "sequence", "value": 42, "label": "new"}
    assert before == after
    assert missing is None
    assert await db.counters.find_one({"_id": "sequence"}) == {**after, "value": 43}


async def test_delete_one(db: AsyncDatabase[Doc]) -> None:
    await db.requests.insert_many([aggregate("a1"), aggregate("a2")])

    first = await db.requests.delete_one({"_id": "a1"})
    again = await db.requests.delete_one({"_id": "a1"})

    assert (first.deleted_count, again.deleted_count) == (1, 0)
    assert [d["_id"] async for d in db.requests.find({})] == ["a2"]


# --- Known nx-27017 faults: shapes the code must NOT use --------------------------------------
# Each asserts MongoDB's behaviour, so it passes on MongoDB; on nx-27017 it is a strict xfail.


async def known_nx_fault(request: pytest.FixtureRequest, db: AsyncDatabase[Doc], why: str) -> None:
    if is_nx_27017(await db.client.admin.command("buildInfo")):
        request.applymarker(pytest.mark.xfail(reason=f"nx-27017: {why}", strict=True))


async def test_push_of_a_sub_document_stores_a_sub_document(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "$push of sub-documents stores JSON strings")
    await db.requests.insert_one(aggregate("a1", [event("e1")]))

    await db.requests.update_one({"_id": "a1"}, {"$push": {"outbox": event("e2")}})
    await db.requests.update_one({"_id": "a1"}, {"$pull": {"outbox": {"id": "e1"}}})

    stored = await db.requests.find_one({"_id": "a1"})
    assert stored is not None
    assert stored["outbox"] == [event("e2")]


async def test_ne_on_a_missing_field_in_an_update_filter_matches(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "$ne on a missing field in update filters matches wrongly")
    await db.requests.insert_many([aggregate("a1"), {**aggregate("a2"), "claimed_by": "m1"}])

    unclaimed = await db.requests.update_one(
        {"_id": "a1", "claimed_by": {"$ne": "m1"}}, {"$set": {"claimed_by": "m2"}}
    )
    taken = await db.requests.update_one(
        {"_id": "a2", "claimed_by": {"$ne": "m1"}}, {"$set": {"claimed_by": "m2"}}
    )

    assert (unclaimed.matched_count, taken.matched_count) == (1, 0)


def items_doc(doc_id: Any) -> Doc:
    return {"_id": doc_id, "items": [{"k": "x", "q": 1}, {"k": "y", "q": 2}, {"k": "z", "q": 3}]}


async def quantities(db: AsyncDatabase[Doc], doc_id: Any) -> list[int]:
    doc = await db.lines.find_one({"_id": doc_id})
    assert doc is not None
    assert set(doc) == {"_id", "items"}  # no stray literal "items.$.q" field
    return [item["q"] for item in doc["items"]]


async def test_positional_update_after_elem_match(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "positional $ after $elemMatch fails")
    await db.lines.insert_one(items_doc("a"))

    await db.lines.update_one(
        {"_id": "a", "items": {"$elemMatch": {"k": "z"}}}, {"$set": {"items.$.q": 9}}
    )

    assert await quantities(db, "a") == [1, 2, 9]


async def test_positional_inc(request: pytest.FixtureRequest, db: AsyncDatabase[Doc]) -> None:
    await known_nx_fault(request, db, "$inc on items.$.q writes a literal 'items.$.q' field")
    await db.lines.insert_one(items_doc("a"))

    await db.lines.update_one({"_id": "a", "items.k": "z"}, {"$inc": {"items.$.q": 5}})

    assert await quantities(db, "a") == [1, 2, 8]


async def test_array_filters(request: pytest.FixtureRequest, db: AsyncDatabase[Doc]) -> None:
    await known_nx_fault(request, db, "arrayFilters are silently ignored")
    await db.lines.insert_one(items_doc("a"))

    await db.lines.update_one(
        {"_id": "a"}, {"$set": {"items.$[e].q": 9}}, array_filters=[{"e.k": "z"}]
    )

    assert await quantities(db, "a") == [1, 2, 9]


async def test_index_path_in_an_update(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "$set of items.1.q is silently ignored")
    await db.lines.insert_one(items_doc("a"))

    await db.lines.update_one({"_id": "a"}, {"$set": {"items.1.q": 9}})

    assert await quantities(db, "a") == [1, 9, 3]


async def test_find_one_and_update_upsert_applies_set_on_insert(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "$setOnInsert ignored by find_one_and_update upserts")

    created = await db.counters.find_one_and_update(
        {"_id": "seq"},
        {"$setOnInsert": {"created": "now"}, "$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )

    assert created == {"_id": "seq", "created": "now", "value": 1}


async def test_exists_on_an_array_position(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "$exists on outbox.0 returns nothing (sweep uses a flag)")
    await db.requests.insert_many([aggregate("a1", [event("e1")]), aggregate("a2")])

    found = await db.requests.find({"outbox.0": {"$exists": True}}, sort=[("_id", 1)]).to_list()

    assert [d["_id"] for d in found] == ["a1"]


async def test_ne_empty_array_in_find(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "{outbox: {$ne: []}} matches empty arrays")
    await db.requests.insert_many([aggregate("a1", [event("e1")]), aggregate("a2")])

    found = await db.requests.find({"outbox": {"$ne": []}}, sort=[("_id", 1)]).to_list()

    assert [d["_id"] for d in found] == ["a1"]


async def test_range_on_integer_ids_in_delete_and_update(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(
        request, db, "ranges on integer _id in update/delete filters match wrongly"
    )
    await db.numbered.insert_many([{"_id": i, "v": 0} for i in range(1, 15)])

    updated = await db.numbered.update_many({"_id": {"$gte": 10}}, {"$set": {"v": 1}})
    deleted = await db.numbered.delete_many({"_id": {"$gte": 5, "$lt": 10}})

    assert (updated.modified_count, deleted.deleted_count) == (5, 5)
    assert await db.numbered.count_documents({}) == 9


async def test_compiled_regex_in_a_filter(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "re.compile / bson.Regex fail; use {$regex: str}")
    await db.requests.insert_many([aggregate("a1"), aggregate("b1")])

    found = await db.requests.find({"_id": re.compile("^a")}, sort=[("_id", 1)]).to_list()

    assert [d["_id"] for d in found] == ["a1"]


async def test_decimal128_round_trips(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "Decimal128 fails; store points/money as integers")

    await db.ledger.insert_one({"_id": "x", "amount": Decimal128("1.10")})

    assert await db.ledger.find_one({"_id": "x"}) == {"_id": "x", "amount": Decimal128("1.10")}


async def test_group_after_unwind_of_sub_documents(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "$unwind over sub-documents then $group gives _id None")
    await db.lines.insert_many([items_doc("a"), items_doc("b")])

    groups = await (
        await db.lines.aggregate(
            [
                {"$unwind": "$items"},
                {"$group": {"_id": "$items.k", "total": {"$sum": "$items.q"}}},
                {"$sort": {"_id": 1}},
            ]
        )
    ).to_list()

    assert groups == [{"_id": "x", "total": 2}, {"_id": "y", "total": 4}, {"_id": "z", "total": 6}]


async def test_set_of_a_boolean_reads_back_as_a_boolean(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "a top-level boolean written by $set reads back as 0/1")
    await db.requests.insert_one({"_id": "a1", "flag": True})

    await db.requests.update_one({"_id": "a1"}, {"$set": {"flag": False}})

    stored = await db.requests.find_one({"_id": "a1"})
    assert stored is not None
    assert stored["flag"] is False


async def test_insert_under_a_compound_index_that_includes_id(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "a compound index with _id makes every insert fail")
    await db.requests.create_index([("audience", ASCENDING), ("_id", DESCENDING)])

    await db.requests.insert_one({"_id": "a1", "audience": "x"})

    assert await db.requests.count_documents({"audience": "x"}) == 1


# --- Accounts (services/gateway/accounts/store.py) --------------------------------------------


async def test_find_one_and_delete_takes_a_single_use_token_once(db: AsyncDatabase[Doc]) -> None:
    await db.refresh_tokens.insert_one({"_id": "digest1", "user_id": "u1"})

    first = await db.refresh_tokens.find_one_and_delete({"_id": "digest1"})
    second = await db.refresh_tokens.find_one_and_delete({"_id": "digest1"})

    assert first == {"_id": "digest1", "user_id": "u1"}
    assert second is None


async def test_replace_one_upsert_creates_then_replaces(db: AsyncDatabase[Doc]) -> None:
    at = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    await db.failures.replace_one({"_id": "bob"}, {"_id": "bob", "n": 1, "at": at}, upsert=True)
    await db.failures.replace_one({"_id": "bob"}, {"_id": "bob", "n": 2, "at": at}, upsert=True)

    assert await db.failures.find({}).to_list() == [{"_id": "bob", "n": 2, "at": at}]


async def test_delete_many_by_a_string_field(db: AsyncDatabase[Doc]) -> None:
    await db.refresh_tokens.insert_many(
        [{"_id": f"d{i}", "user_id": "u1" if i < 3 else "u2"} for i in range(5)]
    )

    deleted = await db.refresh_tokens.delete_many({"user_id": "u1"})

    assert deleted.deleted_count == 3
    assert await db.refresh_tokens.distinct("user_id") == ["u2"]


async def test_ttl_index_at_zero_seconds_is_accepted(db: AsyncDatabase[Doc]) -> None:
    """Expiry itself runs on the server's schedule (a minute or so); the code also checks
    `expires_at` when it reads a token, so it never relies on expiry having run."""
    await db.refresh_tokens.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
    info = await db.refresh_tokens.index_information()
    assert any(spec.get("expireAfterSeconds") == 0 for spec in info.values())


# --- Idempotency keys (services/gateway/idempotency.py) ---------------------------------------


async def test_idempotency_claim_then_guarded_replace_with_the_response(
    db: AsyncDatabase[Doc],
) -> None:
    """A claim is an insert_one keyed by _id; the owner replaces it, guarded by its token,
    with the response; its body as base64 text (nx-27017 cannot replace_one bytes)."""
    at = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    claim = {"_id": "k1", "token": "t1", "state": "in_flight", "body_sha256": "ab", "at": at}
    await db.idempotency_keys.insert_one(dict(claim))
    with pytest.raises(DuplicateKeyError):
        await db.idempotency_keys.insert_one({**claim, "token": "t2"})

    body = base64.b64encode('{"id": "r1", "title": "井盖"}'.encode() + b"\x00\xff").decode()
    done = {**claim, "state": "done", "status": 201, "headers": [["content-type", "x/y"]]}
    stale = await db.idempotency_keys.replace_one({"_id": "k1", "token": "t2"}, done)
    won = await db.idempotency_keys.replace_one(
        {"_id": "k1", "token": "t1"}, {**done, "body": body}
    )

    assert (stale.matched_count, won.matched_count) == (0, 1)
    assert await db.idempotency_keys.find_one({"_id": "k1"}) == {**done, "body": body}


async def test_idempotency_guarded_delete_removes_only_the_owners_claim(
    db: AsyncDatabase[Doc],
) -> None:
    await db.idempotency_keys.insert_one({"_id": "k1", "token": "t1", "state": "in_flight"})

    other = await db.idempotency_keys.delete_one({"_id": "k1", "token": "t2"})
    owner = await db.idempotency_keys.delete_one({"_id": "k1", "token": "t1"})

    assert (other.deleted_count, owner.deleted_count) == (0, 1)
    assert await db.idempotency_keys.find_one({"_id": "k1"}) is None


async def test_replace_one_with_bytes(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    """insert_one and $set of bytes work on nx-27017 0.8.1; replace_one of them fails."""
    await known_nx_fault(
        request, db, "replace_one: 'Object of type bytes is not JSON serializable'"
    )
    await db.idempotency_keys.insert_one({"_id": "k1", "body": b"\x00"})

    await db.idempotency_keys.replace_one({"_id": "k1"}, {"body": b"\x00\xff"})

    assert await db.idempotency_keys.find_one({"_id": "k1"}) == {"_id": "k1", "body": b"\x00\xff"}


# --- Request listings (services/requests/queries.py) -----------------------------------------


def _listing_rows() -> list[Doc]:
    kinds, statuses = ["repair", "health", "complaint"], ["submitted", "accepted", "resolved"]
    start = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    return [
        {
            "_id": f"0190-{i:04d}",  # string ids sortable by creation time, like UUIDv7
            "kind": kinds[i % 3],
            "status": statuses[(i // 3) % 3],
            "location": {"community_id": f"c{i % 2}", "building_id": f"b{i}"},
            "submitted_at": start + timedelta(hours=i),
        }
        for i in range(24)
    ]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"kinds": ["repair", "complaint"], "community_id": "c1"},
        {"statuses": ["submitted", "accepted"]},
        {"statuses": ["submitted", "accepted"], "not_statuses": ["accepted"]},
        {"not_statuses": ["resolved", "closed"]},
        {"ids": ["0190-0003", "0190-0007", "0190-0010", "0190-9999"], "cursor": "0190-0010"},
        {
            "submitted_from": datetime(2026, 5, 1, 18, 0, tzinfo=CST),  # 10:00 UTC: row 2
            "submitted_to": datetime(2026, 5, 1, 20, 0, tzinfo=UTC),  # row 12, exclusive
            "kinds": ["repair", "health"],
        },
    ],
)
async def test_request_listing_filters_with_newest_first_paging(
    db: AsyncDatabase[Doc], filters: Doc
) -> None:
    """The filters list_requests builds: `$in`/`$nin`, a dotted equality on a sub-document
    field, a range on aware datetimes, `$in` and `$lt` together on _id; every field indexed
    on its own; sorted by _id descending, paged by `_id < cursor`."""
    from services.requests.queries import INDEXED_FIELDS, request_filter
    from shared.contracts.commands.requests import ListRequests

    rows = _listing_rows()
    for field in INDEXED_FIELDS:
        await db.requests.create_index([(field, ASCENDING)])
    await db.requests.insert_many([dict(r) for r in rows])
    query = ListRequests(**filters, limit=3)

    def matches(row: Doc) -> bool:
        statuses = [s for s in query.statuses or [] if s not in (query.not_statuses or [])]
        return (
            (not query.ids or row["_id"] in query.ids)
            and (not query.cursor or row["_id"] < query.cursor)
            and (not query.kinds or row["kind"] in query.kinds)
            and (query.statuses is None or row["status"] in statuses)
            and (row["status"] not in (query.not_statuses or []))
            and (not query.community_id or row["location"]["community_id"] == query.community_id)
            and (not query.submitted_from or row["submitted_at"] >= query.submitted_from)
            and (not query.submitted_to or row["submitted_at"] < query.submitted_to)
        )

    expected = sorted((r["_id"] for r in rows if matches(r)), reverse=True)
    seen: list[str] = []
    while True:
        page = await db.requests.find(
            request_filter(query), sort=[("_id", DESCENDING)], limit=query.limit
        ).to_list()
        seen += [d["_id"] for d in page]
        if len(page) < query.limit:
            break
        query = query.model_copy(update={"cursor": page[-1]["_id"]})

    assert expected, "each case must match something"
    assert seen == expected


# --- Failed-login counts, account versions, API keys (services/gateway/accounts/store.py) ----


async def test_login_attempt_count_is_an_update_one_upsert_with_set_on_insert(
    db: AsyncDatabase[Doc],
) -> None:
    """`update_one` upsert of `$inc` + `$setOnInsert` (which nx-27017 honours here, unlike
    in find_one_and_update), then a read: the window's start is set once, the count grows."""
    first = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    later = first + timedelta(minutes=1)

    def attempt(at: datetime) -> Doc:
        return {
            "$inc": {"attempts": 1},
            "$setOnInsert": {"first_at": at, "expires_at": at + timedelta(minutes=15)},
        }

    await db.login_failures.update_one({"_id": "k1"}, attempt(first), upsert=True)
    await db.login_failures.update_one({"_id": "k1"}, attempt(later), upsert=True)

    assert await db.login_failures.find_one({"_id": "k1"}) == {
        "_id": "k1",
        "attempts": 2,
        "first_at": first,
        "expires_at": first + timedelta(minutes=15),
    }


async def test_twenty_concurrent_upsert_increments_count_exactly(db: AsyncDatabase[Doc]) -> None:
    """Concurrent first attempts: each counts once, none is lost (a DuplicateKeyError from
    an upsert race is retried by the store, as here)."""
    at = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    async def attempt() -> None:
        update = {"$inc": {"attempts": 1}, "$setOnInsert": {"first_at": at}}
        for _ in range(5):
            try:
                await db.login_failures.update_one({"_id": "k1"}, update, upsert=True)
                return
            except DuplicateKeyError:
                continue
        raise AssertionError("an upsert kept colliding")

    await asyncio.gather(*(attempt() for _ in range(20)))

    assert await db.login_failures.find_one({"_id": "k1"}) == {
        "_id": "k1",
        "attempts": 20,
        "first_at": at,
    }


async def test_delete_one_guarded_by_an_aware_datetime(db: AsyncDatabase[Doc]) -> None:
    """A window that has passed is deleted only if it is still the one read (`first_at`)."""
    at = datetime(2026, 5, 1, 9, 0, 0, 123000, tzinfo=UTC)
    await db.login_failures.insert_one({"_id": "k1", "attempts": 6, "first_at": at})
    read = await db.login_failures.find_one({"_id": "k1"})
    assert read is not None

    stale = await db.login_failures.delete_one({"_id": "k1", "first_at": at + timedelta(seconds=1)})
    current = await db.login_failures.delete_one({"_id": "k1", "first_at": read["first_at"]})

    assert (stale.deleted_count, current.deleted_count) == (0, 1)
    assert await db.login_failures.find_one({"_id": "k1"}) is None


async def test_set_with_inc_of_a_missing_field_starts_it_at_the_increment(
    db: AsyncDatabase[Doc],
) -> None:
    """The account's token_version: absent until the first role change, disable or new
    password; a `$set` boolean alongside is read by truthiness (it may come back as 1)."""
    await db.users.insert_one({"_id": "u1", "roles": ["volunteer"]})

    await db.users.update_one(
        {"_id": "u1"}, {"$set": {"disabled": True}, "$inc": {"token_version": 1}}
    )
    await db.users.update_one(
        {"_id": "u1"}, {"$set": {"roles": ["partner"]}, "$inc": {"token_version": 1}}
    )

    stored = await db.users.find_one({"_id": "u1"})
    assert stored is not None
    assert stored["token_version"] == 2
    assert stored["roles"] == ["partner"]
    assert stored["disabled"]


async def test_find_one_by_a_string_field_then_delete_by_id(db: AsyncDatabase[Doc]) -> None:
    """Revoking an API key: found by its public id (indexed), deleted by its digest."""
    await db.api_keys.create_index([("id", ASCENDING)])
    await db.api_keys.insert_many(
        [{"_id": f"digest{i}", "id": f"key{i}", "scopes": ["read"]} for i in range(3)]
    )

    record = await db.api_keys.find_one({"id": "key1"})
    assert record is not None
    deleted = await db.api_keys.delete_one({"_id": record["_id"]})

    assert deleted.deleted_count == 1
    assert await db.api_keys.find_one({"id": "key1"}) is None
    assert await db.api_keys.find_one({"id": "nope"}) is None
    assert await db.api_keys.count_documents({}) == 2


async def test_client_ref_claim_before_the_aggregate_makes_one_request(
    db: AsyncDatabase[Doc],
) -> None:
    """services/requests/handlers.py: a reference is claimed (insert_one by `_id`) before
    the request is stored; a second claimant reads the recorded request id, and the
    request's own `_id` lets only one insert of it succeed. Refs expire by a TTL index."""
    await db.client_refs.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
    now = datetime.now(UTC)
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the store keeps it
    ref = {"_id": "f" * 64, "request_id": "r1", "fingerprint": "a" * 64, "at": at}
    await db.client_refs.insert_one({**ref, "expires_at": at + timedelta(days=30)})
    with pytest.raises(DuplicateKeyError):
        await db.client_refs.insert_one({**ref, "request_id": "r2"})
    found = await db.client_refs.find_one({"_id": "f" * 64})
    assert found is not None and found["request_id"] == "r1" and found["at"] == at

    await db.requests.insert_one(aggregate(found["request_id"]))
    with pytest.raises(DuplicateKeyError):
        await db.requests.insert_one(aggregate(found["request_id"]))
    assert await db.requests.count_documents({}) == 1


# --- The registry's shapes (services/registry): arrays of ids and of memberships ---------------


async def test_in_on_an_indexed_array_of_ids_and_elem_match_on_memberships(
    db: AsyncDatabase[Doc],
) -> None:
    """Tags, skills and a team's path are arrays of strings, indexed: looked up with `$in`.
    Memberships are sub-documents: found with `$elemMatch` on the member id (current-ness
    is checked in Python). A team and its sub-squads: `$or` of `_id` and the path."""
    await db.members.create_index([("tags", ASCENDING)])
    await db.members.insert_many(
        [{"_id": "m1", "tags": ["old_cadre", "party_member"]}, {"_id": "m2", "tags": ["x"]}]
    )
    found = [d["_id"] async for d in db.members.find({"tags": {"$in": ["party_member"]}})]
    assert found == ["m1"]

    await db.teams.create_index([("path", ASCENDING)])
    await db.teams.insert_many(
        [
            {"_id": "top", "path": [], "members": [{"member_id": "m1", "left_on": None}]},
            {"_id": "squad", "path": ["top"], "members": [{"member_id": "m2", "left_on": "x"}]},
            {"_id": "other", "path": [], "members": []},
        ]
    )
    tree = db.teams.find({"$or": [{"_id": "top"}, {"path": "top"}]}).sort("_id", 1)
    assert [d["_id"] async for d in tree] == ["squad", "top"]
    holding = db.teams.find({"members": {"$elemMatch": {"member_id": "m2"}}})
    assert [d["_id"] async for d in holding] == ["squad"]


async def test_equality_on_an_indexed_array_finds_its_element(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "equality on an indexed array field matches nothing")
    await db.members.create_index([("tags", ASCENDING)])
    await db.members.insert_one({"_id": "m1", "tags": ["party_member"]})
    assert [d["_id"] async for d in db.members.find({"tags": "party_member"})] == ["m1"]


async def test_in_on_a_field_of_an_array_of_sub_documents(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "$in on a dotted path into sub-documents matches nothing")
    await db.teams.insert_one({"_id": "t1", "members": [{"member_id": "m1"}]})
    found = db.teams.find({"members.member_id": {"$in": ["m1"]}})
    assert [d["_id"] async for d in found] == ["t1"]


async def test_elem_match_with_a_null_field(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "a null condition inside $elemMatch matches nothing")
    await db.teams.insert_one({"_id": "t1", "members": [{"member_id": "m1", "left_on": None}]})
    found = db.teams.find({"members": {"$elemMatch": {"member_id": "m1", "left_on": None}}})
    assert [d["_id"] async for d in found] == ["t1"]


async def test_a_compound_unique_index_with_a_null_part_refuses_a_duplicate(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "a compound unique index with a null part takes duplicates")
    await db.units.create_index([("parent_id", ASCENDING), ("name", ASCENDING)], unique=True)
    await db.units.insert_one({"_id": "a", "parent_id": None, "name": "泉韵"})
    with pytest.raises(DuplicateKeyError):
        await db.units.insert_one({"_id": "b", "parent_id": None, "name": "泉韵"})


async def test_equality_on_an_indexed_dotted_path_into_sub_documents(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "equality on an indexed dotted path matches nothing")
    await db.teams.create_index([("members.member_id", ASCENDING)])
    await db.teams.insert_one({"_id": "t1", "members": [{"member_id": "m1"}]})
    assert [d["_id"] async for d in db.teams.find({"members.member_id": "m1"})] == ["t1"]


async def test_a_datetime_written_by_set_reads_back_as_a_datetime(
    request: pytest.FixtureRequest, db: AsyncDatabase[Doc]
) -> None:
    await known_nx_fault(request, db, "a datetime written by $set is stored as text")
    at = datetime(2031, 3, 8, 2, 0, tzinfo=UTC)
    await db.claims.insert_one({"_id": "c1"})
    await db.claims.update_one({"_id": "c1"}, {"$set": {"at": at}})
    stored = await db.claims.find_one({"_id": "c1"})
    assert stored is not None and stored["at"] == at


async def test_a_claim_taken_over_keeps_a_datetime_the_ttl_index_can_expire(
    db: AsyncDatabase[Doc],
) -> None:
    """shared/store/idempotency.py take_over: the record is replaced whole, so `at` stays a
    datetime (a `$set` of it would be stored as text on nx-27017, and never expire)."""
    processed = ProcessedEvents(db, retention=timedelta(days=1))
    assert await processed.claim("consumer", "e1", attempt="a1")
    await processed.take_over("consumer", "e1", attempt="a2")
    stored = await db[processed.collection.name].find_one({"event_id": "e1"})
    assert stored is not None and stored["attempt"] == "a2"
    assert isinstance(stored["at"], datetime)


async def test_in_with_null_matches_missing_and_null_fields(db: AsyncDatabase[Doc]) -> None:
    """The deadline scheduler (services/requests/deadlines.py) finds requests not yet
    reminded with `{reminded_at: {$in: [None]}}`: the same on both servers."""
    await db.reqs.insert_many([{"_id": "a", "at": None}, {"_id": "b"}, {"_id": "c", "at": 1}])
    found = [d["_id"] async for d in db.reqs.find({"at": {"$in": [None]}}).sort("_id", 1)]
    assert found == ["a", "b"]
