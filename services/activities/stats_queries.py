"""ACTIVITY_STATS: per month, for a community, a team with its sub-squads, or the whole
subdistrict."""

from typing import Any
from zoneinfo import ZoneInfo

from services.activities.activity_support import invalid
from services.activities.domain import stats
from services.activities.teams_projection import TeamsProjection
from shared.bus.rpc import CallContext
from shared.contracts.commands.activities import ActivityStats
from shared.store.aggregates import AggregateStore

# Whole sub-documents only: a dotted projection comes back in the wrong shape on nx-27017.
FIELDS = {"status": 1, "starts_at": 1, "attendance": 1, "participants": 1, "completion": 1}


class StatsQueries:
    def __init__(self, activities: AggregateStore, teams: TeamsProjection, zone: ZoneInfo) -> None:
        self.activities = activities
        self.teams = teams
        self.zone = zone

    async def stats(self, query: ActivityStats, _: CallContext) -> dict[str, Any]:
        if query.month_from and query.month_to and query.month_from > query.month_to:
            raise invalid("month_to", "month_to is before month_from", "range")
        filters: dict[str, Any] = {"status": "completed"}
        if query.community_id:
            filters["community_id"] = query.community_id
        if query.team_id:
            teams = await self.teams.team_and_subsquads(query.team_id)
            filters["organiser_team_ids"] = {"$in": teams}
        window: dict[str, Any] = {}
        if query.month_from:
            window["$gte"] = stats.month_start(query.month_from, self.zone)
        if query.month_to:
            window["$lt"] = stats.next_month_start(query.month_to, self.zone)
        if window:
            filters["starts_at"] = window
        found = [doc async for doc in self.activities.collection.find(filters, FIELDS)]
        scope = {
            "community_id": query.community_id,
            "team_id": query.team_id,
            "month_from": query.month_from,
            "month_to": query.month_to,
        }
        return {"scope": scope, **stats.per_month(found, self.zone)}
