"""Who a request may be dispatched to, checked against what this service knows of the
registry: a team (`teams`), a member (`members`: a volunteer, a building head, a grid
worker), or one of a compound's "3" (`org_units`).

The members and teams projections are another part's (member_projection.py,
teams_projection.py); until either holds anything at all (a fresh service that has not yet
heard from the registry) any id is taken as it is, without a name, rather than refusing
every dispatch."""

from typing import Any, Final

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.commands.requests import DispatchRequest
from shared.contracts.events.requests import Handler
from shared.contracts.rpc import FieldError, Invalid

Document = dict[str, Any]

PERSONS: Final = ("volunteer", "building_head", "grid_worker")
# The compound's "3" and the field of its unit that names each.
THREE: Final = {
    "party_branch": "party_branch",
    "owners_committee": "owners_committee",
    "property_company": "property_company",
}


def _invalid(msg: str, kind: str) -> Invalid:
    return Invalid(msg, [FieldError(loc=["handler_id"], msg=msg, type=kind)])


class Parties:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.teams = db["teams"]
        self.members = db["members"]
        self.units = db["org_units"]

    async def handler(self, request: Document, cmd: DispatchRequest) -> Handler:
        """The handler the command names, with its display name; Invalid (naming
        `handler_id`) when this service knows it is not a valid one for the request."""
        if cmd.handler_type == "team":
            return await self._team(cmd.handler_id)
        if cmd.handler_type in PERSONS:
            return await self._person(request, cmd)
        return await self._three(request, cmd)

    async def _team(self, team_id: str) -> Handler:
        team = await self.teams.find_one({"_id": team_id})
        if team is None and await self.teams.find_one({}) is not None:
            raise _invalid(f"no team {team_id} is known", "unknown_team")
        name = (team or {}).get("name")
        return Handler(type="team", id=team_id, name=name)

    async def _person(self, request: Document, cmd: DispatchRequest) -> Handler:
        member_id = cmd.handler_id
        member = await self.members.find_one({"_id": member_id})
        if member is None and await self.members.find_one({}) is not None:
            raise _invalid(f"no member {member_id} is known", "unknown_member")
        if member is not None and member.get("status", "active") != "active":
            raise _invalid(f"member {member_id} is {member['status']}", "inactive_member")
        if cmd.handler_type == "building_head":
            await self._check_building_head(request, member_id)
        name = (member or {}).get("display_name")  # already masked (李**)
        return Handler(type=cmd.handler_type, id=member_id, name=name, member_id=member_id)

    async def _check_building_head(self, request: Document, member_id: str) -> None:
        building_id = request["location"].get("building_id")
        building = await self.units.find_one({"_id": building_id}) if building_id else None
        heads = (building or {}).get("building_head_ids") or []
        if heads and member_id not in heads:
            raise _invalid(
                f"member {member_id} is not a building head of {building_id}", "not_building_head"
            )

    async def _three(self, request: Document, cmd: DispatchRequest) -> Handler:
        """One of the compound's "3": `handler_id` is the compound's id."""
        compound = await self.units.find_one({"_id": cmd.handler_id})
        if compound is None or compound.get("kind") != "compound":
            raise _invalid(f"no compound {cmd.handler_id} is known", "unknown_compound")
        if compound["community_id"] != request["location"]["community_id"]:
            raise _invalid(
                f"compound {cmd.handler_id} is in community {compound['community_id']}, "
                f"not the request's",
                "other_community",
            )
        name = compound.get(THREE[cmd.handler_type])
        if not name:
            raise _invalid(
                f"compound {cmd.handler_id} has no {cmd.handler_type.replace('_', ' ')}",
                "no_such_party",
            )
        return Handler(type=cmd.handler_type, id=cmd.handler_id, name=name)
