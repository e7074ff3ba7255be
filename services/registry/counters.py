"""Sequence numbers the registry issues (volunteer numbers, proof numbers): one document per
sequence in `counters`, advanced with one atomic `$inc`, so two replicas never issue the
same number. A number taken by a write that then fails is skipped, never reused."""

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection


async def take(counters: AsyncCollection[dict[str, Any]], sequence: str, count: int = 1) -> int:
    """Reserve `count` numbers of `sequence`; returns the first (numbers start at 1)."""
    doc = await counters.find_one_and_update(
        {"_id": sequence},
        {"$inc": {"last": count}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None  # upsert=True with AFTER always returns the document
    last: int = doc["last"]
    return last - count + 1
