"""Hours (and points) from the requests service: a resolved request credits each volunteer
who served it, a confirmed micro-wish credits its member claimant. Once per request or wish
and member, however often the event arrives: RecordHandlers.credit keys each entry by its
source ("request:<id>", "wish:<id>"), and a wish's points deposit by its own reference.

record_handlers is imported as a module: its install() imports this module back."""

import logging
from datetime import UTC, datetime
from typing import cast

from services.registry import record_handlers
from services.registry.domain import points, records
from shared.bus.consumer import EventContext
from shared.contracts.catalogue import EventData
from shared.contracts.events.requests import RequestResolved, WishConfirmed
from shared.contracts.ids import new_id
from shared.contracts.rpc import NotFound
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import Document

log = logging.getLogger(__name__)


def wish_points_reference(wish_id: str) -> str:
    return f"wish_points:{wish_id}"


def deposit_once(
    doc: Document, amount: int, reason: str, reference: str, entry_id: str, at: datetime
) -> tuple[Document, list[EventData]]:
    """A deposit of `amount` points, unless one with this reference was made already."""
    records.ensure_not_merged(doc)
    made = any(e.get("reference") == reference for e in doc.get("points", []))
    if made or amount <= 0:
        return doc, []
    new, moved = points.move(
        doc,
        kind="deposit",
        delta=amount,
        reason=reason,
        reference=reference,
        entry_id=entry_id,
        at=at,
    )
    return new, [moved]


class RequestCredits:
    def __init__(self, handlers: "record_handlers.RecordHandlers") -> None:
        self.handlers = handlers

    def _causes(self, ctx: EventContext) -> "record_handlers.Causes":
        e = ctx.envelope
        return record_handlers.Causes(
            self.handlers.settings.subdistrict, e.correlationid, e.id, e.traceparent
        )

    async def on_request_resolved(self, ctx: EventContext) -> None:
        data = cast(RequestResolved, ctx.data)
        organiser = (data.handler.name if data.handler else None) or data.community_id
        for member_id in dict.fromkeys(data.volunteer_member_ids):
            entry = records.Credit(
                record_id=new_id(),
                source="request",
                # Work after a reopening is new work: each resolution is credited once.
                source_id=data.request_id
                if data.resolution == 1
                else f"{data.request_id}#{data.resolution}",
                served_on=data.resolved_at.astimezone(self.handlers.tz).date(),
                hours=data.hours_spent,
                content=data.title,
                organiser=organiser,
                approver=data.resolved_by,
                credited_at=datetime.now(UTC),
                points_entry_id=new_id(),
            )
            await self._credit(member_id, entry, ctx)

    async def on_wish_confirmed(self, ctx: EventContext) -> None:
        data = cast(WishConfirmed, ctx.data)
        if data.claimant.type != "member":
            return  # a partner unit has no service record
        member_id, at = data.claimant.id, datetime.now(UTC)
        entry = records.Credit(
            record_id=new_id(),
            source="wish",
            source_id=data.wish_id,
            served_on=data.confirmed_at.astimezone(self.handlers.tz).date(),
            hours=data.hours,
            content=f"微心愿：{data.title}",
            organiser=data.community_id,
            approver=data.confirmed_by,
            credited_at=at,
            points_entry_id=new_id(),
        )
        if not await self._credit(member_id, entry, ctx) or data.points <= 0:
            return
        reference, entry_id = wish_points_reference(data.wish_id), new_id()
        await self.handlers.change(
            member_id,
            lambda d: deposit_once(d, data.points, f"微心愿 {data.title}", reference, entry_id, at),
            self._causes(ctx),
        )

    async def _credit(self, member_id: str, entry: records.Credit, ctx: EventContext) -> bool:
        """False for a member the registry does not know (logged; the others go on)."""
        try:
            await self.handlers.credit(member_id, entry, self._causes(ctx))
        except NotFound:
            log.warning(
                "hours for an unknown member skipped",
                extra={"member_id": member_id, "source_id": entry.source_id},
            )
            return False
        return True


def install(runtime: ServiceRuntime, handlers: "record_handlers.RecordHandlers") -> None:
    """Called by record_handlers.install, with its handlers."""
    credits = RequestCredits(handlers)
    runtime.consume(
        "request_credits",
        {RequestResolved: credits.on_request_resolved, WishConfirmed: credits.on_wish_confirmed},
        subject=events_filter(handlers.settings.subdistrict, "requests"),
    )
