"""Notify's own picture of the other services, kept from their events (never by reading their
databases): members with their homes and teams, org units, teams, requests, wishes and
activities (projection_registry.py, projection_work.py). The fan-out applies each event here
first, then reads audiences from it; `lookup` answers what domain/audiences.py asks for."""

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.notify.config import NotifySettings
from services.notify.domain.audiences import Facts, HomeScope, Lookups, Subject
from services.notify.preference_store import PreferenceStore
from services.notify.projection_registry import RegistryProjection
from services.notify.projection_work import WorkProjection
from services.notify.projection_writes import Document
from shared.bus.consumer import EventContext
from shared.contracts.events import activities as act
from shared.contracts.events import registry as reg
from shared.contracts.events import requests as req
from shared.runtime.service import ServiceRuntime

Apply = Callable[[EventContext], Awaitable[None]]


class Projections:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.registry = RegistryProjection(db)
        self.work = WorkProjection(db)
        self.preferences = PreferenceStore(db)
        self._apply: dict[type, Apply] = self._appliers()

    async def create_indexes(self) -> None:
        await self.registry.create_indexes()
        await self.preferences.create_indexes()

    async def apply(self, ctx: EventContext) -> None:
        """Bring the projections up to this event (a no-op for events they do not keep)."""
        apply = self._apply.get(type(ctx.data))
        if apply is not None:
            await apply(ctx)

    def _appliers(self) -> dict[type, Apply]:
        r, w = self.registry, self.work

        async def profile(ctx: EventContext) -> None:
            assert isinstance(ctx.data, reg.MemberRegistered | reg.MemberUpdated)
            await r.on_profile(ctx, ctx.data.member)

        async def status(ctx: EventContext) -> None:
            assert isinstance(ctx.data, reg.MemberStatusChanged)
            await r.on_status(ctx, ctx.data)

        async def merged(ctx: EventContext) -> None:
            assert isinstance(ctx.data, reg.MembersMerged)
            await r.on_merged(ctx, ctx.data)
            await self.preferences.rekey(
                ctx.data.merged_member_id, ctx.data.kept_member_id, ctx.envelope.time
            )

        async def unit(ctx: EventContext) -> None:
            assert isinstance(ctx.data, reg.OrgUnitCreated | reg.OrgUnitUpdated)
            await r.on_unit(ctx, ctx.data.unit)

        async def team(ctx: EventContext) -> None:
            assert isinstance(ctx.data, reg.TeamCreated | reg.TeamUpdated)
            await r.on_team(ctx, ctx.data.team)

        async def joined(ctx: EventContext) -> None:
            assert isinstance(ctx.data, reg.VolunteerJoinedTeam)
            await r.on_joined(ctx, ctx.data)

        async def left(ctx: EventContext) -> None:
            assert isinstance(ctx.data, reg.VolunteerLeftTeam)
            await r.on_left(ctx, ctx.data)

        async def request_created(ctx: EventContext) -> None:
            assert isinstance(ctx.data, req.RequestCreated)
            await w.on_request_created(ctx, ctx.data)

        async def handler(ctx: EventContext) -> None:
            data = ctx.data
            assert isinstance(
                data, req.RequestDispatched | req.RequestStarted | req.RequestResolved
            )
            if data.handler is not None:
                await w.on_handler(ctx, data.request_id, data.handler)

        async def assigned(ctx: EventContext) -> None:
            assert isinstance(ctx.data, req.VolunteerAssigned)
            await w.on_assigned(ctx, ctx.data.request_id, ctx.data.member_id)

        async def wish_submitted(ctx: EventContext) -> None:
            assert isinstance(ctx.data, req.WishSubmitted)
            await w.on_wish_submitted(ctx, ctx.data)

        async def claimant(ctx: EventContext) -> None:
            data = ctx.data
            assert isinstance(data, req.WishClaimed | req.WishFulfilled | req.WishConfirmed)
            await w.on_claimant(ctx, data.wish_id, data.claimant)

        async def activity(ctx: EventContext) -> None:
            data = ctx.data
            assert isinstance(
                data, act.ActivityDrafted | act.ActivityPublished | act.ActivityUpdated
            )
            await w.on_activity(ctx, data.activity)

        async def cancelled(ctx: EventContext) -> None:
            assert isinstance(ctx.data, act.ActivityCancelled)
            await w.on_activity_status(ctx, ctx.data.activity_id, "cancelled")

        async def completed(ctx: EventContext) -> None:
            assert isinstance(ctx.data, act.ActivityCompleted)
            await w.on_activity_status(ctx, ctx.data.activity_id, "completed")

        return {
            reg.MemberRegistered: profile,
            reg.MemberUpdated: profile,
            reg.MemberStatusChanged: status,
            reg.MembersMerged: merged,
            reg.OrgUnitCreated: unit,
            reg.OrgUnitUpdated: unit,
            reg.TeamCreated: team,
            reg.TeamUpdated: team,
            reg.VolunteerJoinedTeam: joined,
            reg.VolunteerLeftTeam: left,
            req.RequestCreated: request_created,
            req.RequestDispatched: handler,
            req.RequestStarted: handler,
            req.RequestResolved: handler,
            req.VolunteerAssigned: assigned,
            req.WishSubmitted: wish_submitted,
            req.WishClaimed: claimant,
            req.WishFulfilled: claimant,
            req.WishConfirmed: claimant,
            act.ActivityDrafted: activity,
            act.ActivityPublished: activity,
            act.ActivityUpdated: activity,
            act.ActivityCancelled: cancelled,
            act.ActivityCompleted: completed,
        }

    # -- what the fan-out reads ----------------------------------------------------------

    async def subject(self, data: dict[str, Any]) -> Subject:
        """The request, wish or activity the event is about, as notify knows it."""

        async def one(collection: str, key: str) -> Document | None:
            found = data.get(key)
            if not isinstance(found, str):
                return None
            db = self.work.requests.database
            return await db[collection].find_one({"_id": found})

        return Subject(
            request=await one("requests", "request_id"),
            wish=await one("wishes", "wish_id"),
            activity=await one("activities", "activity_id"),
        )

    async def facts(self, wanted: Lookups) -> Facts:
        """Everything the audiences asked for, a query per kind of fact (not per member)."""
        r = self.registry
        at_home: dict[HomeScope, tuple[str, ...]] = {}
        members: dict[str, Document] = {}
        for scope in wanted.homes:
            kind, unit_id = scope
            found = [doc async for doc in r.members.find({f"home_{kind}_id": unit_id})]
            members.update((doc["_id"], doc) for doc in found)
            at_home[scope] = tuple(doc["_id"] for doc in found)
        teams = await self._teams(wanted.member_teams, wanted.leader_teams)
        team_members: dict[str, tuple[str, ...]] = {}
        for team_id in wanted.member_teams:
            squad = [
                t for t, doc in teams.items() if t == team_id or team_id in doc.get("path", [])
            ]
            rows = r.team_members.find({"team_id": {"$in": squad or [team_id]}, "current": True})
            team_members[team_id] = tuple(dict.fromkeys([row["member_id"] async for row in rows]))
        missing = {m for ids in team_members.values() for m in ids} | set(wanted.member_ids)
        members.update(await self.members(missing - members.keys()))
        return Facts(members=members, at_home=at_home, team_members=team_members, teams=teams)

    async def _teams(self, with_squads: Iterable[str], named: Iterable[str]) -> dict[str, Document]:
        """The teams named, and every sub-squad under the first ones (teams are few; `path`
        is not indexed, so `$in` on it is exact on nx-27017)."""
        r = self.registry
        found: dict[str, Document] = {}
        ids = list(dict.fromkeys([*with_squads, *named]))
        if ids:
            found.update({doc["_id"]: doc async for doc in r.teams.find({"_id": {"$in": ids}})})
        squads = list(dict.fromkeys(with_squads))
        if squads:
            below = r.teams.find({"path": {"$in": squads}})
            found.update({doc["_id"]: doc async for doc in below})
        return found

    async def members(self, member_ids: Iterable[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(member_ids))
        if not ids:
            return {}
        found = self.registry.members.find({"_id": {"$in": ids}})
        return {doc["_id"]: doc async for doc in found}

    async def org_unit(self, unit_id: str) -> Document | None:
        return await self.registry.org_units.find_one({"_id": unit_id})

    async def team(self, team_id: str) -> Document | None:
        return await self.registry.teams.find_one({"_id": team_id})


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    """The projections' indexes; their consumer is the fan-out's (fanout.py), which applies
    every event here before it reads audiences."""
    runtime.on_startup(Projections(runtime.db).create_indexes)
