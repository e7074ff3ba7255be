"""The relay of the embedded outbox: publishes an aggregate's pending events, in order,
then removes them from the document.

Publishing carries `Nats-Msg-Id` = event id, so a publish repeated after a crash (between
the ack and the removal) is dropped by JetStream within the stream's duplicate window.
"""

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from nats.js import JetStreamContext
from prometheus_client import Counter
from pymongo.asynchronous.collection import AsyncCollection

from shared.contracts.catalogue import catalogue
from shared.contracts.envelope import CONTENT_TYPE
from shared.contracts.subjects import events_stream

log = logging.getLogger(__name__)

PUBLISHED = Counter(
    "redvest_outbox_published_total", "Events published by the relay", ["collection"]
)


class OutboxRelay:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        js: JetStreamContext,
        subdistrict: str,
        sweep_interval_s: float = 10.0,
    ) -> None:
        self.collection = collection
        self.js = js
        self.stream = events_stream(subdistrict)
        self.sweep_interval_s = sweep_interval_s
        self._wake: asyncio.Queue[str] = asyncio.Queue()
        self._busy: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_sweep = 0.0

    def wake(self, aggregate_id: str) -> None:
        """Called right after a write that carried events."""
        self._wake.put_nowait(aggregate_id)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-{self.collection.name}")

    async def stop(self) -> None:
        """Publish what is already queued, then stop; the sweep covers anything left."""
        if self._task is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._drain(), timeout=5)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def sweep(self) -> int:
        """Republish every aggregate that still holds events (start-up, then periodically).

        One aggregate that cannot be published (say, an event type this replica does not
        know yet) is logged and passed over; it must not hold back the others."""
        self._last_sweep = time.monotonic()
        count = 0
        ids = [doc["_id"] async for doc in self.collection.find({"has_outbox": True}, {"_id": 1})]
        for aggregate_id in ids:
            try:
                await self.relay(aggregate_id)
            except Exception:
                log.exception("outbox: cannot relay this aggregate yet", extra={"id": aggregate_id})
                continue
            count += 1
        return count

    async def relay(self, aggregate_id: str) -> int:
        if aggregate_id in self._busy:  # another task is on it; order stays with that one
            return 0
        self._busy.add(aggregate_id)
        try:
            return await self._relay(aggregate_id)
        finally:
            self._busy.discard(aggregate_id)

    async def _relay(self, aggregate_id: str) -> int:
        published = 0
        while True:
            doc = await self.collection.find_one({"_id": aggregate_id})
            if doc is None or not doc.get("outbox"):
                if doc is not None and doc.get("has_outbox"):
                    await self.collection.update_one(
                        {"_id": aggregate_id, "version": doc["version"]},
                        {"$set": {"has_outbox": False}, "$inc": {"version": 1}},
                    )
                return published
            events = doc["outbox"]
            for event in events:  # in order; a failure stops here and the sweep retries
                await self._publish(event)
            published += len(events)
            PUBLISHED.labels(self.collection.name).inc(len(events))
            cleared = await self.collection.update_one(
                {"_id": aggregate_id, "version": doc["version"]},
                {"$set": {"outbox": [], "has_outbox": False}, "$inc": {"version": 1}},
            )
            if cleared.matched_count == 1:
                return published
            # The aggregate changed meanwhile (maybe with new events): remove only ours.
            for event in events:
                await self.collection.update_one(
                    {"_id": aggregate_id},
                    {"$pull": {"outbox": {"id": event["id"]}}, "$inc": {"version": 1}},
                )

    async def _publish(self, event: dict[str, Any]) -> None:
        spec = catalogue()[event["type"]]
        body = json.dumps(
            {k: v for k, v in event.items() if v is not None}, ensure_ascii=False
        ).encode()
        await self.js.publish(
            spec.subject(event["subdistrict"]),
            body,
            stream=self.stream,
            headers={"Nats-Msg-Id": event["id"], "Content-Type": CONTENT_TYPE},
        )

    async def _drain(self) -> None:
        while not self._wake.empty():
            await self.relay(self._wake.get_nowait())

    async def _run(self) -> None:
        await self._safely(self.sweep)
        while True:
            # Sweep on schedule even when wakes never stop coming: a steady stream of new
            # writes must not starve events that an outage left behind.
            due_in = self._last_sweep + self.sweep_interval_s - time.monotonic()
            if due_in <= 0:
                await self._safely(self.sweep)
                continue
            try:
                aggregate_id = await asyncio.wait_for(self._wake.get(), timeout=due_in)
            except TimeoutError:
                continue
            await self._safely(lambda id_=aggregate_id: self.relay(id_))

    async def _safely(self, step: Any) -> None:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            # NATS or MongoDB away: keep the events, the next sweep tries again.
            log.exception("outbox relay step failed; will retry at the next sweep")
