"""Queries on teams: one team with its sub-squads and roster, and the tree of teams."""

from typing import Any

from services.registry.domain import teams
from services.registry.domain.org import Document
from services.registry.org_people import People
from shared.bus.rpc import CallContext
from shared.contracts.commands.registry import GetTeam, GetTeamTree
from shared.contracts.rpc import NotFound
from shared.store.aggregates import AggregateStore


class TeamQueries:
    def __init__(self, teams: AggregateStore, people: People) -> None:
        self.teams = teams
        self.people = people

    async def get(self, query: GetTeam, _: CallContext) -> dict[str, Any]:
        """The team, its direct sub-squads, and everyone who is or was in it (masked)."""
        team = await self.teams.get(query.team_id)
        cursor = self.teams.collection.find(
            {"parent_id": query.team_id}, {"name": 1, "created_at": 1}
        )
        below = sorted([doc async for doc in cursor], key=lambda t: (t["created_at"], t["_id"]))
        people = await self.people.find(e["member_id"] for e in team.get("members", []))
        return {
            **teams.public(team),
            "subsquads": [{"id": doc["_id"], "name": doc["name"]} for doc in below],
            "members": teams.roster(team, people),
        }

    async def tree(self, query: GetTeamTree, _: CallContext) -> dict[str, Any]:
        where: Document = {}
        if query.team_id is not None:
            where = {"$or": [{"_id": query.team_id}, {"path": {"$in": [query.team_id]}}]}
        elif query.community_id is not None:
            where = {"community_id": query.community_id}
        found = [doc async for doc in self.teams.collection.find(where)]
        if query.team_id is not None:
            if not found:
                raise NotFound(f"teams {query.team_id} not found")
            top = [query.team_id]
        else:
            top = [t["_id"] for t in found if t.get("parent_id") is None]
        if query.community_id is not None:
            found = [t for t in found if t.get("community_id") == query.community_id]
        ordered = sorted(found, key=lambda t: (t["created_at"], t["_id"]))
        return {"teams": teams.team_tree(ordered, [t["_id"] for t in ordered if t["_id"] in top])}
