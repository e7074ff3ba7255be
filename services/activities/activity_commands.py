"""Commands on activities: create (a draft, or published at once), update with its guards
(one occurrence or every later one of a series), publish, cancel."""

import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from services.activities.activity_support import Clock, Emitter, invalid, raise_if
from services.activities.activity_types import ActivityTypes
from services.activities.activity_views import activity_view, public
from services.activities.domain import lifecycle, signups
from services.activities.domain.lifecycle import TIMES, UPDATABLE, Unchanged
from shared.bus.rpc import CallContext
from shared.contracts.commands.activities import (
    CancelActivity,
    CreateActivity,
    PublishActivity,
    UpdateActivity,
)
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.activities import (
    ActivityCancelled,
    ActivityDrafted,
    ActivityPublished,
    ActivityUpdated,
)
from shared.contracts.ids import new_id
from shared.contracts.privacy import mask_text
from shared.contracts.rpc import Conflict
from shared.store.aggregates import AggregateStore

Document = dict[str, Any]
# Every field the calendar, the stats and the series filter on has an index of its own (a
# compound with _id breaks every insert on nx-27017). `organiser_team_ids` is an array:
# query it with $in only (an equality on an indexed array matches nothing on nx-27017).
INDEXED_FIELDS = ("starts_at", "community_id", "organiser_team_ids", "status", "series_id")

# Where a series keeps how far "all future" edits moved its occurrences (domain/series.py).
SHIFTS = {"starts_at": "shift_start_s", "ends_at": "shift_end_s"}


def check_in_code() -> str:
    """Six digits, read out or shown as a QR code on site; not guessable from the id."""
    return f"{secrets.randbelow(10**6):06d}"


class ActivityCommands:
    def __init__(
        self,
        activities: AggregateStore,
        series: AggregateStore,
        types: ActivityTypes,
        commitments: AsyncCollection[Document],
        members: AsyncCollection[Document],
        emit: Emitter,
        clock: Clock,
        zone: ZoneInfo,
    ) -> None:
        self.activities = activities
        self.series = series
        self.types = types
        self.commitments = commitments
        self.members = members
        self.emit = emit
        self.clock = clock
        self.zone = zone

    async def create_indexes(self) -> None:
        for field in INDEXED_FIELDS:
            await self.activities.collection.create_index([(field, ASCENDING)])
        # The sign-ups part keys commitments by member; moving or cancelling an activity
        # finds its commitments by activity.
        await self.commitments.create_index([("activity_id", ASCENDING)])

    # -- create ---------------------------------------------------------------------------

    async def checked_fields(self, cmd: Any) -> Document:
        """An activity's fields from a command (CREATE_ACTIVITY, CREATE_SERIES), checked."""
        fields = lifecycle.normalised({f: getattr(cmd, f) for f in lifecycle.FIELDS})
        raise_if(lifecycle.field_errors(fields, await self.types.codes()))
        return fields

    def drafted(
        self, doc: Document, *, publish: bool, ctx: CallContext | None
    ) -> tuple[Document, list[CloudEvent]]:
        """A new activity and its events: drafted, and published at once when asked."""
        events = [self.emit(ActivityDrafted(activity=activity_view(doc)), doc["_id"], ctx)]
        if publish:
            doc = lifecycle.publish(doc, now=doc["created_at"], actor=doc["created_by"])
            events.append(
                self.emit(ActivityPublished(activity=activity_view(doc)), doc["_id"], ctx)
            )
        return doc, events

    async def create(self, cmd: CreateActivity, ctx: CallContext) -> dict[str, Any]:
        fields = await self.checked_fields(cmd)
        activity_id = cmd.activity_id or new_id()
        doc = lifecycle.new_activity(
            fields,
            activity_id,
            now=self.clock.now(),
            actor=ctx.actor,
            check_in_code=check_in_code(),
        )
        doc, events = self.drafted(doc, publish=cmd.publish, ctx=ctx)
        try:
            stored = await self.activities.insert(doc, events)
        except Conflict as exc:
            raise Conflict(f"the activity id {activity_id} is taken") from exc
        return public(stored)

    # -- update ---------------------------------------------------------------------------

    async def update(self, cmd: UpdateActivity, ctx: CallContext) -> dict[str, Any]:
        current = await self.activities.get(cmd.activity_id)
        lifecycle.check_editable(current)
        wanted = lifecycle.normalised(
            {f: getattr(cmd, f) for f in UPDATABLE if getattr(cmd, f) is not None}
        )
        known = await self.types.codes() | {current["activity_type"]}
        raise_if(lifecycle.field_errors({**current, **wanted}, known))
        later: list[Document] = []
        if cmd.apply_to == "all_future":
            if not current.get("series_id"):
                raise invalid("apply_to", "the activity is not part of a series", "not_series")
            later = await self._later_occurrences(current)
            # Every occurrence's guards first, so an edit is refused whole, not half done.
            for doc in later:
                self._dry_run(doc, lifecycle.following(current, doc, wanted))
        stored = await self._write(current["_id"], wanted, cmd.expected_revision, ctx)
        also = []
        for doc in later:
            moved = await self._write(
                doc["_id"], lifecycle.following(current, doc, wanted), None, ctx
            )
            also.append(moved["_id"])
        if cmd.apply_to == "all_future":
            await self._follow_in_series(current, wanted)
        return {**await self.public(stored), "also_updated": also}

    async def _later_occurrences(self, current: Document) -> list[Document]:
        found = self.activities.collection.find({"series_id": current["series_id"]})
        return sorted(
            [
                doc
                async for doc in found
                if doc.get("occurrence", 0) > current.get("occurrence", 0)
                and doc["status"] in lifecycle.EDITABLE
            ],
            key=lambda d: d["occurrence"],
        )

    def _dry_run(self, doc: Document, wanted: Mapping[str, Any]) -> None:
        try:
            lifecycle.changed_activity(doc, wanted, now=self.clock.now(), actor=None)
        except Unchanged:
            pass
        except Conflict as exc:
            raise Conflict(f"occurrence {doc['_id']}: {exc.message}", exc.details) from exc

    async def _write(
        self,
        activity_id: str,
        wanted: Mapping[str, Any],
        expected_revision: int | None,
        ctx: CallContext,
    ) -> Document:
        def change(doc: Document) -> tuple[Document, list[CloudEvent]]:
            now = self.clock.now()
            new, changed = lifecycle.changed_activity(doc, wanted, now=now, actor=ctx.actor)
            # A larger head count or capacity gives its new places to the waitlisted now.
            new, promoted = signups.fill(new, now)
            told = lifecycle.signed_up_member_ids(new) if new["status"] == "published" else []
            event = ActivityUpdated(
                activity=activity_view(new), changed=changed, signed_up_member_ids=told
            )
            return new, [self.emit(e, activity_id, ctx) for e in (event, *promoted)]

        try:
            stored = await self.activities.update(activity_id, change, expected_revision)
        except Unchanged as nothing:
            return nothing.doc
        if any(time in wanted for time in TIMES):
            await self.move_commitments(stored)
        return stored

    async def move_commitments(self, doc: Document) -> None:
        """Volunteers' commitments follow the activity's new times (after the write: a
        crash in between leaves old times, which the next edit of the times puts right)."""
        times = {"starts_at": doc["starts_at"], "ends_at": doc["ends_at"]}
        # Whole documents: nx-27017 stores a datetime written by `$set` as text.
        async for held in self.commitments.find({"activity_id": doc["_id"]}):
            await self.commitments.replace_one({"_id": held["_id"]}, {**held, **times})

    async def _follow_in_series(self, current: Document, wanted: Mapping[str, Any]) -> None:
        """Occurrences created later follow the edit: the template takes the new fields,
        and their times move by as much as this occurrence's did."""
        shifts = {
            SHIFTS[time]: (wanted[time] - current[time]).total_seconds()
            for time in TIMES
            if time in wanted
        }

        def change(series: Document) -> tuple[Document, list[CloudEvent]]:
            template = {**series["template"]}
            template.update({f: v for f, v in wanted.items() if f not in TIMES})
            new = {**series, "template": template, "updated_at": self.clock.now()}
            for key, seconds in shifts.items():
                new[key] = series.get(key, 0) + seconds
            return new, []

        await self.series.update(current["series_id"], change)

    # -- publish and cancel ---------------------------------------------------------------

    async def publish(self, cmd: PublishActivity, ctx: CallContext) -> dict[str, Any]:
        def change(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new = lifecycle.publish(doc, now=self.clock.now(), actor=ctx.actor)
            return new, [self.emit(ActivityPublished(activity=activity_view(new)), doc["_id"], ctx)]

        return await self.public(await self.activities.update(cmd.activity_id, change))

    async def cancel(self, cmd: CancelActivity, ctx: CallContext) -> dict[str, Any]:
        def change(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new = lifecycle.cancel(doc, cmd.reason, now=self.clock.now(), actor=ctx.actor)
            event = ActivityCancelled(
                activity_id=doc["_id"],
                title=doc["title"],
                starts_at=doc["starts_at"],
                reason=mask_text(cmd.reason) or "",
                signed_up_member_ids=lifecycle.signed_up_member_ids(doc),
            )
            return new, [self.emit(event, doc["_id"], ctx)]

        stored = await self.activities.update(cmd.activity_id, change)
        # Nobody is held by a cancelled activity any more: the time is free again.
        await self.commitments.delete_many({"activity_id": stored["_id"]})
        return await self.public(stored)

    # -- answers --------------------------------------------------------------------------

    async def public(self, doc: Document) -> Document:
        return public(doc, await people_of(self.members, [doc]))


async def people_of(
    members: AsyncCollection[Document], docs: Sequence[Document]
) -> dict[str, Document]:
    """Volunteer numbers and masked names of everyone in the activities' rosters, from the
    members projection (kept by the sign-ups part from the registry's events)."""
    ids = {
        entry["member_id"]
        for doc in docs
        for key in ("volunteers", "participants", "attendance")
        for entry in doc.get(key, [])
        if entry.get("member_id")
    }
    if not ids:
        return {}
    found = members.find({"_id": {"$in": sorted(ids)}}, {"volunteer_no": 1, "display_name": 1})
    return {doc["_id"]: doc async for doc in found}
