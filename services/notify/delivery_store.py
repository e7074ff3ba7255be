"""Deliveries in the store: one aggregate document each in `deliveries`, `_id` = the
delivery id (event, recipient, channel), so an event delivered many times makes one.

Their NotificationSent / NotificationFailed leave through the aggregate's outbox, in the
same write as the status change (services/notify/dispatcher.py)."""

from datetime import UTC, datetime
from typing import Final

from pymongo import ASCENDING

from services.notify.domain.delivery import Delivery
from shared.contracts.rpc import Conflict
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore, Document

COLLECTION: Final = "deliveries"
# The dispatcher's query: pending and due, oldest first. Every field is a scalar (no array
# or dotted path, which nx-27017 indexes wrongly) and no compound includes _id (that
# breaks inserts there).
DUE_INDEX: Final = [("status", ASCENDING), ("due_at", ASCENDING)]
# The delivery log's filters, each indexed alone.
LOG_FIELDS: Final = ("cause_event_id", "recipient", "community_id")


def store_of(runtime: ServiceRuntime) -> AggregateStore:
    """The runtime's `deliveries` store (its outbox goes through the relay)."""
    return runtime.aggregates(COLLECTION)


async def create_indexes(store: AggregateStore) -> None:
    await store.collection.create_index(DUE_INDEX)
    for field in LOG_FIELDS:
        await store.collection.create_index([(field, ASCENDING)])


def utc(at: datetime) -> datetime:
    """Tz-aware UTC to the millisecond: what the store keeps (and gives back)."""
    if at.tzinfo is None:
        raise ValueError("a naive datetime: deliveries keep tz-aware UTC")
    at = at.astimezone(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def to_document(delivery: Delivery) -> Document:
    doc = delivery.model_dump()
    doc["_id"] = doc.pop("id")
    for field in ("due_at", "created_at", "sent_at", "claimed_until"):
        if doc[field] is not None:
            doc[field] = utc(doc[field])
    for attempt in doc["history"]:
        attempt["at"] = utc(attempt["at"])
    return doc


def from_document(doc: Document) -> Delivery:
    return Delivery.model_validate({**doc, "id": doc["_id"]})


async def enqueue(store: AggregateStore, delivery: Delivery) -> bool:
    """Store a new delivery; False when it is already there (the same event again)."""
    try:
        await store.insert(to_document(delivery))
    except Conflict:
        return False
    return True
