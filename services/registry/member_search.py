"""Member search: filters that combine, in registration order (UUIDv7 ids), cursor-paged.

Every filter has its own index (member_handlers.INDEXED_FIELDS); a team filter becomes the
team's current member ids, its sub-squads' included."""

import base64
import binascii
import re
from collections import defaultdict
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from services.registry.team_members import current_member_ids
from shared.contracts.commands.registry import SearchMembers
from shared.contracts.rpc import FieldError, Invalid

Document = dict[str, Any]


def encode_cursor(member_id: str) -> str:
    return base64.urlsafe_b64encode(member_id.encode()).decode()


def decode_cursor(cursor: str) -> str:
    msg = "not a cursor this search returned"
    try:
        member_id = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid(msg, [FieldError(loc=["cursor"], msg=msg, type="cursor")]) from exc
    if not member_id:
        raise Invalid(msg, [FieldError(loc=["cursor"], msg=msg, type="cursor")])
    return member_id


def member_filter(query: SearchMembers, team_member_ids: set[str] | None) -> Document:
    filters: Document = {}
    ids: Document = {}
    if team_member_ids is not None:
        ids["$in"] = sorted(team_member_ids)
    if query.cursor:
        ids["$gt"] = decode_cursor(query.cursor)
    if ids:
        filters["_id"] = ids
    # Array fields by `$in`: on nx-27017 plain equality on an indexed array finds nothing.
    for field, value in (("tags", query.tag), ("skills", query.skill)):
        if value:
            filters[field] = {"$in": [value]}
    for field, value in (
        ("home.community_id", query.community_id),
        ("home.compound_id", query.compound_id),
        ("home.building_id", query.building_id),
        ("status", query.status),
        ("volunteer_no", query.volunteer_no),
    ):
        if value:
            filters[field] = value
    if query.name_prefix:
        # A string pattern (nx-27017 refuses compiled ones), anchored so an index can serve it.
        filters["name"] = {"$regex": "^" + re.escape(query.name_prefix)}
    return filters


async def search(
    members: AsyncCollection[Document], teams: AsyncCollection[Document], query: SearchMembers
) -> tuple[list[Document], str | None]:
    """A page of member documents and the cursor of the next page (None: the last page)."""
    in_team = await current_member_ids(teams, query.team_id) if query.team_id else None
    if in_team is not None and not in_team:
        return [], None
    found = members.find(
        member_filter(query, in_team), sort=[("_id", ASCENDING)], limit=query.limit + 1
    )
    docs: list[Document] = [doc async for doc in found]
    page = docs[: query.limit]
    more = len(docs) > query.limit
    return page, encode_cursor(page[-1]["_id"]) if more else None


async def memberships_by_member(
    teams: AsyncCollection[Document], member_ids: list[str]
) -> dict[str, list[Document]]:
    """Current memberships of several members with one query (as team_members.memberships_of
    gives them for one)."""
    result: dict[str, list[Document]] = defaultdict(list)
    if not member_ids:
        return result
    wanted = set(member_ids)
    # One `$elemMatch` per member: on nx-27017 `members.member_id` by equality or `$in`
    # finds nothing once it is indexed, and `left_on: None` inside `$elemMatch` never
    # matches; the current memberships are picked out below.
    either = [{"members": {"$elemMatch": {"member_id": member_id}}} for member_id in wanted]
    async for doc in teams.find({"$or": either}):
        for entry in doc.get("members", []):
            if entry.get("member_id") in wanted and entry.get("left_on") is None:
                result[entry["member_id"]].append(
                    {
                        "team_id": doc["_id"],
                        "name": doc["name"],
                        "path": doc.get("path", []),
                        "community_id": doc.get("community_id"),
                        "role": entry["role"],
                        "joined_on": entry["joined_on"],
                    }
                )
    return result
