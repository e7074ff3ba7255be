"""Per-consumer record of processed event ids: a redelivered event changes nothing twice."""

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

COLLECTION = "processed_events"


class ProcessedEvents:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = db[COLLECTION]

    async def create_indexes(self) -> None:
        await self.collection.create_index(
            [("consumer", ASCENDING), ("event_id", ASCENDING)], unique=True
        )

    async def seen(self, consumer: str, event_id: str) -> bool:
        found = await self.collection.find_one({"consumer": consumer, "event_id": event_id})
        return found is not None

    async def record(self, consumer: str, event_id: str) -> bool:
        """True if this call recorded it, False if it was already there."""
        try:
            await self.collection.insert_one(
                {"consumer": consumer, "event_id": event_id, "at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            return False
        return True
