"""COMPLETE_ACTIVITY: the organiser closes the activity; its ActivityCompleted (through the
outbox, in the same write) carries the approved hours the registry credits."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.activities import signup_clock
from services.activities.activity_views import public
from services.activities.domain import completion
from services.activities.domain.signups import Document
from services.activities.partners_projection import PartnersProjection
from services.activities.signup_writer import ActivityWriter
from shared.bus.rpc import CallContext
from shared.contracts.commands import activities as commands


class CompletionHandlers:
    def __init__(self, write: ActivityWriter, db: AsyncDatabase[Document]) -> None:
        self.write = write
        self.activities = write.activities
        self.teams = db["teams"]
        self.partners = PartnersProjection(db["partners"])

    async def complete(self, cmd: commands.CompleteActivity, ctx: CallContext) -> dict[str, Any]:
        doc = await self.activities.get(cmd.activity_id)
        summary = completion.Summary(
            summary=cmd.summary,
            photo_refs=list(cmd.photo_refs),
            participant_count=cmd.participant_count,
            approve_remaining=cmd.approve_remaining,
            organiser=await self.organiser(doc),
            by=ctx.actor,
            at=signup_clock.now(),
        )
        doc = await self.write(cmd.activity_id, lambda d: completion.complete(d, summary), ctx)
        return public(doc)

    async def organiser(self, doc: Document) -> str:
        """The organising team's name, as the service record shows it (from the teams
        projection), else the co-organising partner unit's (a college's repair day); an id
        if the projections do not know it yet."""
        team_ids = doc.get("organiser_team_ids") or []
        if not team_ids:
            partner_ids = doc.get("partner_unit_ids") or []
            if not partner_ids:
                return str(doc["community_id"])
            return await self.partners.name_of(partner_ids[0]) or str(partner_ids[0])
        team = await self.teams.find_one({"_id": team_ids[0]})
        return str(team["name"]) if team and team.get("name") else str(team_ids[0])
