"""GET_METRICS: the three rates per month for a community, a team (with its sub-squads), or
the whole subdistrict. The definitions are in domain/metrics.py; the requests of the range
are read with only the fields the figures need and counted in Python."""

from typing import Any, Final
from zoneinfo import ZoneInfo

from pymongo.asynchronous.collection import AsyncCollection

from services.requests import lifecycle_clock
from services.requests.domain import metrics
from shared.bus.rpc import CallContext
from shared.contracts.commands.requests import GetMetrics
from shared.contracts.rpc import FieldError, Invalid
from shared.store.aggregates import AggregateStore, Document

DEFAULT_MONTHS: Final = 12
MAX_MONTHS: Final = 36


def _invalid(loc: str, msg: str) -> Invalid:
    return Invalid(msg, [FieldError(loc=[loc], msg=msg, type="range")])


class MetricsQueries:
    def __init__(self, requests: AggregateStore, teams: AsyncCollection[Document], tz: str) -> None:
        self.requests = requests
        self.teams = teams
        self.tz = tz

    async def team_and_subsquads(self, team_id: str) -> list[str]:
        """The team and every sub-squad under it that the teams projection knows (only
        the team itself while the registry's events have not arrived)."""
        found = self.teams.find({"$or": [{"_id": team_id}, {"path": {"$in": [team_id]}}]})
        return sorted({team_id, *[doc["_id"] async for doc in found]})

    async def get_metrics(self, query: GetMetrics, _: CallContext) -> dict[str, Any]:
        zone, now = ZoneInfo(self.tz), lifecycle_clock.now()
        last = query.month_to or metrics.month_of(now, zone)
        first = query.month_from or metrics.previous_months(last, DEFAULT_MONTHS - 1)
        if first > last:
            raise _invalid("month_from", f"month_from {first} is after month_to {last}")
        if len(metrics.months(first, last)) > MAX_MONTHS:
            raise _invalid("month_from", f"at most {MAX_MONTHS} months at once")
        filters: dict[str, Any] = {
            "submitted_at": {
                "$gte": metrics.month_start(first, zone),
                "$lt": metrics.month_start(metrics.next_month(last), zone),
            }
        }
        scope: dict[str, Any] = {"community_id": query.community_id, "team_id": query.team_id}
        if query.community_id:
            filters["location.community_id"] = query.community_id
        if query.team_id:
            team_ids = await self.team_and_subsquads(query.team_id)
            filters["handler.type"] = "team"
            filters["handler.id"] = {"$in": team_ids}
            scope["team_ids"] = team_ids
        wanted = {name: 1 for name in metrics.FIELDS}
        docs = [doc async for doc in self.requests.collection.find(filters, wanted)]
        figures = metrics.monthly(docs, first, last, now=now, tz=self.tz)
        return {"scope": scope, "month_from": first, "month_to": last, **figures}
