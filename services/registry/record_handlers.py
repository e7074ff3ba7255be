"""Volunteer service records: hours credited from `ActivityCompleted` and by hand, corrections,
star approvals, points redemptions and merges of two registrations.

Thin: find the member (following a merge), let the pure domain (domain/records.py and its
siblings) compute the new member document and its events, and write both with one
`AggregateStore.update`, so an entry and its events are stored together or not at all.
Reads (record, statement, proof, corrections, stats) are in record_queries.py.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from services.registry import record_queries, request_credits
from services.registry.config import RegistrySettings
from services.registry.domain import corrections, merge, points, records, stars
from services.registry.domain.record_rules import RecordRules
from services.registry.record_queries import MAX_MERGE_HOPS, current
from shared.bus.consumer import EventContext
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import EventData, new_event
from shared.contracts.commands import registry as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.activities import ActivityCompleted
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, FieldError, Invalid, NotFound
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore, Document

log = logging.getLogger(__name__)

DomainChange = Callable[[Document], tuple[Document, list[EventData]]]


def rules_from(settings: RegistrySettings) -> RecordRules:
    return RecordRules(
        thresholds_h=tuple(settings.star_thresholds_h),
        levels_needing_approval=frozenset(settings.star_levels_needing_approval),
        points_per_hour=settings.points_per_hour,
    )


@dataclass(frozen=True)
class Causes:
    """Where the events of one write come from: the command's call or the consumed event."""

    subdistrict: str
    correlation_id: str | None
    causation_id: str | None
    traceparent: str | None

    def envelope(self, data: EventData, subject: str) -> CloudEvent:
        return new_event(
            data,
            subdistrict=self.subdistrict,
            subject=subject,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            traceparent=self.traceparent,
        )


def now() -> datetime:
    return datetime.now(UTC)


class RecordHandlers:
    def __init__(self, members: AggregateStore, settings: RegistrySettings) -> None:
        self.members = members
        self.settings = settings
        self.rules = rules_from(settings)
        self.tz = ZoneInfo(settings.time_zone)

    def today(self) -> date:
        return datetime.now(self.tz).date()

    def causes(self, ctx: CallContext) -> Causes:
        return Causes(self.settings.subdistrict, ctx.correlation_id, None, ctx.traceparent)

    async def change(self, member_id: str, change: DomainChange, causes: Causes) -> Document:
        """One guarded write of the member (or, if merged, of the member it points at)."""

        def write(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new, events = change(doc)
            return new, [causes.envelope(e, doc["_id"]) for e in events]

        for _ in range(MAX_MERGE_HOPS):
            try:
                return await self.members.update(member_id, write)
            except records.MergedInto as hop:
                member_id = hop.kept_id
        raise Conflict(f"member {member_id}: merge chain too long")

    # -- crediting -------------------------------------------------------------------------

    async def credit(self, member_id: str, entry: records.Credit, causes: Causes) -> Document:
        doc = await current(self.members, member_id)
        if entry.key in doc.get("credited_sources", []) or entry.hours <= 0:
            return doc  # credited before: no write, no event
        return await self.change(doc["_id"], lambda d: records.credit(d, entry, self.rules), causes)

    async def on_activity_completed(self, ctx: EventContext) -> None:
        """Each volunteer's approved hours, once per activity. An unknown member is logged and
        skipped so the others are still credited; a failure of a write retries the event, and
        the volunteers already credited are then skipped by their idempotency key."""
        data = cast(ActivityCompleted, ctx.data)
        causes = Causes(
            self.settings.subdistrict,
            ctx.envelope.correlationid,
            ctx.envelope.id,
            ctx.envelope.traceparent,
        )
        served_on = data.starts_at.astimezone(self.tz).date()
        for volunteer in data.volunteers:
            if volunteer.hours <= 0:
                continue
            entry = records.Credit(
                record_id=new_id(),
                source="activity",
                source_id=data.activity_id,
                served_on=served_on,
                hours=volunteer.hours,
                content=data.title,
                organiser=data.organiser,
                approver=data.approved_by,
                credited_at=now(),
                points_entry_id=new_id(),
                organiser_team_ids=tuple(data.organiser_team_ids),
            )
            try:
                await self.credit(volunteer.member_id, entry, causes)
            except NotFound:
                log.warning(
                    "hours for an unknown member skipped",
                    extra={"member_id": volunteer.member_id, "activity_id": data.activity_id},
                )

    async def credit_hours(self, cmd: commands.CreditHours, ctx: CallContext) -> dict[str, Any]:
        """Hours from a paper record; the same reference again answers the first entry."""
        if cmd.served_on > self.today():
            msg = "the service date is in the future"
            raise Invalid(msg, [FieldError(loc=["served_on"], msg=msg, type="future")])
        entry = records.Credit(
            record_id=new_id(),
            source="manual",
            source_id=cmd.reference,
            served_on=cmd.served_on,
            hours=cmd.hours,
            content=cmd.content,
            organiser=cmd.organiser,
            approver=ctx.actor,
            credited_at=now(),
            points_entry_id=new_id(),
        )
        doc = await self.credit(cmd.member_id, entry, self.causes(ctx))
        stored = records.entry_for_source(doc, "manual", cmd.reference)
        assert stored is not None  # credited now or before
        return {
            **summary(doc),
            "created": stored["record_id"] == entry.record_id,
            "entry": records.entry_view(stored),
        }

    # -- corrections -----------------------------------------------------------------------

    async def request_correction(
        self, cmd: commands.RequestCorrection, ctx: CallContext
    ) -> dict[str, Any]:
        ask = corrections.CorrectionRequest(
            correction_id=new_id(),
            record_id=cmd.record_id,
            hours=cmd.hours,
            content=cmd.content,
            reason=cmd.reason,
            requested_by=ctx.actor,
            requested_at=now(),
        )
        doc = await self.change(
            cmd.member_id, lambda d: corrections.request(d, ask), self.causes(ctx)
        )
        return record_queries.correction_view(
            doc, corrections.find_correction(doc, ask.correction_id)
        )

    async def decide_correction(
        self, cmd: commands.DecideCorrection, ctx: CallContext
    ) -> dict[str, Any]:
        at, entry_id = now(), new_id()
        doc = await self.change(
            cmd.member_id,
            lambda d: corrections.decide(
                d,
                cmd.correction_id,
                cmd.decision,
                self.rules,
                note=cmd.note,
                by=ctx.actor,
                at=at,
                points_entry_id=entry_id,
            ),
            self.causes(ctx),
        )
        decided = corrections.find_correction(doc, cmd.correction_id)
        return {**summary(doc), **record_queries.correction_view(doc, decided)}

    # -- stars and points ------------------------------------------------------------------

    async def approve_star(self, cmd: commands.ApproveStar, ctx: CallContext) -> dict[str, Any]:
        at = now()
        doc = await self.change(
            cmd.member_id,
            lambda d: stars.approve(d, cmd.level, self.rules, by=ctx.actor, at=at),
            self.causes(ctx),
        )
        return {**summary(doc), "stars": records.jsonable(doc.get("stars", []))}

    async def redeem_points(self, cmd: commands.RedeemPoints, ctx: CallContext) -> dict[str, Any]:
        """A withdrawal once per exchange reference; a retry answers the first withdrawal."""
        doc = await current(self.members, cmd.member_id)
        entry_id = new_id()
        if points.withdrawal_for(doc, cmd.reference) is None:
            at = now()
            doc = await self.change(
                doc["_id"],
                lambda d: points.redeem(
                    d,
                    points=cmd.points,
                    reason=cmd.reason,
                    reference=cmd.reference,
                    entry_id=entry_id,
                    at=at,
                ),
                self.causes(ctx),
            )
        entry = points.withdrawal_for(doc, cmd.reference)
        assert entry is not None
        return {
            **summary(doc),
            "created": entry["entry_id"] == entry_id,
            "entry": records.jsonable(entry),
        }

    # -- merging ---------------------------------------------------------------------------

    async def merge_members(self, cmd: commands.MergeMembers, ctx: CallContext) -> dict[str, Any]:
        """Two registrations of one person. Step 1 marks the merged one (from then on every
        change goes to the kept one), step 2 moves its record into the kept one; after a
        crash between them, the same call again finishes the merge."""
        if cmd.kept_member_id == cmd.merged_member_id:
            msg = "a member cannot be merged into itself"
            raise Invalid(msg, [FieldError(loc=["merged_member_id"], msg=msg, type="same")])
        kept = await self._named(cmd.kept_member_id, "kept_member_id")
        merged = await self._named(cmd.merged_member_id, "merged_member_id")
        merge.check_kept(kept)
        merge.check_merged(merged, kept["_id"])
        if merged["_id"] in kept.get("merged_from", []):
            return {**merge.outcome(kept, merged["_id"]), "already_merged": True}
        m = merge.Merge(
            kept_id=kept["_id"],
            merged_id=merged["_id"],
            reason=cmd.reason,
            by=ctx.actor,
            at=now(),
            on=self.today(),
            points_entry_id=new_id(),
        )
        causes = self.causes(ctx)
        if merged.get("status") != "merged":
            merged = await self.members.update(
                merged["_id"],
                lambda d: _enveloped(merge.mark_merged(d, m), causes, d["_id"]),
            )
        frozen = merged  # no change reaches a merged member any more

        def absorb(doc: Document) -> tuple[Document, list[CloudEvent]]:
            try:
                change = merge.absorb(doc, frozen, m, self.rules)
            except records.MergedInto as exc:
                raise Conflict(f"member {doc['_id']} was merged meanwhile") from exc
            return _enveloped(change, causes, doc["_id"])

        kept = await self.members.update(kept["_id"], absorb)
        return {**merge.outcome(kept, merged["_id"]), "already_merged": False}

    async def _named(self, member_id: str, field: str) -> Document:
        try:
            return await self.members.get(member_id)
        except NotFound:
            msg = f"member {member_id} not found"
            raise NotFound(msg, [FieldError(loc=[field], msg=msg, type="not_found")]) from None


def _enveloped(
    change: tuple[Document, list[EventData]], causes: Causes, subject: str
) -> tuple[Document, list[CloudEvent]]:
    new, events = change
    return new, [causes.envelope(e, subject) for e in events]


def summary(doc: Document) -> dict[str, Any]:
    """The figures a write answers with."""
    return {
        "member_id": doc["_id"],
        "volunteer_no": doc.get("volunteer_no"),
        "total_hours": float(doc.get("total_hours", 0.0)),
        "star_level": doc.get("star_level", 0),
        "star_pending": list(doc.get("star_pending", [])),
        "points_balance": doc.get("points_balance", 0),
        "revision": doc.get("revision"),
    }


def install(runtime: ServiceRuntime, settings: RegistrySettings) -> None:
    """Register this part's commands, consumers, indexes and published events."""
    members = runtime.aggregates("members")
    handlers = RecordHandlers(members, settings)
    queries = record_queries.RecordQueries(members, runtime.db, settings)
    runtime.on_startup(queries.create_indexes)
    runtime.consume("credits", {ActivityCompleted: handlers.on_activity_completed})
    # Hours from resolved requests and confirmed micro-wishes.
    request_credits.install(runtime, handlers)
    runtime.command(commands.CREDIT_HOURS, commands.CreditHours, handlers.credit_hours)
    runtime.command(
        commands.REQUEST_CORRECTION, commands.RequestCorrection, handlers.request_correction
    )
    runtime.command(
        commands.DECIDE_CORRECTION, commands.DecideCorrection, handlers.decide_correction
    )
    runtime.command(commands.APPROVE_STAR, commands.ApproveStar, handlers.approve_star)
    runtime.command(commands.REDEEM_POINTS, commands.RedeemPoints, handlers.redeem_points)
    runtime.command(commands.MERGE_MEMBERS, commands.MergeMembers, handlers.merge_members)
    runtime.command(commands.GET_RECORD, commands.GetRecord, queries.get_record)
    runtime.command(commands.POINTS_STATEMENT, commands.PointsStatement, queries.statement)
    runtime.command(commands.LIST_CORRECTIONS, commands.ListCorrections, queries.list_corrections)
    runtime.command(commands.GET_PROOF, commands.GetProof, queries.get_proof)
    runtime.command(commands.GET_STATS, commands.GetStats, queries.get_stats)
