"""Commands on teams: create and change them, and who joins and leaves them."""

from datetime import date
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.registry.domain import teams
from services.registry.domain.org import Document, Unchanged
from services.registry.org_people import People
from services.registry.org_support import Clock, Emitter, raise_if
from shared.bus.rpc import CallContext
from shared.contracts.commands.registry import CreateTeam, JoinTeam, LeaveTeam, UpdateTeam
from shared.contracts.events.registry import (
    TeamCreated,
    TeamUpdated,
    VolunteerJoinedTeam,
    VolunteerLeftTeam,
)
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, FieldError, Invalid
from shared.store.aggregates import AggregateStore

BRANCH_KINDS = ("community", "compound")


class Teams:
    def __init__(
        self,
        teams: AggregateStore,
        units: AggregateStore,
        people: People,
        emit: Emitter,
        clock: Clock,
    ) -> None:
        self.teams = teams
        self.units = units
        self.people = people
        self.emit = emit
        self.clock = clock

    async def create_indexes(self) -> None:
        collection = self.teams.collection
        # No index on the arrays (path, members): nx-27017 then answers an equality on them
        # with nothing, and a subdistrict has a few dozen teams, read whole in no time.
        for field in ("community_id", "parent_id"):
            await collection.create_index([(field, ASCENDING)])
        # The same team entered twice (a double click) is refused, not kept twice.
        await collection.create_index([("name_key", ASCENDING)], unique=True, sparse=True)

    async def create(self, cmd: CreateTeam, ctx: CallContext) -> dict[str, Any]:
        parent = await self._parent(cmd)
        community_id = parent["community_id"] if parent else cmd.community_id
        if parent is None and community_id is not None:
            raise_if(await self._not_community(community_id))
        raise_if(await self._not_branch(cmd.party_branch_unit_id, community_id))
        team_id = cmd.team_id or new_id()
        if cmd.team_id and await self.teams.collection.find_one({"_id": cmd.team_id}):
            raise Conflict(f"the team id {cmd.team_id} is taken")
        doc = teams.new_team(cmd, team_id, parent, now=self.clock.now(), actor=ctx.actor)
        await self._name_free(doc)
        event = self.emit(TeamCreated(team=teams.event_view(doc)), team_id, ctx)
        try:
            stored = await self.teams.insert(doc, [event])
        except Conflict as exc:
            raise Conflict(f"the team {team_id} or its name is taken: {exc}") from exc
        return teams.public(stored)

    async def update(self, cmd: UpdateTeam, ctx: CallContext) -> dict[str, Any]:
        current = await self.teams.get(cmd.team_id)
        wanted = {
            field: getattr(cmd, field)
            for field in ("name", "party_branch_unit_id", "description")
            if getattr(cmd, field) is not None
        }
        if "party_branch_unit_id" in wanted:
            raise_if(await self._not_branch(cmd.party_branch_unit_id, current["community_id"]))
        if cmd.name is not None and cmd.name != current["name"]:
            await self._name_free({**current, "name": cmd.name})

        def change(doc: Document) -> tuple[Document, list[Any]]:
            new, changed = teams.changed_team(doc, wanted, now=self.clock.now(), actor=ctx.actor)
            event = TeamUpdated(team=teams.event_view(new), changed=changed)
            return new, [self.emit(event, cmd.team_id, ctx)]

        try:
            stored = await self.teams.update(cmd.team_id, change, cmd.expected_revision)
        except Unchanged as nothing:
            return teams.public(nothing.doc)
        except DuplicateKeyError as exc:
            raise Conflict(f"a team beside it is already named {cmd.name}") from exc
        return teams.public(stored)

    async def join(self, cmd: JoinTeam, ctx: CallContext) -> dict[str, Any]:
        """Also changes a current member's role: VolunteerJoinedTeam again, with the new
        role and the membership's first joined_on (a subscriber upserts member and team)."""
        await self.teams.get(cmd.team_id)  # a missing team is NotFound before the member
        person = (await self.people.find([cmd.member_id])).get(cmd.member_id)
        if person is None:
            msg = f"no member {cmd.member_id}"
            raise Invalid(msg, [FieldError(loc=["member_id"], msg=msg, type="not_found")])
        if person["status"] != "active":
            raise Conflict(f"member {cmd.member_id} is {person['status']}; only active join")
        on = cmd.joined_on or self.clock.today()

        def change(doc: Document) -> tuple[Document, list[Any]]:
            new, entry = teams.join(
                doc, cmd.member_id, cmd.role, on, now=self.clock.now(), actor=ctx.actor
            )
            joined = VolunteerJoinedTeam(
                team_id=doc["_id"],
                team_path=doc["path"],
                member_id=cmd.member_id,
                role=entry["role"],
                joined_on=date.fromisoformat(entry["joined_on"]),
            )
            return new, [self.emit(joined, cmd.team_id, ctx)]

        try:
            stored = await self.teams.update(cmd.team_id, change)
        except Unchanged as nothing:
            return teams.public(nothing.doc)
        return teams.public(stored)

    async def leave(self, cmd: LeaveTeam, ctx: CallContext) -> dict[str, Any]:
        on = cmd.left_on or self.clock.today()

        def change(doc: Document) -> tuple[Document, list[Any]]:
            new, entry = teams.leave(
                doc, cmd.member_id, on, cmd.reason, now=self.clock.now(), actor=ctx.actor
            )
            left = VolunteerLeftTeam(
                team_id=doc["_id"], member_id=cmd.member_id, left_on=on, reason=entry["left_reason"]
            )
            return new, [self.emit(left, cmd.team_id, ctx)]

        return teams.public(await self.teams.update(cmd.team_id, change))

    async def _parent(self, cmd: CreateTeam) -> Document | None:
        if cmd.parent_id is None:
            return None
        parent: Document | None = await self.teams.collection.find_one({"_id": cmd.parent_id})
        if parent is None:
            msg = f"no team {cmd.parent_id}"
            raise Invalid(msg, [FieldError(loc=["parent_id"], msg=msg, type="not_found")])
        if cmd.community_id is not None and cmd.community_id != parent["community_id"]:
            msg = f"a sub-squad is in its parent's community ({parent['community_id']})"
            raise Invalid(msg, [FieldError(loc=["community_id"], msg=msg, type="mismatch")])
        return parent

    async def _not_community(self, community_id: str) -> list[FieldError]:
        unit = await self.units.collection.find_one({"_id": community_id})
        if unit is not None and unit["kind"] == "community":
            return []
        msg = f"no community {community_id}"
        return [FieldError(loc=["community_id"], msg=msg, type="not_found")]

    async def _not_branch(self, unit_id: str | None, community_id: str | None) -> list[FieldError]:
        """A team is attached to the party branch of a community or a compound (of its own
        community, unless the team is the whole subdistrict's)."""
        if unit_id is None:
            return []
        unit = await self.units.collection.find_one({"_id": unit_id})
        if unit is None or unit["kind"] not in BRANCH_KINDS:
            msg = f"no community or compound {unit_id}"
        elif not unit.get("party_branch"):
            msg = f"{unit_id} has no party branch"
        elif community_id is not None and unit["community_id"] != community_id:
            msg = f"{unit_id} is in community {unit['community_id']}, not {community_id}"
        else:
            return []
        return [FieldError(loc=["party_branch_unit_id"], msg=msg, type="not_a_branch")]

    async def _name_free(self, team: Document) -> None:
        sibling = await self.teams.collection.find_one({"name_key": teams.name_key(team)})
        if sibling is not None and sibling["_id"] != team["_id"]:
            raise Conflict(f"a team beside it is already named {team['name']} ({sibling['_id']})")
