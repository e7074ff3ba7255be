"""Reads: one activity with its roster, the calendar, a volunteer's activities.

The calendar pages by (starts_at, _id): a cursor is the last line's pair, opaque to the
caller. A volunteer's activities are found through `commitments` (member -> activity ids,
kept by the sign-ups part): nx-27017 matches nothing for a member id looked up inside the
rosters' sub-documents."""

import base64
import binascii
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from services.activities.activity_commands import people_of
from services.activities.activity_support import invalid
from services.activities.activity_views import public, summary
from services.activities.domain.lifecycle import HOLDING
from services.activities.teams_projection import TeamsProjection
from shared.bus.rpc import CallContext
from shared.contracts.commands.activities import Calendar, GetActivity, MemberActivities
from shared.store.aggregates import AggregateStore

Document = dict[str, Any]
Key = tuple[datetime, str]


def encode_cursor(doc: Document) -> str:
    text = f"{doc['starts_at'].isoformat()}|{doc['_id']}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> Key:
    try:
        at, _, activity_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        key = (datetime.fromisoformat(at), activity_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = None
    if key is None or key[0].tzinfo is None or not key[1]:
        raise invalid("cursor", "not a cursor of this listing", "cursor")
    return key


def after(key: Key) -> dict[str, Any]:
    """Lines after `key` in (starts_at, _id) order."""
    at, activity_id = key
    return {"$or": [{"starts_at": {"$gt": at}}, {"starts_at": at, "_id": {"$gt": activity_id}}]}


def holding(doc: Document, member_id: str) -> Document | None:
    """What the member holds in the activity: a volunteer's place (with its role), a
    participant's place, or attendance; None when nothing (any more)."""
    came = [
        a
        for a in doc.get("attendance", [])
        if a.get("member_id") == member_id and not a.get("no_show")
    ]
    for volunteer in doc.get("volunteers", []):
        if volunteer.get("member_id") == member_id and volunteer.get("status") in HOLDING:
            return _mine("volunteer", volunteer, came)
    for participant in doc.get("participants", []):
        if participant.get("member_id") == member_id and participant.get("status") in HOLDING:
            return _mine("participant", participant, came)
    return _mine("volunteer", {"role_id": came[0].get("role_id")}, came) if came else None


def _beyond(doc: Document, key: Key, latest_first: bool) -> bool:
    here = (doc["starts_at"], doc["_id"])
    return here < key if latest_first else here > key


def _mine(kind: str, entry: Document, came: list[Document]) -> Document:
    attendance = came[0] if came else {}
    return {
        "as": kind,
        "role_id": entry.get("role_id"),
        "status": entry.get("status"),
        "attended": bool(came),
        "hours": attendance.get("hours"),
        "approved_hours": attendance.get("approved_hours"),
    }


class ActivityQueries:
    def __init__(
        self,
        activities: AggregateStore,
        commitments: AsyncCollection[Document],
        members: AsyncCollection[Document],
        teams: TeamsProjection,
    ) -> None:
        self.activities = activities
        self.commitments = commitments
        self.members = members
        self.teams = teams

    async def get(self, query: GetActivity, _: CallContext) -> dict[str, Any]:
        doc = await self.activities.get(query.activity_id)
        return public(doc, await people_of(self.members, [doc]))

    async def calendar(self, query: Calendar, _: CallContext) -> dict[str, Any]:
        if query.starts_from and query.starts_to and query.starts_from >= query.starts_to:
            raise invalid("starts_to", "starts_to is not after starts_from", "range")
        filters: dict[str, Any] = {}
        if query.community_id:
            filters["community_id"] = query.community_id
        if query.team_id:
            teams = await self.teams.team_and_subsquads(query.team_id)
            filters["organiser_team_ids"] = {"$in": teams}
        if query.status:
            filters["status"] = query.status
        window: dict[str, Any] = {}
        if query.starts_from:
            window["$gte"] = query.starts_from
        if query.starts_to:
            window["$lt"] = query.starts_to
        if window:
            filters["starts_at"] = window
        if query.cursor:
            filters = {"$and": [filters, after(decode_cursor(query.cursor))]}
        found = self.activities.collection.find(
            filters, sort=[("starts_at", ASCENDING), ("_id", ASCENDING)], limit=query.limit + 1
        )
        docs = [doc async for doc in found]
        page = docs[: query.limit]
        more = len(docs) > query.limit
        return {
            "items": [summary(doc) for doc in page],
            "next_cursor": encode_cursor(page[-1]) if more else None,
        }

    async def member_activities(self, query: MemberActivities, _: CallContext) -> dict[str, Any]:
        """Upcoming: starting from now, signed up (confirmed or waitlisted), soonest first.
        Past: started before now, signed up or attended, latest first. Cancelled
        activities are left out (their people were told)."""
        now = datetime.now().astimezone()
        held = self.commitments.find({"member_id": query.member_id}, {"activity_id": 1})
        ids = sorted({doc["activity_id"] async for doc in held})
        window = {"$gte": now} if query.when == "upcoming" else {"$lt": now}
        found = self.activities.collection.find({"_id": {"$in": ids}, "starts_at": window})
        lines = []
        async for doc in found:
            mine = holding(doc, query.member_id)
            if doc["status"] == "cancelled" or mine is None:
                continue
            if query.when == "upcoming" and not mine["status"]:
                continue  # attended without a place: not something still to come
            lines.append((doc, mine))
        latest_first = query.when == "past"
        lines.sort(key=lambda line: (line[0]["starts_at"], line[0]["_id"]), reverse=latest_first)
        if query.cursor:
            key = decode_cursor(query.cursor)
            lines = [line for line in lines if _beyond(line[0], key, latest_first)]
        page = lines[: query.limit]
        more = len(lines) > query.limit
        return {
            "member_id": query.member_id,
            "when": query.when,
            "items": [{**summary(doc), "mine": mine} for doc, mine in page],
            "next_cursor": encode_cursor(page[-1][0]) if more else None,
        }
