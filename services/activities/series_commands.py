"""Recurring activities: CREATE_SERIES, and the scheduler that keeps creating occurrences
ahead (settings.series_horizon_days).

A series is `{_id, template: {activity fields, the first occurrence's times}, rule, publish,
occurrences: the highest n created, created_through: ISO date, finished, shift_start_s,
shift_end_s}`. Occurrence n is the activity `<series_id>-<nnn>`: inserting it twice is a
Conflict, so a pass that died half-way, or two passes at once, create nothing twice."""

import asyncio
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING

from services.activities.activity_commands import ActivityCommands, check_in_code
from services.activities.activity_support import Clock, jsonable, raise_if
from services.activities.activity_views import summary
from services.activities.config import ActivitiesSettings
from services.activities.domain import lifecycle, series
from shared.bus.rpc import CallContext
from shared.contracts.commands.activities import CreateSeries
from shared.contracts.envelope import CloudEvent
from shared.contracts.ids import new_id
from shared.contracts.privacy import mask_text
from shared.contracts.rpc import Conflict
from shared.store.aggregates import AggregateStore

log = logging.getLogger(__name__)
Document = dict[str, Any]


def series_view(doc: Document) -> Document:
    shown = {
        "series_id": doc["_id"],
        "template": {
            **doc["template"],
            "description": mask_text(doc["template"].get("description") or ""),
        },
        "rule": doc["rule"],
        "publish": doc["publish"],
        "occurrences": doc.get("occurrences", 0),
        "created_through": doc.get("created_through"),
        "finished": bool(doc.get("finished")),
    }
    return dict(jsonable(shown))


class SeriesCommands:
    def __init__(
        self,
        series_store: AggregateStore,
        activities: ActivityCommands,
        settings: ActivitiesSettings,
        clock: Clock,
    ) -> None:
        self.series = series_store
        self.activities = activities
        self.settings = settings
        self.clock = clock
        self.zone = ZoneInfo(settings.time_zone)

    async def create_indexes(self) -> None:
        await self.series.collection.create_index([("finished", ASCENDING)])

    async def create(self, cmd: CreateSeries, ctx: CallContext) -> dict[str, Any]:
        fields = await self.activities.checked_fields(cmd)
        first = fields["starts_at"].astimezone(self.zone).date()
        raise_if(series.rule_errors(cmd.rule, first))
        series_id = cmd.series_id or new_id()
        now = self.clock.now()
        doc = {
            "_id": series_id,
            "template": fields,
            "rule": cmd.rule.model_dump(mode="json"),
            "publish": cmd.publish,
            "community_id": fields["community_id"],
            "occurrences": 0,
            "created_through": None,
            "finished": False,
            "shift_start_s": 0,
            "shift_end_s": 0,
            "created_by": ctx.actor,
            "created_at": now,
            "updated_at": now,
        }
        try:
            await self.series.insert(doc)
        except Conflict as exc:
            raise Conflict(f"the series id {series_id} is taken") from exc
        stored, _ = await self.extend(series_id, now, ctx)
        occurrences = self.activities.activities.collection.find(
            {"series_id": series_id}, sort=[("starts_at", ASCENDING)]
        )
        return {
            **series_view(stored),
            "activities": [summary(doc) async for doc in occurrences],
        }

    async def extend(
        self, series_id: str, now: datetime, ctx: CallContext | None = None
    ) -> tuple[Document, list[str]]:
        """Create the occurrences due by `now` (up to the horizon); the series and the ids
        created by this call."""
        doc = await self.series.get(series_id)
        if doc.get("finished"):
            return doc, []
        through = series.horizon(doc, now, self.zone, self.settings.series_horizon_days)
        due, exhausted = series.due(doc, self.zone, through)
        created = []
        for occurrence in due:
            if await self._create_occurrence(doc, occurrence, now, ctx):
                created.append(series.occurrence_id(series_id, occurrence.n))
        last = due[-1].n if due else doc.get("occurrences", 0)

        def change(current: Document) -> tuple[Document, list[CloudEvent]]:
            made = max(current.get("occurrences", 0), last)
            return {
                **current,
                "occurrences": made,
                "created_through": through.isoformat(),
                "finished": exhausted,
            }, []

        return await self.series.update(series_id, change), created

    async def _create_occurrence(
        self, doc: Document, occurrence: series.Occurrence, now: datetime, ctx: CallContext | None
    ) -> bool:
        fields = {
            **doc["template"],
            "starts_at": lifecycle.utc_ms(occurrence.starts_at),
            "ends_at": lifecycle.utc_ms(occurrence.ends_at),
        }
        activity = lifecycle.new_activity(
            fields,
            series.occurrence_id(doc["_id"], occurrence.n),
            now=now,
            actor=doc.get("created_by"),
            check_in_code=check_in_code(),
            series_id=doc["_id"],
            occurrence=occurrence.n,
        )
        activity, events = self.activities.drafted(activity, publish=doc["publish"], ctx=ctx)
        try:
            await self.activities.activities.insert(activity, events)
        except Conflict:
            return False  # created by an earlier pass that stopped before recording it
        return True

    async def tick(self, now: datetime) -> dict[str, list[str]]:
        """One pass of the scheduler: every unfinished series extended to the horizon.
        Answers the occurrences created, per series."""
        created: dict[str, list[str]] = {}
        running = self.series.collection.find({"finished": False}, {"_id": 1})
        for series_id in [doc["_id"] async for doc in running]:
            try:
                _, made = await self.extend(series_id, now)
            except Exception:
                log.exception("extending series %s failed; the next pass tries again", series_id)
                continue
            if made:
                created[series_id] = made
        return created

    async def run(self) -> None:
        """The scheduler loop (runtime.background): a pass, then a pause, until cancelled."""
        while True:
            try:
                await self.tick(self.clock.now())
            except Exception:
                log.exception("series pass failed")
            await asyncio.sleep(self.settings.scheduler_interval_s)
