"""The deadline scheduler: every `scheduler_interval_s`, each open request whose reminder,
deadline or escalation time has come gets ONE guarded write that marks it and carries its
event (domain/deadlines.py). Two replicas, or a tick after a crash, may both try: the
version guard lets one write win, and the other re-reads the marks and writes nothing."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING

from services.requests.config import RequestsSettings
from services.requests.domain import deadlines
from services.requests.domain.deadlines import NothingDue, Policy, Stage
from shared.contracts.catalogue import new_event
from shared.contracts.envelope import CloudEvent
from shared.store.aggregates import AggregateStore, Document

log = logging.getLogger(__name__)


class Deadlines:
    def __init__(self, requests: AggregateStore, settings: RequestsSettings) -> None:
        self.requests = requests
        self.subdistrict = settings.subdistrict
        self.policy = Policy(
            reminder_before=timedelta(hours=settings.reminder_before_h),
            escalation_grace=timedelta(hours=settings.escalation_grace_h),
        )
        self.interval_s = settings.scheduler_interval_s

    async def create_indexes(self) -> None:
        await self.requests.collection.create_index(
            [("status", ASCENDING), ("deadline", ASCENDING)]
        )

    async def tick(self, now: datetime) -> dict[Stage, list[str]]:
        """One round at `now`: the ids of the requests this round marked, per stage."""
        # The reminder comes first, so every stage due is within this window. An escalated
        # request has nothing left to come: `$in: [None]` (null or missing, the same on
        # MongoDB and nx-27017, where `{escalated_at: None}` misses an explicit null).
        candidates = self.requests.collection.find(
            {
                "status": {"$in": list(deadlines.OPEN_STATUSES)},
                "deadline": {"$lte": now + self.policy.reminder_before},
                "escalated_at": {"$in": [None]},
            },
            {f: 1 for f in ("status", "deadline", "reminded_at", "overdue_at", "escalated_at")},
        )
        marked: dict[Stage, list[str]] = {stage: [] for stage in deadlines.STAGES}
        async for candidate in candidates:
            if not deadlines.due(candidate, now, self.policy):
                continue
            try:
                stages = await self._mark(candidate["_id"], now)
            except NothingDue:
                continue  # another replica (or an earlier round) marked it
            for stage in stages:
                marked[stage].append(candidate["_id"])
        return marked

    async def _mark(self, request_id: str, now: datetime) -> list[Stage]:
        written: list[Stage] = []

        def change(doc: Document) -> tuple[Document, list[CloudEvent]]:
            written[:] = deadlines.due(doc, now, self.policy)  # re-run on a lost race
            new, events = deadlines.mark(doc, now, self.policy)
            return new, [
                new_event(e, subdistrict=self.subdistrict, subject=request_id) for e in events
            ]

        await self.requests.update(request_id, change)
        return written

    async def run(self) -> None:
        """The scheduler loop (runtime.background): a pause, then a round, until cancelled.
        The pause comes first so a service starting (or a test driving `tick` with its own
        clock) is not raced by a round at the real time."""
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                marked = await self.tick(_now())
                if any(marked.values()):
                    log.info("deadline stages marked", extra={"request_ids": marked})
            except Exception:
                log.exception("deadline round failed; the next round tries again")


def _now() -> datetime:
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
