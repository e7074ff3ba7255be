"""Per-consumer record of the event ids a consumer has taken: a duplicate changes nothing twice.

The record is written *before* the effect (a claim), so the check and the record are one
insert. A failed handler releases its claim. A claim found on a redelivery means the
earlier attempt died mid-handler: the handler runs again, which is why handlers must
tolerate re-running after a crash (the same holds for any record written apart from the
effect). See shared/bus/consumer.py.

The record's `_id` is `<consumer>:<event id>`, so the check before handling is a lookup
on the primary key, which every server indexes. (A lookup on a compound unique index
over `consumer` and `event_id` scans the whole collection on nx-27017, and grows slower
with every event: see docs/performance.md.)
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

COLLECTION = "processed_events"
# Far beyond any redelivery or replay window; keeps the collection from growing forever.
DEFAULT_RETENTION = timedelta(days=90)


def record_id(consumer: str, event_id: str) -> str:
    return f"{consumer}:{event_id}"


class ProcessedEvents:
    def __init__(
        self, db: AsyncDatabase[dict[str, Any]], retention: timedelta = DEFAULT_RETENTION
    ) -> None:
        self.collection = db[COLLECTION]
        self.retention = retention

    async def create_indexes(self) -> None:
        await self.collection.create_index(
            [("at", ASCENDING)], expireAfterSeconds=int(self.retention.total_seconds())
        )

    async def claim(self, consumer: str, event_id: str, attempt: str = "") -> bool:
        """Record the event as taken by this attempt, before its effect. False if it was
        taken already."""
        try:
            await self.collection.insert_one(
                {
                    "_id": record_id(consumer, event_id),
                    "consumer": consumer,
                    "event_id": event_id,
                    "attempt": attempt,
                    "at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def take_over(self, consumer: str, event_id: str, attempt: str) -> None:
        """A redelivery re-runs an unfinished attempt: the claim is now this attempt's, so
        the earlier one, if it is still alive and then fails, cannot release it."""
        # A whole replace, not `$set`: nx-27017 stores a datetime written by `$set` as text,
        # which the TTL index would then never expire (docs/storage.md).
        await self.collection.replace_one(
            {"_id": record_id(consumer, event_id)},
            {
                "consumer": consumer,
                "event_id": event_id,
                "attempt": attempt,
                "at": datetime.now(UTC),
            },
        )

    async def release(self, consumer: str, event_id: str, attempt: str | None = None) -> None:
        """Forget a claim whose handling failed, so a retry or a republish is processed.
        With `attempt`, only if the claim is still that attempt's."""
        owned = {} if attempt is None else {"attempt": attempt}
        await self.collection.delete_one({"_id": record_id(consumer, event_id), **owned})
