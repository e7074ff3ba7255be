"""Teams, sub-squads to any depth, and who is in them with which role. No I/O.

Memberships are history: leaving closes an entry (`left_on`), rejoining opens a new one, so
a team shows everyone who ever served in it. Leaders and deputies are not set by hand: they
are the current members with that role.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from services.registry.domain.org import NOT_SHOWN, Unchanged
from shared.contracts.commands.registry import CreateTeam
from shared.contracts.events.registry import TeamRole, TeamView
from shared.contracts.rpc import Conflict, FieldError, Invalid

Document = dict[str, Any]


def new_team(
    cmd: CreateTeam,
    team_id: str,
    parent: Document | None,
    *,
    now: datetime,
    actor: str | None,
) -> Document:
    """A sub-squad takes its parent's community and sits below its parent's path."""
    team = {
        "_id": team_id,
        "name": cmd.name,
        "community_id": parent["community_id"] if parent else cmd.community_id,
        "parent_id": parent["_id"] if parent else None,
        "path": [*parent["path"], parent["_id"]] if parent else [],
        "party_branch_unit_id": cmd.party_branch_unit_id,
        "description": cmd.description,
        "leader_ids": [],
        "deputy_ids": [],
        "members": [],
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
        "updated_by": actor,
    }
    return {**team, "name_key": name_key(team)}


def name_key(team: Mapping[str, Any]) -> str:
    """The same for two teams of one name side by side (one parent, or one community)."""
    return f"{team['community_id'] or ''}|{team['parent_id'] or ''}|{team['name']}"


def changed_team(
    doc: Document, wanted: Mapping[str, Any], *, now: datetime, actor: str | None
) -> tuple[Document, list[str]]:
    """Raises Unchanged when no field of `wanted` differs."""
    changed = [field for field, value in wanted.items() if doc.get(field) != value]
    if not changed:
        raise Unchanged(doc)
    new = {**doc, **wanted, "updated_at": now, "updated_by": actor}
    return {**new, "name_key": name_key(new)}, changed


def current_entry(doc: Document, member_id: str) -> Document | None:
    return next(
        (
            entry
            for entry in doc.get("members", [])
            if entry["member_id"] == member_id and entry.get("left_on") is None
        ),
        None,
    )


def join(
    doc: Document, member_id: str, role: TeamRole, on: date, *, now: datetime, actor: str | None
) -> tuple[Document, Document]:
    """The team with the member in it in `role`, and their current entry.

    A current member given another role keeps their entry (and its joined_on) with the new
    role from `on`; the same role again raises Unchanged. Someone who left joins anew: a new
    entry beside the closed one, not before it closed."""
    entry = current_entry(doc, member_id)
    if entry is not None:
        if entry["role"] == role:
            raise Unchanged(doc)
        changed = {**entry, "role": role, "role_since": on.isoformat()}
        members = [changed if e is entry else e for e in doc["members"]]
        return _with_roles(doc, members, now=now, actor=actor), changed
    last_left = max(
        (e["left_on"] for e in doc.get("members", []) if e["member_id"] == member_id), default=None
    )
    if last_left is not None and on.isoformat() < last_left:
        msg = f"the member left this team on {last_left}; they can rejoin from that day on"
        raise Invalid(msg, [FieldError(loc=["joined_on"], msg=msg, type="before_left")])
    entry = {
        "member_id": member_id,
        "role": role,
        "joined_on": on.isoformat(),
        "role_since": on.isoformat(),
        "left_on": None,
        "left_reason": None,
    }
    return _with_roles(doc, [*doc.get("members", []), entry], now=now, actor=actor), entry


def leave(
    doc: Document, member_id: str, on: date, reason: str | None, *, now: datetime, actor: str | None
) -> tuple[Document, Document]:
    """The team with the member's current entry closed on `on`, and that entry."""
    entry = current_entry(doc, member_id)
    if entry is None:
        raise Conflict(f"member {member_id} is not a current member of team {doc['_id']}")
    if on.isoformat() < entry["joined_on"]:
        msg = f"the member joined on {entry['joined_on']}; they cannot leave before that"
        raise Invalid(msg, [FieldError(loc=["left_on"], msg=msg, type="before_joined")])
    closed = {**entry, "left_on": on.isoformat(), "left_reason": reason}
    members = [closed if e is entry else e for e in doc["members"]]
    return _with_roles(doc, members, now=now, actor=actor), closed


def _with_roles(
    doc: Document, members: list[Document], *, now: datetime, actor: str | None
) -> Document:
    def holding(role: str) -> list[str]:
        return [e["member_id"] for e in members if e["role"] == role and e.get("left_on") is None]

    return {
        **doc,
        "members": members,
        "leader_ids": holding("leader"),
        "deputy_ids": holding("deputy"),
        "updated_at": now,
        "updated_by": actor,
    }


def event_view(doc: Document) -> TeamView:
    fields = {k: v for k, v in doc.items() if k in TeamView.model_fields}
    return TeamView.model_validate({**fields, "team_id": doc["_id"]})


def public(doc: Document) -> Document:
    view = {k: v for k, v in doc.items() if k not in NOT_SHOWN}
    view = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in view.items()}
    return {"id": doc["_id"], **view}


def current_ids(doc: Document) -> set[str]:
    return {e["member_id"] for e in doc.get("members", []) if e.get("left_on") is None}


def team_tree(teams: Sequence[Document], top_ids: Sequence[str]) -> list[Document]:
    """The teams `top_ids` with their sub-squads nested (`children`), each with its own
    current members (`member_count`) and the distinct ones of it and all below it
    (`total_member_count`)."""
    below: dict[str | None, list[Document]] = {}
    by_id = {t["_id"]: t for t in teams}
    for team in sorted(teams, key=lambda t: (t["created_at"], t["_id"])):
        below.setdefault(team.get("parent_id"), []).append(team)

    def node(team: Document) -> tuple[Document, set[str]]:
        own = current_ids(team)
        everyone = set(own)
        children = []
        for child in below.get(team["_id"], []):
            shown, theirs = node(child)
            children.append(shown)
            everyone |= theirs
        shown = {
            "id": team["_id"],
            "name": team["name"],
            "community_id": team.get("community_id"),
            "parent_id": team.get("parent_id"),
            "path": team.get("path", []),
            "party_branch_unit_id": team.get("party_branch_unit_id"),
            "leader_ids": team.get("leader_ids", []),
            "deputy_ids": team.get("deputy_ids", []),
            "member_count": len(own),
            "total_member_count": len(everyone),
            "children": children,
        }
        return shown, everyone

    return [node(by_id[team_id])[0] for team_id in top_ids if team_id in by_id]


def roster(doc: Document, people: Mapping[str, Document]) -> list[Document]:
    """Everyone who is or was in the team, entry by entry, with a masked name."""
    shown = []
    for entry in doc.get("members", []):
        person = people.get(entry["member_id"], {})
        shown.append(
            {
                "member_id": entry["member_id"],
                "volunteer_no": person.get("volunteer_no"),
                "name": person.get("name"),
                "role": entry["role"],
                "joined_on": entry["joined_on"],
                "role_since": entry.get("role_since", entry["joined_on"]),
                "left_on": entry.get("left_on"),
                "left_reason": entry.get("left_reason"),
            }
        )
    return shown
