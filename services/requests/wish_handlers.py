"""Micro-wishes (微心愿): submit, review, claim, fulfil, confirm, and the wish wall.

Thin: read what the domain needs (a member claimant from the members projection), let
domain/wishes.py decide and make the events, write the wish and its events together."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.requests.config import RequestsSettings
from services.requests.domain import wishes
from services.requests.handlers import stored_time
from services.requests.member_projection import MemberProjection
from services.requests.wish_views import wish_view
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import EventData, new_event
from shared.contracts.commands import requests as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.requests import Claimant
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, FieldError, NotFound
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore, Document

Decide = Callable[[Document], wishes.Change]


class WishHandlers:
    def __init__(
        self, store: AggregateStore, members: MemberProjection, settings: RequestsSettings
    ) -> None:
        self.store = store
        self.members = members
        self.settings = settings

    async def create_indexes(self) -> None:
        for field in ("status", "location.community_id"):
            await self.store.collection.create_index([(field, ASCENDING)])

    def _envelopes(
        self, events: list[EventData], wish_id: str, ctx: CallContext
    ) -> list[CloudEvent]:
        return [
            new_event(
                e,
                subdistrict=self.settings.subdistrict,
                subject=wish_id,
                correlation_id=ctx.correlation_id,
                traceparent=ctx.traceparent,
            )
            for e in events
        ]

    async def _change(self, wish_id: str, decide: Decide, ctx: CallContext) -> dict[str, Any]:
        def write(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new, events = decide(doc)
            return new, self._envelopes(events, wish_id, ctx)

        return wish_view(await self.store.update(wish_id, write))

    async def submit(self, cmd: commands.SubmitWish, ctx: CallContext) -> dict[str, Any]:
        wish_id = new_id()
        doc, events = wishes.submit(cmd, wish_id=wish_id, by=ctx.actor, at=now())
        return wish_view(await self.store.insert(doc, self._envelopes(events, wish_id, ctx)))

    async def review(self, cmd: commands.ReviewWish, ctx: CallContext) -> dict[str, Any]:
        at = now()
        return await self._change(
            cmd.wish_id,
            lambda d: wishes.review(d, cmd.decision, cmd.reason, by=ctx.actor, at=at),
            ctx,
        )

    async def claim(self, cmd: commands.ClaimWish, ctx: CallContext) -> dict[str, Any]:
        claimant = await self._claimant(cmd)
        at = now()
        return await self._change(
            cmd.wish_id, lambda d: wishes.claim(d, claimant, by=ctx.actor, at=at), ctx
        )

    async def _claimant(self, cmd: commands.ClaimWish) -> Claimant:
        """A member claims under their masked name and must be active; a partner unit is
        taken as the gateway names it (the gateway checks the caller belongs to it)."""
        if cmd.claimant_type == "partner":
            return Claimant(type="partner", id=cmd.claimant_id)
        member = await self.members.get(cmd.claimant_id)
        if member is None:
            msg = f"member {cmd.claimant_id} not found"
            raise NotFound(msg, [FieldError(loc=["claimant_id"], msg=msg, type="not_found")])
        if member.get("status") != "active":
            msg = f"member {cmd.claimant_id} is {member.get('status')}, not active"
            raise Conflict(msg, [FieldError(loc=["claimant_id"], msg=msg, type="inactive")])
        return Claimant(type="member", id=member["_id"], name=member.get("display_name"))

    async def fulfil(self, cmd: commands.FulfilWish, ctx: CallContext) -> dict[str, Any]:
        at = now()
        return await self._change(
            cmd.wish_id,
            lambda d: wishes.fulfil(d, list(cmd.photo_refs), cmd.note, by=ctx.actor, at=at),
            ctx,
        )

    async def confirm(self, cmd: commands.ConfirmWish, ctx: CallContext) -> dict[str, Any]:
        at, points = now(), self.settings.wish_points
        return await self._change(
            cmd.wish_id,
            lambda d: wishes.confirm(d, cmd.hours, points, by=ctx.actor, at=at),
            ctx,
        )

    async def get(self, query: commands.GetWish, _: CallContext) -> dict[str, Any]:
        return wish_view(await self.store.get(query.wish_id))

    async def wall(self, query: commands.WishWall, _: CallContext) -> dict[str, Any]:
        """Newest first, paged by id (ids are time-ordered)."""
        statuses = [query.status] if query.status else list(wishes.ON_THE_WALL)
        filters: dict[str, Any] = {"status": {"$in": statuses}}
        if query.community_id:
            filters["location.community_id"] = query.community_id
        if query.cursor:
            filters["_id"] = {"$lt": query.cursor}
        found = self.store.collection.find(
            filters, sort=[("_id", DESCENDING)], limit=query.limit + 1
        )
        docs: list[Document] = [doc async for doc in found]
        page = docs[: query.limit]
        return {
            "items": [wish_view(doc, on_wall=True) for doc in page],
            "next_cursor": page[-1]["_id"] if len(docs) > query.limit else None,
        }


def now() -> datetime:
    return stored_time(datetime.now(UTC))


def install(runtime: ServiceRuntime, settings: RequestsSettings) -> None:
    """Register this part's commands and indexes (the members projection it reads is fed by
    the consumer suggestion_handlers installs)."""
    handlers = WishHandlers(runtime.aggregates("wishes"), MemberProjection(runtime.db), settings)
    runtime.on_startup(handlers.create_indexes)
    runtime.command(commands.SUBMIT_WISH, commands.SubmitWish, handlers.submit)
    runtime.command(commands.REVIEW_WISH, commands.ReviewWish, handlers.review)
    runtime.command(commands.CLAIM_WISH, commands.ClaimWish, handlers.claim)
    runtime.command(commands.FULFIL_WISH, commands.FulfilWish, handlers.fulfil)
    runtime.command(commands.CONFIRM_WISH, commands.ConfirmWish, handlers.confirm)
    runtime.command(commands.GET_WISH, commands.GetWish, handlers.get)
    runtime.command(commands.WISH_WALL, commands.WishWall, handlers.wall)
