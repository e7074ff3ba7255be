"""The teams this service knows, from the registry's events: `teams` =
`{_id, name, community_id (None: subdistrict-wide), serves (community_id or "*"), path
(ancestor ids, top first), member_ids (current members), memberships, at}`. Read to rank
teams for a request and to check dispatch targets.

`memberships` = `[{member_id, role, current, at}]`, one per member ever seen: the time of
the newest join or leave lets a late redelivery of an older one change nothing.
Every write replaces the whole document (nx-27017 stores $push-ed sub-documents as text)."""

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shared.bus.consumer import EventContext
from shared.contracts.events.registry import (
    TeamCreated,
    TeamUpdated,
    VolunteerJoinedTeam,
    VolunteerLeftTeam,
)

Document = dict[str, Any]
# `serves` of a team without a community: a string, since a null in a query is unsafe on
# nx-27017.
SUBDISTRICT_WIDE = "*"


class TeamsProjection:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def create_indexes(self) -> None:
        # member_ids stays unindexed: nx-27017 answers equality on an indexed array with nothing.
        await self.collection.create_index([("serves", ASCENDING)])

    async def serving(self, community_id: str) -> list[Document]:
        """The community's teams and the subdistrict-wide ones (a team known only from a
        join that overtook its creation has no `serves` yet)."""
        found = self.collection.find({"serves": {"$in": [community_id, SUBDISTRICT_WIDE]}})
        return [doc async for doc in found]

    async def _current(self, team_id: str) -> Document:
        found = await self.collection.find_one({"_id": team_id})
        return found or {"_id": team_id, "member_ids": [], "memberships": []}

    async def on_team(self, ctx: EventContext) -> None:
        assert isinstance(ctx.data, TeamCreated | TeamUpdated)
        team, at = ctx.data.team, ctx.envelope.time
        current = await self._current(team.team_id)
        if current.get("at") is not None and current["at"] > at:
            return
        new = {
            **current,
            "name": team.name,
            "community_id": team.community_id,
            "serves": team.community_id or SUBDISTRICT_WIDE,
            "path": list(team.path),
            "at": at,
        }
        await self.collection.replace_one({"_id": team.team_id}, new, upsert=True)

    async def on_joined(self, ctx: EventContext) -> None:
        data = ctx.data
        assert isinstance(data, VolunteerJoinedTeam)
        await self._membership(data.team_id, data.member_id, data.role, True, ctx.envelope.time)

    async def on_left(self, ctx: EventContext) -> None:
        data = ctx.data
        assert isinstance(data, VolunteerLeftTeam)
        await self._membership(data.team_id, data.member_id, None, False, ctx.envelope.time)

    async def _membership(
        self, team_id: str, member_id: str, role: str | None, current: bool, at: datetime
    ) -> None:
        doc = await self._current(team_id)
        entries = doc.get("memberships", [])
        before = next((m for m in entries if m["member_id"] == member_id), None)
        if before is not None and before["at"] > at:
            return
        entry = {
            "member_id": member_id,
            "role": role or (before or {}).get("role"),
            "current": current,
            "at": at,
        }
        entries = [m for m in entries if m["member_id"] != member_id] + [entry]
        member_ids = [m["member_id"] for m in entries if m["current"]]
        new = {**doc, "memberships": entries, "member_ids": member_ids}
        await self.collection.replace_one({"_id": team_id}, new, upsert=True)
