"""What notify knows of the registry, from its events (never from its database):

- `members` {_id, display_name (masked), home {community_id, compound_id, building_id},
  home_community_id, home_compound_id, home_building_id, status, merged_into, teams, at}:
  the flat `home_*` copies are what is indexed and queried (an indexed dotted path is unsafe
  on nx-27017); `teams` = the teams they are a current member of (direct, no ancestors).
- `org_units` {_id, kind, name, community_id, compound_id, parent_id, at}.
- `teams` {_id, name, community_id, parent_id, path, leader_ids, deputy_ids, at}.
- `team_members` {_id: "<team>:<member>", team_id, member_id, team_path, role, current, at}:
  one row per membership ever seen, so a late join older than a leave changes nothing, and
  a team's members are found by `team_id` (never by equality on an indexed array).
"""

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.notify.projection_writes import Document, merge_sections, to_millis
from shared.bus.consumer import EventContext
from shared.contracts.events.registry import (
    MemberProfile,
    MembersMerged,
    MemberStatusChanged,
    OrgUnitView,
    TeamView,
    VolunteerJoinedTeam,
    VolunteerLeftTeam,
)


class RegistryProjection:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.members = db["members"]
        self.org_units = db["org_units"]
        self.teams = db["teams"]
        self.team_members = db["team_members"]

    async def create_indexes(self) -> None:
        for field in ("home_community_id", "home_compound_id", "home_building_id"):
            await self.members.create_index([(field, ASCENDING)])
        await self.team_members.create_index([("team_id", ASCENDING)])
        await self.team_members.create_index([("member_id", ASCENDING)])

    # -- members -----------------------------------------------------------------------

    async def on_profile(self, ctx: EventContext, member: MemberProfile) -> None:
        home = member.home.model_dump(include={"community_id", "compound_id", "building_id"})
        profile = {
            "display_name": member.display_name,
            "home": home,
            **{f"home_{key}": value for key, value in home.items()},
        }
        sections = {"profile": profile, "status": {"status": member.status}}
        await merge_sections(self.members, member.member_id, sections, ctx.envelope.time)

    async def on_status(self, ctx: EventContext, data: MemberStatusChanged) -> None:
        sections = {"status": {"status": data.status}}
        await merge_sections(self.members, data.member_id, sections, ctx.envelope.time)

    async def on_merged(self, ctx: EventContext, data: MembersMerged) -> None:
        """The merged registration points at the kept one (personal notices to it go there),
        and its team memberships move over."""
        merged, kept = data.merged_member_id, data.kept_member_id
        sections = {"status": {"status": "merged", "merged_into": kept}}
        await merge_sections(self.members, merged, sections, ctx.envelope.time)
        rows = [row async for row in self.team_members.find({"member_id": merged})]
        for row in rows:
            if row.get("current"):
                await self._membership(row["team_id"], kept, row, ctx)
                await self._membership(row["team_id"], merged, {**row, "current": False}, ctx)

    # -- organisation ------------------------------------------------------------------

    async def on_unit(self, ctx: EventContext, unit: OrgUnitView) -> None:
        fields = unit.model_dump(
            include={"kind", "name", "community_id", "compound_id", "parent_id"}
        )
        await merge_sections(self.org_units, unit.unit_id, {"unit": fields}, ctx.envelope.time)

    async def on_team(self, ctx: EventContext, team: TeamView) -> None:
        fields = team.model_dump(
            include={"name", "community_id", "parent_id", "path", "leader_ids", "deputy_ids"}
        )
        await merge_sections(self.teams, team.team_id, {"team": fields}, ctx.envelope.time)

    async def on_joined(self, ctx: EventContext, data: VolunteerJoinedTeam) -> None:
        row = {"team_path": list(data.team_path), "role": data.role, "current": True}
        await self._membership(data.team_id, data.member_id, row, ctx)

    async def on_left(self, ctx: EventContext, data: VolunteerLeftTeam) -> None:
        await self._membership(data.team_id, data.member_id, {"current": False}, ctx)

    async def _membership(
        self, team_id: str, member_id: str, fields: Document, ctx: EventContext
    ) -> None:
        row_id = f"{team_id}:{member_id}"
        at = to_millis(ctx.envelope.time)
        before: Document = await self.team_members.find_one({"_id": row_id}) or {}
        if before.get("at") is not None and before["at"] > at:
            return
        row: dict[str, Any] = {
            "team_path": [],
            "role": None,
            **before,
            **{k: v for k, v in fields.items() if k in ("team_path", "role", "current")},
            "_id": row_id,
            "team_id": team_id,
            "member_id": member_id,
            "at": at,
        }
        await self.team_members.replace_one({"_id": row_id}, row, upsert=True)
        current = [
            r["team_id"]
            async for r in self.team_members.find({"member_id": member_id, "current": True})
        ]
        # A list of strings by $set is stored faithfully (only sub-documents and datetimes
        # are not); a member known only from a join gets a document with just `teams`.
        await self.members.update_one(
            {"_id": member_id}, {"$set": {"teams": sorted(current)}}, upsert=True
        )
