"""Aggregates stored as one document each, changed with guarded replaces.

A document is `{_id, version, revision, ...state, outbox: [CloudEvent dicts], has_outbox}`.
Creating it and its events is one insert; changing it is one `replace_one({_id, version: n})`.

`version` fences writers: every write bumps it, the relay's too, so a writer that read
before the relay emptied the outbox cannot write the published events back. `revision`
counts domain changes only; it is what clients see and name in `expected_revision`, so
the relay's bookkeeping never turns a client's next change into a false conflict. Both
shapes are exact on MongoDB and on nx-27017 (see docs/storage.md), and neither needs a
multi-document transaction.
"""

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.contracts.envelope import CloudEvent
from shared.contracts.rpc import Conflict, NotFound

Document = dict[str, Any]
# Called after a write that carried events, so the relay publishes them now, not at the sweep.
OnEvents = Callable[[str], Awaitable[None] | None]

# Writers of one aggregate in one process take turns (a lock per aggregate id), so fifty
# sign-ups for one activity on one replica queue instead of racing. Across replicas the
# version guard decides: a lost race re-reads and re-applies, after a random pause that grows
# with each round, so a crowd thins out instead of colliding again in lock-step.
RETRIES_ON_RACE = 20
BACKOFF_STEP_S = 0.005


class AggregateStore:
    def __init__(
        self, collection: AsyncCollection[Document], on_events: OnEvents | None = None
    ) -> None:
        self.collection = collection
        self.on_events = on_events
        # Only aggregates being written have a lock; the last writer out removes it.
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}

    async def create_indexes(self) -> None:
        await self.collection.create_index([("has_outbox", ASCENDING)])

    async def get(self, aggregate_id: str) -> Document:
        doc: Document | None = await self.collection.find_one({"_id": aggregate_id})
        if doc is None:
            raise NotFound(f"{self.collection.name} {aggregate_id} not found")
        return doc

    async def insert(self, doc: Document, events: Sequence[CloudEvent] = ()) -> Document:
        doc = {**doc, "version": 1, "revision": 1, **_outbox(list(events))}
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict(f"{self.collection.name} {doc['_id']} already exists") from exc
        await self._announce(doc)
        return doc

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Document], tuple[Document, Sequence[CloudEvent]]],
        expected_revision: int | None = None,
    ) -> Document:
        """Read, let the pure `change` compute the new state and events, write guarded.

        With `expected_revision` (the caller saw that revision) a lost race is a Conflict.
        Without it, a race with another writer (or with the relay) re-reads and re-applies,
        so `change` sees fresh state and its own guards decide.
        """
        async with self._turn(aggregate_id):
            return await self._update(aggregate_id, change, expected_revision)

    @contextlib.asynccontextmanager
    async def _turn(self, aggregate_id: str) -> AsyncIterator[None]:
        lock, waiting = self._turns.get(aggregate_id, (asyncio.Lock(), 0))
        self._turns[aggregate_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._turns[aggregate_id]
            if waiting == 1:
                del self._turns[aggregate_id]
            else:
                self._turns[aggregate_id] = (lock, waiting - 1)

    async def _update(
        self,
        aggregate_id: str,
        change: Callable[[Document], tuple[Document, Sequence[CloudEvent]]],
        expected_revision: int | None,
    ) -> Document:
        for round_ in range(RETRIES_ON_RACE):
            if round_:
                await asyncio.sleep(random.uniform(0, BACKOFF_STEP_S * round_))
            current = await self.get(aggregate_id)
            version, revision = current["version"], current.get("revision", 1)
            if expected_revision is not None and revision != expected_revision:
                raise Conflict(
                    f"{self.collection.name} {aggregate_id} is at revision {revision}, "
                    f"not {expected_revision}"
                )
            new_state, events = change(current)
            pending = list(current.get("outbox", [])) + [e.model_dump(mode="json") for e in events]
            new_doc = {
                **new_state,
                "_id": aggregate_id,
                "version": version + 1,
                "revision": revision + 1,
                **_outbox(pending),
            }
            result = await self.collection.replace_one(
                {"_id": aggregate_id, "version": version}, new_doc
            )
            if result.matched_count == 1:
                await self._announce(new_doc)
                return new_doc
            if expected_revision is not None:
                break
        raise Conflict(f"{self.collection.name} {aggregate_id} was changed concurrently")

    async def _announce(self, doc: Document) -> None:
        if doc.get("has_outbox") and self.on_events is not None:
            result = self.on_events(doc["_id"])
            if result is not None:
                await result


def _outbox(events: list[Any]) -> Document:
    dumped = [e.model_dump(mode="json") if isinstance(e, CloudEvent) else e for e in events]
    return {"outbox": dumped, "has_outbox": bool(dumped)}
