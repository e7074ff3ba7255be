"""Dispatch suggestions (SUGGEST_HANDLERS), and the projections of the registry's members and
teams they rank (fed by this part's consumer; the wishes and the lifecycle read them too).

The lifecycle's auto-dispatch at acceptance: `Suggester.best_for(request_doc)`, or the pure
`domain.suggestions.best(request, candidates, part)`."""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING

from services.requests.config import RequestsSettings
from services.requests.domain import suggestions
from services.requests.domain.suggestions import Candidate, Suggestion
from services.requests.member_projection import MemberProjection
from services.requests.teams_projection import TeamsProjection
from shared.bus.rpc import CallContext
from shared.contracts.commands import requests as commands
from shared.contracts.events.registry import (
    MemberRegistered,
    MembersMerged,
    MemberStatusChanged,
    MemberUpdated,
    TeamCreated,
    TeamUpdated,
    VolunteerJoinedTeam,
    VolunteerLeftTeam,
)
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore, Document


class Suggester:
    def __init__(
        self,
        requests: AggregateStore,
        members: MemberProjection,
        teams: TeamsProjection,
        settings: RequestsSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.requests = requests
        self.members = members
        self.teams = teams
        self.tz = ZoneInfo(settings.time_zone)
        self.clock = clock

    async def create_indexes(self) -> None:
        for field in ("handler.member_id", "handler.id"):
            await self.requests.collection.create_index([(field, ASCENDING)])

    async def suggest(self, cmd: commands.SuggestHandlers, _: CallContext) -> dict[str, Any]:
        request = await self.requests.get(cmd.request_id)
        part = suggestions.day_part(self.clock(), self.tz)
        ranked = suggestions.rank(request, await self.candidates(request), part)
        return {
            "request_id": request["_id"],
            "kind": request["kind"],
            "useful_skills": list(suggestions.KIND_SKILLS.get(request["kind"], ())),
            "day_part": part,
            "items": [s.view() for s in ranked[: cmd.limit]],
        }

    async def best_for(self, request: Document) -> Suggestion | None:
        part = suggestions.day_part(self.clock(), self.tz)
        return suggestions.best(request, await self.candidates(request), part)

    async def candidates(self, request: Document) -> list[Candidate]:
        """The active volunteers living in the request's community, and the teams serving it
        (the community's and the subdistrict-wide ones) with their active members."""
        community = request["location"]["community_id"]
        people = {m["_id"]: m for m in await self.members.active_in(community)}
        teams = [t for t in await self.teams.serving(community) if t.get("name")]
        in_teams = await self.members.find(i for t in teams for i in t.get("member_ids", []))
        in_teams = {k: m for k, m in in_teams.items() if m.get("status") == "active"}
        member_load = await self._load("handler.member_id", people, request["_id"])
        team_load = await self._load(
            "handler.id", (t["_id"] for t in teams), request["_id"], {"handler.type": "team"}
        )
        found = [_volunteer(m, member_load.get(m["_id"], 0)) for m in people.values()]
        for team in teams:
            crew = [in_teams[i] for i in team.get("member_ids", []) if i in in_teams]
            found.append(_team(team, crew, team_load.get(team["_id"], 0)))
        return found

    async def _load(
        self, path: str, ids: Iterable[str], request_id: str, extra: Document | None = None
    ) -> dict[str, int]:
        """Open requests per handler (the request being placed not counted)."""
        wanted = list(ids)
        if not wanted:
            return {}
        query = {path: {"$in": wanted}, "status": {"$in": list(suggestions.OPEN_STATUSES)}}
        counts: dict[str, int] = {}
        async for doc in self.requests.collection.find({**query, **(extra or {})}, {"handler": 1}):
            key = (doc.get("handler") or {}).get(path.removeprefix("handler."))
            if doc["_id"] != request_id and key:
                counts[key] = counts.get(key, 0) + 1
        return counts


def _volunteer(member: Document, load: int) -> Candidate:
    return Candidate(
        type="volunteer",
        id=member["_id"],
        name=member.get("display_name"),
        skills=frozenset(member.get("skills", [])),
        homes=(member.get("home") or {},),
        availability=frozenset(member.get("availability", [])),
        open_requests=load,
    )


def _team(team: Document, crew: list[Document], load: int) -> Candidate:
    return Candidate(
        type="team",
        id=team["_id"],
        name=team["name"],
        skills=frozenset(s for m in crew for s in m.get("skills", [])),
        homes=tuple(m.get("home") or {} for m in crew),
        community_id=team.get("community_id"),
        availability=frozenset(a for m in crew for a in m.get("availability", [])),
        open_requests=load,
    )


def projections(runtime: ServiceRuntime) -> tuple[MemberProjection, TeamsProjection]:
    return MemberProjection(runtime.db), TeamsProjection(runtime.db["teams"])


def install(runtime: ServiceRuntime, settings: RequestsSettings) -> None:
    """Register the registry projections' consumer, SUGGEST_HANDLERS and their indexes."""
    members, teams = projections(runtime)
    suggester = Suggester(runtime.aggregates("requests"), members, teams, settings)
    runtime.on_startup(members.create_indexes)
    runtime.on_startup(teams.create_indexes)
    runtime.on_startup(suggester.create_indexes)
    runtime.consume(
        "registry",
        {
            MemberRegistered: members.on_profile,
            MemberUpdated: members.on_profile,
            MemberStatusChanged: members.on_status_changed,
            MembersMerged: members.on_merged,
            TeamCreated: teams.on_team,
            TeamUpdated: teams.on_team,
            VolunteerJoinedTeam: teams.on_joined,
            VolunteerLeftTeam: teams.on_left,
        },
        subject=events_filter(settings.subdistrict, "registry"),
    )
    runtime.command(commands.SUGGEST_HANDLERS, commands.SuggestHandlers, suggester.suggest)
