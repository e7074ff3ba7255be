"""The members this service knows, from the registry's events: `members` =
`{_id, display_name (masked), skills, availability, home {community_id, compound_id,
building_id}, status, at}`. Read to check a wish's claimant, to rank dispatch suggestions and
to check dispatch targets (status "active" = may take work).

Each event carries the whole profile, so a document is replaced whole; an event older than
the one a member was last written from (a late redelivery) changes nothing."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.bus.consumer import EventContext
from shared.contracts.events.registry import (
    MemberRegistered,
    MembersMerged,
    MemberStatusChanged,
    MemberUpdated,
)

Document = dict[str, Any]


class MemberProjection:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.members = db["members"]

    async def create_indexes(self) -> None:
        await self.members.create_index([("home.community_id", ASCENDING)])

    async def get(self, member_id: str) -> Document | None:
        return await self.members.find_one({"_id": member_id})

    async def active_in(self, community_id: str) -> list[Document]:
        found = self.members.find({"home.community_id": community_id, "status": "active"})
        return [doc async for doc in found]

    async def find(self, member_ids: Iterable[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(member_ids))
        if not ids:
            return {}
        return {m["_id"]: m async for m in self.members.find({"_id": {"$in": ids}})}

    async def on_profile(self, ctx: EventContext) -> None:
        member = cast(MemberRegistered | MemberUpdated, ctx.data).member
        await self._write(
            ctx,
            member.member_id,
            {
                "display_name": member.display_name,
                "skills": list(member.skills),
                "availability": list(member.availability),
                "home": member.home.model_dump(
                    include={"community_id", "compound_id", "building_id"}
                ),
                "status": member.status,
            },
        )

    async def on_status_changed(self, ctx: EventContext) -> None:
        data = cast(MemberStatusChanged, ctx.data)
        await self._write(ctx, data.member_id, {"status": data.status})

    async def on_merged(self, ctx: EventContext) -> None:
        data = cast(MembersMerged, ctx.data)
        await self._write(
            ctx, data.merged_member_id, {"status": "merged", "merged_into": data.kept_member_id}
        )

    async def _write(self, ctx: EventContext, member_id: str, fields: Document) -> None:
        at: datetime = ctx.envelope.time
        current = await self.members.find_one({"_id": member_id}) or {"_id": member_id}
        if current.get("at") is not None and current["at"] > at:
            if "skills" in current or "skills" not in fields:
                return
            # A status event overtook the registration: take the profile, keep the status.
            fields, at = {k: v for k, v in fields.items() if k != "status"}, current["at"]
        # Replace, not $set: nx-27017 stores a $set datetime as text.
        await self.members.replace_one(
            {"_id": member_id}, {**current, **fields, "at": at}, upsert=True
        )
