"""The service's own projection of the registry's members (`members`): who exists, their
status and skills. Built only from the registry's events, upserted whole, so a second
delivery changes nothing; an event older than the one the member was last written from is
skipped (a redelivery overtaken by a later change)."""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.bus.consumer import EventContext
from shared.contracts.events.registry import (
    MemberProfile,
    MemberRegistered,
    MembersMerged,
    MemberStatusChanged,
    MemberUpdated,
)

log = logging.getLogger(__name__)
Document = dict[str, Any]


class MemberProjection:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.members = db["members"]

    async def create_indexes(self) -> None:
        await self.members.create_index([("volunteer_no", ASCENDING)])

    async def get(self, member_id: str) -> Document | None:
        return await self.members.find_one({"_id": member_id})

    async def find(self, member_ids: Iterable[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(member_ids))
        if not ids:
            return {}
        return {m["_id"]: m async for m in self.members.find({"_id": {"$in": ids}})}

    # -- the registry's events --------------------------------------------------------------

    async def on_registered(self, ctx: EventContext) -> None:
        await self._profile(ctx, cast(MemberRegistered, ctx.data).member)

    async def on_updated(self, ctx: EventContext) -> None:
        await self._profile(ctx, cast(MemberUpdated, ctx.data).member)

    async def on_status_changed(self, ctx: EventContext) -> None:
        data = cast(MemberStatusChanged, ctx.data)
        await self._write(ctx, data.member_id, {"status": data.status})

    async def on_merged(self, ctx: EventContext) -> None:
        """The merged registration can no longer sign up; its sign-ups stay as they were."""
        data = cast(MembersMerged, ctx.data)
        await self._write(
            ctx,
            data.merged_member_id,
            {"status": "merged", "merged_into": data.kept_member_id},
        )

    async def _profile(self, ctx: EventContext, member: MemberProfile) -> None:
        profile = {
            "volunteer_no": member.volunteer_no,
            "display_name": member.display_name,
            "skills": list(member.skills),
            "community_id": member.home.community_id,
        }
        await self._write(ctx, member.member_id, {**profile, "status": member.status}, profile)

    async def _write(
        self, ctx: EventContext, member_id: str, fields: Document, if_older: Document | None = None
    ) -> None:
        """Newest event wins. An older profile event still fills a member known only from a
        status event that overtook it (`if_older`: what it may add then)."""
        at: datetime = ctx.envelope.time
        current = await self.members.find_one({"_id": member_id}) or {"_id": member_id}
        if current.get("at") is not None and current["at"] > at:
            if if_older is None or "volunteer_no" in current:
                log.info(
                    "older member event skipped",
                    extra={"member_id": member_id, "event_id": ctx.envelope.id},
                )
                return
            fields, at = if_older, current["at"]
        # A whole-document replace: nx-27017 stores a datetime `$set` on an existing
        # document as a string (see the sign-ups report), a replace keeps it a datetime.
        new = {**current, **fields, "updated_from_event": ctx.envelope.id, "at": at}
        await self.members.replace_one({"_id": member_id}, new, upsert=True)
