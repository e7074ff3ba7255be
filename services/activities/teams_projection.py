"""The teams this service knows, from the registry's events: `teams` =
`{_id, name, path, community_id, parent_id, at}` (`path`: ancestor ids, the top team first).

Only what the calendar and the stats need: a team and its sub-squads, to match activities
organised by any of them. Each event carries the whole team, so the newest one wins; an
older one arriving late (a redelivery) changes nothing."""

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shared.bus.consumer import EventContext
from shared.contracts.events.registry import TeamCreated, TeamUpdated

Document = dict[str, Any]


class TeamsProjection:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def create_indexes(self) -> None:
        # No index on `path`: nx-27017 answers an equality on an indexed array with nothing.
        await self.collection.create_index([("community_id", ASCENDING)])

    async def on_team(self, ctx: EventContext) -> None:
        assert isinstance(ctx.data, TeamCreated | TeamUpdated)
        team = ctx.data.team
        at = ctx.envelope.time
        current = await self.collection.find_one({"_id": team.team_id}, {"at": 1})
        if current is not None and current.get("at") and current["at"] > at:
            return
        doc = {
            "_id": team.team_id,
            "name": team.name,
            "path": list(team.path),
            "community_id": team.community_id,
            "parent_id": team.parent_id,
            "at": at,
        }
        await self.collection.replace_one({"_id": team.team_id}, doc, upsert=True)

    async def team_and_subsquads(self, team_id: str) -> list[str]:
        """The team's id and those of every sub-squad under it, at any depth. A team not
        (yet) known here is itself only: the registry's event may still be on its way."""
        found = self.collection.find({"$or": [{"_id": team_id}, {"path": team_id}]}, {"_id": 1})
        ids = [doc["_id"] async for doc in found]
        return sorted({team_id, *ids})
