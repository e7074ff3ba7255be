"""The reminder scheduler: every `scheduler_interval_s`, each published activity starting
within `reminder_lead_h` and not yet reminded gets ONE guarded write that sets `reminded_at`
and carries its ActivityReminderDue. Two replicas, or a tick after a crash, may both try:
the version guard lets one write win, and the other re-reads `reminded_at` and writes
nothing (domain/reminders.py), so each activity is reminded exactly once."""

import asyncio
import logging
from datetime import datetime, timedelta

from pymongo import ASCENDING

from services.activities import signup_clock
from services.activities.activity_support import Emitter
from services.activities.config import ActivitiesSettings
from services.activities.domain import reminders
from services.activities.domain.signups import Document, Unchanged
from services.activities.signup_writer import ActivityWriter
from shared.contracts.envelope import CloudEvent
from shared.store.aggregates import AggregateStore

log = logging.getLogger(__name__)


class Reminders:
    def __init__(self, activities: AggregateStore, settings: ActivitiesSettings) -> None:
        self.activities = activities
        self.write = ActivityWriter(activities, Emitter(settings.subdistrict))
        self.lead = timedelta(hours=settings.reminder_lead_h)
        self.interval_s = settings.scheduler_interval_s

    async def create_indexes(self) -> None:
        await self.activities.collection.create_index(
            [("status", ASCENDING), ("starts_at", ASCENDING)]
        )

    async def tick(self, now: datetime) -> list[str]:
        """One round at `now`: the ids of the activities this round reminded."""
        due = self.activities.collection.find(
            {"status": "published", "starts_at": {"$gt": now, "$lte": now + self.lead}},
            {"_id": 1, "reminded_at": 1},
        )
        reminded = []
        async for activity in due:
            if activity.get("reminded_at") is not None:
                continue
            try:
                await self.activities.update(activity["_id"], lambda d: self._remind(d, now))
            except Unchanged:
                continue  # another replica (or an earlier round) reminded it
            reminded.append(activity["_id"])
        return reminded

    def _remind(self, doc: Document, now: datetime) -> tuple[Document, list[CloudEvent]]:
        new, events = reminders.remind(doc, now, self.lead)
        return new, [self.write.emit(e, doc["_id"], None) for e in events]

    async def run(self) -> None:
        while True:
            try:
                reminded = await self.tick(signup_clock.now())
                if reminded:
                    log.info("reminders due", extra={"activity_ids": reminded})
            except Exception:
                log.exception("reminder round failed; the next round tries again")
            await asyncio.sleep(self.interval_s)
