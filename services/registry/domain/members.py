"""A member's document: made at registration, changed by profile updates and status changes.

Pure: the handlers look up what these need (org units, the skill list) and store the result.
The record, star and points fields start empty here and belong to the record handlers.
"""

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any, Final

from services.registry.domain.homes import home_errors
from services.registry.domain.identity import BadIdNumber, checked_id_number
from shared.contracts.commands.registry import RegisterMember, UpdateMember
from shared.contracts.events.registry import (
    Home,
    MemberProfile,
    MemberRegistered,
    MemberStatusChanged,
)
from shared.contracts.privacy import mask_name
from shared.contracts.rpc import Conflict, FieldError, Invalid

Document = dict[str, Any]

# Moves a status change may make; `merged` is final and comes only from a merge.
TRANSITIONS: Final[Mapping[str, frozenset[str]]] = {
    "active": frozenset({"suspended", "left"}),
    "suspended": frozenset({"active", "left"}),
    "left": frozenset({"active"}),  # rejoining
    "merged": frozenset(),
}
NEEDS_REASON: Final = frozenset({"suspended", "left"})
# Fields an update may change, in the order `changed` names them.
PROFILE_FIELDS: Final = ("name", "phone", "home", "skills", "availability", "tags")


def volunteer_no(prefix: str, number: int) -> str:
    return f"{prefix}{number:06d}"


def registration_errors(
    cmd: RegisterMember,
    units: Mapping[str, Document],
    skill_codes: Collection[str],
    today: date,
) -> tuple[str | None, list[FieldError]]:
    """The normalised ID number (None if it is wrong) and everything wrong with `cmd`."""
    errors = home_errors(cmd.home.model_dump(), units)
    errors += skill_errors(cmd.skills, skill_codes)
    try:
        number: str | None = checked_id_number(cmd.id_type, cmd.id_number, today)
    except BadIdNumber as exc:
        number = None
        errors.append(FieldError(loc=["id_number"], msg=str(exc), type="id_number"))
    return number, errors


def skill_errors(skills: list[str], skill_codes: Collection[str]) -> list[FieldError]:
    return [
        FieldError(loc=["skills", i], msg=f"{code} is not in the skill list", type="unknown_skill")
        for i, code in enumerate(skills)
        if code not in skill_codes
    ]


def new_member(
    cmd: RegisterMember,
    *,
    member_id: str,
    volunteer_no: str,
    id_cipher: str,
    id_hash: str,
    id_masked: str,
    today: date,
    now: datetime,
    by: str | None,
) -> Document:
    return {
        "_id": member_id,
        "volunteer_no": volunteer_no,
        "name": cmd.name,
        "id_type": cmd.id_type,
        "id_cipher": id_cipher,
        "id_hash": id_hash,
        "id_masked": id_masked,
        "phone": cmd.phone,
        "home": cmd.home.model_dump(),
        "skills": _unique(cmd.skills),
        "availability": _unique(cmd.availability),
        "tags": _unique(cmd.tags),
        "status": "active",
        "status_history": [
            {
                "status": "active",
                "previous": None,
                "effective_on": today.isoformat(),
                "reason": "registered",
                "by": by,
                "at": now,
            }
        ],
        "left": None,
        "merged_into": None,
        "merged_from": [],
        "registered_at": now,
        "registered_by": by,
        # The service record, from here on written by the record handlers.
        "records": [],
        "credited_sources": [],
        "total_hours": 0.0,
        "star_level": 0,
        "stars": [],
        "star_pending": [],
        "points_balance": 0,
        "points": [],
        "corrections": [],
    }


def profile(doc: Document) -> MemberProfile:
    """The member as other services may know them: masked name, no phone, no ID number."""
    return MemberProfile(
        member_id=doc["_id"],
        volunteer_no=doc["volunteer_no"],
        display_name=mask_name(doc["name"]) or "*",
        home=Home(**doc["home"]),
        skills=doc.get("skills", []),
        availability=doc.get("availability", []),
        tags=doc.get("tags", []),
        status=doc["status"],
    )


def registered(doc: Document) -> MemberRegistered:
    return MemberRegistered(member=profile(doc), registered_at=doc["registered_at"])


def updated_fields(cmd: UpdateMember) -> Document:
    """The profile fields the command sets (left-out fields stay as they are)."""
    given = cmd.model_dump(include=set(PROFILE_FIELDS), exclude_unset=True)
    return {k: v for k, v in given.items() if v is not None}


def apply_update(doc: Document, fields: Document) -> tuple[Document, list[str]]:
    """The changed document and the names of the fields that really changed."""
    if doc["status"] in ("left", "merged"):
        raise Conflict(f"member {doc['volunteer_no']} has {doc['status']}: it cannot be updated")
    new = dict(doc)
    changed: list[str] = []
    for name in PROFILE_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, list):
            value = _unique(value)
        if value != doc.get(name):
            new[name] = value
            changed.append(name)
    return new, changed


def change_status(
    doc: Document,
    status: str,
    *,
    effective_on: date,
    reason: str | None,
    by: str | None,
    now: datetime,
) -> tuple[Document, MemberStatusChanged]:
    previous = doc["status"]
    if status == previous:
        raise Conflict(f"member {doc['volunteer_no']} is already {status}")
    if status not in TRANSITIONS[previous]:
        raise Conflict(f"member {doc['volunteer_no']} is {previous}: it cannot become {status}")
    if status in NEEDS_REASON and not reason:
        msg = f"a reason is required to make a member {status}"
        raise Invalid(msg, [FieldError(loc=["reason"], msg=msg, type="missing")])
    entry = {
        "status": status,
        "previous": previous,
        "effective_on": effective_on.isoformat(),
        "reason": reason,
        "by": by,
        "at": now,
    }
    new = {
        **doc,
        "status": status,
        "status_history": [*doc.get("status_history", []), entry],
        "left": {"on": effective_on.isoformat(), "reason": reason} if status == "left" else None,
    }
    event = MemberStatusChanged(
        member_id=doc["_id"],
        volunteer_no=doc["volunteer_no"],
        status=status,  # type: ignore[arg-type]  # one of TRANSITIONS' targets
        previous=previous,
        effective_on=effective_on,
        reason=reason,
    )
    return new, event


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))
