"""Who is in a team: read from the `teams` collection by every part of the registry.

A team document (written by org_handlers) is
`{_id, name, community_id, parent_id, path: [ancestor ids, top first], party_branch_unit_id,
description, leader_ids, deputy_ids, members: [{member_id, role, joined_on, left_on,
left_reason}], ...}`; dates are ISO strings, and a current membership has `left_on: None`.
"""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


async def team_and_subsquads(teams: AsyncCollection[Document], team_id: str) -> list[Document]:
    """The team and every sub-squad under it, at any depth (their `path` holds the team)."""
    cursor = teams.find({"$or": [{"_id": team_id}, {"path": team_id}]})
    return [doc async for doc in cursor]


async def current_member_ids(
    teams: AsyncCollection[Document], team_id: str, *, with_subsquads: bool = True
) -> set[str]:
    found = (
        await team_and_subsquads(teams, team_id)
        if with_subsquads
        else [doc for doc in [await teams.find_one({"_id": team_id})] if doc]
    )
    return {
        entry["member_id"]
        for doc in found
        for entry in doc.get("members", [])
        if entry.get("left_on") is None
    }


async def memberships_of(teams: AsyncCollection[Document], member_id: str) -> list[Document]:
    """A member's current memberships: `{team_id, name, path, community_id, role, joined_on}`."""
    # Current-ness is checked here, not in the query: nx-27017 matches nothing for
    # `left_on: None` inside $elemMatch (docs/storage.md).
    cursor = teams.find({"members": {"$elemMatch": {"member_id": member_id}}})
    return [
        {
            "team_id": doc["_id"],
            "name": doc["name"],
            "path": doc.get("path", []),
            "community_id": doc.get("community_id"),
            "role": entry["role"],
            "joined_on": entry["joined_on"],
        }
        async for doc in cursor
        for entry in doc.get("members", [])
        if entry["member_id"] == member_id and entry.get("left_on") is None
    ]
