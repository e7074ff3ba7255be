"""Reads of service records: a volunteer's record, points statement and proof data, the
corrections waiting in a community, and stats. A merged registration answers with the member
it was merged into (the same person, both histories)."""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.registry import counters, team_members
from services.registry.config import RegistrySettings
from services.registry.domain import corrections, points, proof, records, stats
from shared.bus.rpc import CallContext
from shared.contracts.commands import registry as commands
from shared.contracts.privacy import mask_name, mask_text
from shared.contracts.rpc import Conflict, FieldError, Invalid, NotFound
from shared.store.aggregates import AggregateStore, Document

# A merge chain longer than this is a loop or damage, not something to follow for ever.
MAX_MERGE_HOPS = 8
# What stats read of a member: whole sub-documents (a dotted projection comes back with the
# wrong shape on nx-27017).
STATS_FIELDS = {"status": 1, "tags": 1, "home": 1, "records": 1, "star_level": 1}
ALL_CORRECTION_STATUSES = ["pending", "approved", "rejected"]


async def current(members: AggregateStore, member_id: str) -> Document:
    """The member, or the member a merged registration points at (raises NotFound)."""
    doc = await members.get(member_id)
    for _ in range(MAX_MERGE_HOPS):
        if doc.get("status") != "merged" or not doc.get("merged_into"):
            return doc
        doc = await members.get(doc["merged_into"])
    raise Conflict(f"member {member_id}: merge chain too long")


def correction_view(doc: Document, correction: Document) -> dict[str, Any]:
    """A correction as it leaves the service: free text masked (a phone typed in a reason)."""
    view = records.jsonable(correction)
    view["member_id"] = doc["_id"]
    for text in ("reason", "note", "content", "content_before"):
        if isinstance(view.get(text), str):
            view[text] = mask_text(view[text])
    return dict(view)


def check_range(first: date | None, last: date | None, loc: str) -> None:
    if first is not None and last is not None and first > last:
        msg = "the end of the period is before its start"
        raise Invalid(msg, [FieldError(loc=[loc], msg=msg, type="range")])


class RecordQueries:
    def __init__(
        self, members: AggregateStore, db: AsyncDatabase[Document], settings: RegistrySettings
    ) -> None:
        self.members = members
        self.db = db
        self.settings = settings
        self.tz = ZoneInfo(settings.time_zone)

    async def create_indexes(self) -> None:
        # LIST_CORRECTIONS and GET_STATS by community; corrections by status.
        await self.members.collection.create_index([("home.community_id", ASCENDING)])
        await self.members.collection.create_index([("corrections.status", ASCENDING)])
        await self.db["proofs"].create_index([("member_id", ASCENDING)])

    async def get_record(self, query: commands.GetRecord, _: CallContext) -> dict[str, Any]:
        check_range(query.served_from, query.served_to, "served_to")
        doc = await current(self.members, query.member_id)
        view = records.record_view(doc, query.served_from, query.served_to)
        return {
            **view,
            "display_name": mask_name(doc.get("name")),
            "requested_member_id": query.member_id,
        }

    async def statement(self, query: commands.PointsStatement, _: CallContext) -> dict[str, Any]:
        check_range(query.from_date, query.to_date, "to_date")
        doc = await current(self.members, query.member_id)
        return {
            **points.statement(doc, query.from_date, query.to_date, self.tz),
            "volunteer_no": doc.get("volunteer_no"),
            "points_balance": doc.get("points_balance", 0),
        }

    async def get_proof(self, query: commands.GetProof, ctx: CallContext) -> dict[str, Any]:
        """Proof data with a new proof number, recorded in `proofs` so that the number can be
        verified later (who asked, when, for whom, which period, how many hours)."""
        check_range(query.served_from, query.served_to, "served_to")
        doc = await current(self.members, query.member_id)
        at = datetime.now(UTC)
        today = at.astimezone(self.tz).date()
        served_from, served_to = proof.period_of(doc, query.served_from, query.served_to, today)
        sequence = await counters.take(self.db["counters"], f"proof:{today.year}")
        number = proof.proof_number(self.settings.volunteer_no_prefix, today.year, sequence)
        data = proof.proof_data(
            doc,
            proof_no=number,
            served_from=served_from,
            served_to=served_to,
            issuer=proof.Issuer(
                organisation=self.settings.proof_issuer,
                person_in_charge=self.settings.proof_person_in_charge,
                contact=self.settings.proof_contact,
            ),
            handler=ctx.actor_name or ctx.actor,
            issued_on=today,
        )
        await self.db["proofs"].insert_one(
            {
                "_id": number,
                "member_id": doc["_id"],
                "volunteer_no": doc.get("volunteer_no"),
                "period": data["period"],
                "total_hours": data["total_hours"],
                "entries": len(data["entries"]),
                "handler": data["handler"],
                "issued_by": ctx.actor,
                "issued_at": at,
                "issued_on": data["issued_on"],
            }
        )
        return data

    async def list_corrections(
        self, query: commands.ListCorrections, _: CallContext
    ) -> dict[str, Any]:
        statuses = [query.status] if query.status else ALL_CORRECTION_STATUSES
        # Equality and a range only: `$in` on a field of an array of sub-documents (dotted
        # or inside $elemMatch) matches nothing on nx-27017.
        wanted: dict[str, Any] = {"correction_id": {"$gt": query.cursor or ""}}
        if query.status:
            wanted["status"] = query.status
        filters: dict[str, Any] = {"corrections": {"$elemMatch": wanted}}
        if query.community_id:
            filters["home.community_id"] = query.community_id
        fields = {"volunteer_no": 1, "status": 1, "home": 1, "corrections": 1, "records": 1}
        found = [doc async for doc in self.members.collection.find(filters, fields)]
        page, next_cursor = corrections.listing(found, set(statuses), query.cursor, query.limit)
        items = [
            {**correction_view({"_id": c["member_id"]}, c), "record": c["record"]} for c in page
        ]
        return {"items": items, "next_cursor": next_cursor}

    async def get_stats(self, query: commands.GetStats, _: CallContext) -> dict[str, Any]:
        if query.month_from and query.month_to and query.month_from > query.month_to:
            msg = "month_to is before month_from"
            raise Invalid(msg, [FieldError(loc=["month_to"], msg=msg, type="range")])
        filters: dict[str, Any] = {}
        if query.team_id:
            filters["_id"] = {"$in": sorted(await self._team_members(query))}
        elif query.community_id:
            filters["home.community_id"] = query.community_id
        found = [doc async for doc in self.members.collection.find(filters, STATS_FIELDS)]
        result: dict[str, Any] = {
            "scope": {
                "community_id": query.community_id,
                "team_id": query.team_id,
                "month_from": query.month_from,
                "month_to": query.month_to,
            },
            "totals": stats.summary(found, query.month_from, query.month_to),
        }
        if not query.team_id and not query.community_id:
            named = self.db["org_units"].find({"kind": "community"}, {"name": 1})
            communities = {doc["_id"]: str(doc.get("name") or doc["_id"]) async for doc in named}
            result["communities"] = stats.per_community(
                found, communities, query.month_from, query.month_to
            )
        return result

    async def _team_members(self, query: commands.GetStats) -> set[str]:
        """Current members of the team and its sub-squads. A team outside the community the
        caller named answers like a missing one."""
        assert query.team_id is not None
        teams = self.db["teams"]
        squads = await team_members.team_and_subsquads(teams, query.team_id)
        top = next((t for t in squads if t["_id"] == query.team_id), None)
        if top is None or (query.community_id and top.get("community_id") != query.community_id):
            msg = f"team {query.team_id} not found"
            raise NotFound(msg, [FieldError(loc=["team_id"], msg=msg, type="not_found")])
        return {
            entry["member_id"]
            for team in squads
            for entry in team.get("members", [])
            if entry.get("left_on") is None
        }
