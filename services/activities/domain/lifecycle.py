"""An activity's fields, its lifecycle and the guards on changing it. No I/O.

draft -> published -> completed (the sign-ups part: it needs the attendance), and draft or
published -> cancelled. A completed or cancelled activity is history and does not change.
Sign-ups live in the same document (`volunteers`, `participants`); this part only reads
them, to keep capacities above what is already confirmed and to know whom to tell.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from shared.contracts.commands.activities import RoleIn
from shared.contracts.rpc import Conflict, FieldError

Document = dict[str, Any]

# What an activity is made of, as CREATE_ACTIVITY and a series' template give it.
FIELDS = (
    "title",
    "activity_type",
    "community_id",
    "compound_id",
    "place",
    "starts_at",
    "ends_at",
    "target_group",
    "organiser_team_ids",
    "partner_unit_ids",
    "description",
    "roles",
    "participant_capacity",
)
# What UPDATE_ACTIVITY may change (the community stays: it decides who administers it).
UPDATABLE = tuple(f for f in FIELDS if f != "community_id")
TIMES = ("starts_at", "ends_at")
HOLDING = ("confirmed", "waitlisted")
EDITABLE = ("draft", "published")


class Unchanged(Exception):
    """Nothing to write: the activity already is as asked."""

    def __init__(self, doc: Document) -> None:
        super().__init__("unchanged")
        self.doc = doc


def utc_ms(at: datetime) -> datetime:
    """UTC to the millisecond, as the store keeps it: an answer and a later read agree."""
    at = at.astimezone(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def role_docs(roles: Sequence[RoleIn]) -> list[Document]:
    """Roles as stored; a role without an id is named by its position (role-1, role-2...)."""
    return [
        {
            "role_id": role.role_id or f"role-{n}",
            "name": role.name,
            "head_count": role.head_count,
            "required_skill": role.required_skill,
        }
        for n, role in enumerate(roles, start=1)
    ]


def normalised(fields: Mapping[str, Any]) -> Document:
    """Fields as stored: times in UTC (ms), roles as documents, id lists without repeats."""
    out = dict(fields)
    for time in TIMES:
        if out.get(time) is not None:
            out[time] = utc_ms(out[time])
    if out.get("roles") is not None:
        roles = out["roles"]
        out["roles"] = role_docs(roles) if roles and isinstance(roles[0], RoleIn) else roles
    for ids in ("organiser_team_ids", "partner_unit_ids"):
        if out.get(ids) is not None:
            out[ids] = list(dict.fromkeys(out[ids]))
    return out


def field_errors(fields: Mapping[str, Any], known_types: Iterable[str]) -> list[FieldError]:
    """What is wrong with an activity's fields (all at once)."""
    errors = []
    if fields["starts_at"] >= fields["ends_at"]:
        msg = "an activity ends after it starts"
        errors.append(FieldError(loc=["ends_at"], msg=msg, type="range"))
    if fields["activity_type"] not in set(known_types):
        msg = f"unknown activity type {fields['activity_type']} (see the activity types)"
        errors.append(FieldError(loc=["activity_type"], msg=msg, type="unknown_type"))
    seen: set[str] = set()
    for n, role in enumerate(fields.get("roles") or []):
        if role["role_id"] in seen:
            msg = f"the role id {role['role_id']} is given twice"
            errors.append(FieldError(loc=["roles", n, "role_id"], msg=msg, type="duplicate"))
        seen.add(role["role_id"])
    return errors


def new_activity(
    fields: Mapping[str, Any],
    activity_id: str,
    *,
    now: datetime,
    actor: str | None,
    check_in_code: str,
    series_id: str | None = None,
    occurrence: int | None = None,
) -> Document:
    """A draft, with empty sign-up lists for the sign-ups part to fill."""
    return {
        "_id": activity_id,
        **{field: fields.get(field) for field in FIELDS},
        "status": "draft",
        "series_id": series_id,
        "occurrence": occurrence,
        "check_in_code": check_in_code,
        "created_by": actor,
        "created_at": now,
        "updated_by": actor,
        "updated_at": now,
        "published_at": None,
        "cancelled": None,
        "volunteers": [],
        "participants": [],
        "next_seq": 1,
        "attendance": [],
        "reminded_at": None,
        "completion": None,
    }


def publish(doc: Document, *, now: datetime, actor: str | None) -> Document:
    if doc["status"] == "published":
        raise Conflict(f"activity {doc['_id']} is already published")
    if doc["status"] != "draft":
        raise Conflict(f"a {doc['status']} activity cannot be published")
    return {
        **doc,
        "status": "published",
        "published_at": now,
        "updated_at": now,
        "updated_by": actor,
    }


def cancel(doc: Document, reason: str, *, now: datetime, actor: str | None) -> Document:
    if doc["status"] not in EDITABLE:
        raise Conflict(f"a {doc['status']} activity cannot be cancelled")
    cancelled = {"at": now, "by": actor, "reason": reason}
    return {
        **doc,
        "status": "cancelled",
        "cancelled": cancelled,
        "updated_at": now,
        "updated_by": actor,
    }


def check_editable(doc: Document) -> None:
    if doc["status"] not in EDITABLE:
        raise Conflict(f"a {doc['status']} activity cannot be changed")


def changed_activity(
    doc: Document, wanted: Mapping[str, Any], *, now: datetime, actor: str | None
) -> tuple[Document, list[str]]:
    """The activity with `wanted` applied and the names of the fields that changed.

    Raises Unchanged when none differs, Conflict when the activity is history or a
    capacity would drop below those already confirmed."""
    check_editable(doc)
    changed = [field for field, value in wanted.items() if doc.get(field) != value]
    if not changed:
        raise Unchanged(doc)
    new = {**doc, **{f: wanted[f] for f in changed}, "updated_at": now, "updated_by": actor}
    check_capacities(new)
    return new, changed


def confirmed_volunteers(doc: Document, role_id: str) -> int:
    return sum(
        1
        for v in doc.get("volunteers", [])
        if v.get("role_id") == role_id and v.get("status") == "confirmed"
    )


def confirmed_participants(doc: Document) -> int:
    return sum(1 for p in doc.get("participants", []) if p.get("status") == "confirmed")


def check_capacities(doc: Document) -> None:
    """No capacity below those already confirmed: nobody loses a place they were given."""
    confirmed = confirmed_participants(doc)
    if doc.get("participant_capacity", 0) < confirmed:
        _too_small(
            ["participant_capacity"],
            f"participant_capacity cannot be below the {confirmed} confirmed participants",
        )
    roles = {role["role_id"]: role for role in doc.get("roles", [])}
    for role_id in dict.fromkeys(v.get("role_id") for v in doc.get("volunteers", [])):
        held = confirmed_volunteers(doc, str(role_id))
        if not held:
            continue
        if role_id not in roles:
            _too_small(
                ["roles"], f"the role {role_id} cannot go: {held} volunteers are confirmed in it"
            )
        elif roles[role_id]["head_count"] < held:
            _too_small(
                ["roles", str(role_id), "head_count"],
                f"the head count of {role_id} cannot be below the {held} confirmed volunteers",
            )


def _too_small(loc: list[str | int], msg: str) -> None:
    raise Conflict(msg, [FieldError(loc=loc, msg=msg, type="below_confirmed")])


def signed_up_member_ids(doc: Document) -> list[str]:
    """Volunteers and member participants holding a place (confirmed or waitlisted): the
    people to tell when the activity changes or is cancelled."""
    ids = [v["member_id"] for v in doc.get("volunteers", []) if v.get("status") in HOLDING]
    ids += [
        p["member_id"]
        for p in doc.get("participants", [])
        if p.get("member_id") and p.get("status") in HOLDING
    ]
    return list(dict.fromkeys(ids))


def following(this: Document, later: Document, wanted: Mapping[str, Any]) -> Document:
    """What an "all future" edit of `this` occurrence asks of a `later` one: the same
    fields, and its times moved by as much as this one's."""
    out = {field: value for field, value in wanted.items() if field not in TIMES}
    for time in TIMES:
        if time in wanted:
            out[time] = later[time] + (wanted[time] - this[time])
    return out
