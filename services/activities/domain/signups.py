"""Sign-ups: volunteers take roles, residents take part; full means the waitlist.

Pure: the handlers pass ids and times in and write the returned activity with the returned
events in one guarded update. Arrival order is `seq`, taken from the activity's own
`next_seq`, so it is decided by the write that wins, never by clocks of two replicas.
After every change `fill` gives free places to the waitlisted in that order.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.contracts.catalogue import EventData
from shared.contracts.events.activities import (
    ParticipantRegistered,
    SignUpCancelled,
    VolunteerSignedUp,
    WaitlistPromoted,
)
from shared.contracts.privacy import mask_name
from shared.contracts.rpc import Conflict, FieldError, Invalid, NotFound

Document = dict[str, Any]
Change = tuple[Document, list[EventData]]
HOLDING = ("confirmed", "waitlisted")


class Unchanged(Exception):
    """A change that changes nothing (a second scan of the code): no write, no event."""

    def __init__(self, doc: Document) -> None:
        super().__init__("unchanged")
        self.doc = doc


def invalid(field: str, msg: str, kind: str = "invalid") -> Invalid:
    """`field` dotted ("lines.2.hours"): the location as pydantic gives it, [lines, 2, hours]."""
    loc: list[str | int] = [int(p) if p.isdigit() else p for p in field.split(".")]
    return Invalid(f"{field}: {msg}", [FieldError(loc=loc, msg=msg, type=kind)])


def ensure_published(doc: Document, doing: str) -> None:
    if doc["status"] != "published":
        raise Conflict(f"activity {doc['_id']} is {doc['status']}; {doing} needs it published")


def ensure_not_started(doc: Document, now: datetime) -> None:
    if now >= doc["starts_at"]:
        raise Conflict(f"activity {doc['_id']} started at {doc['starts_at'].isoformat()}")


def ensure_started(doc: Document, now: datetime, doing: str) -> None:
    if now < doc["starts_at"]:
        raise Conflict(
            f"activity {doc['_id']} starts at {doc['starts_at'].isoformat()}; "
            f"{doing} only once it has started"
        )


def role_of(doc: Document, role_id: str, field: str = "role_id") -> Document:
    for role in doc.get("roles", []):
        if role["role_id"] == role_id:
            return dict(role)
    known = ", ".join(r["role_id"] for r in doc.get("roles", [])) or "none"
    raise invalid(
        field, f"no role {role_id} in activity {doc['_id']} (roles: {known})", "not_found"
    )


def held_by(doc: Document, member_id: str) -> Document | None:
    """The member's live volunteer sign-up (confirmed or waitlisted), if any."""
    return next(
        (
            v
            for v in doc.get("volunteers", [])
            if v["member_id"] == member_id and v["status"] in HOLDING
        ),
        None,
    )


def ensure_not_holding(doc: Document, member_id: str) -> None:
    held = held_by(doc, member_id)
    if held is not None:
        raise Conflict(
            f"member {member_id} already holds activity {doc['_id']} "
            f"({held['status']}, role {held['role_id']}, sign-up {held['signup_id']})"
        )


def confirmed_volunteer(doc: Document, member_id: str) -> Document | None:
    held = held_by(doc, member_id)
    return held if held is not None and held["status"] == "confirmed" else None


def waitlist_position(entries: list[Document], entry: Document) -> int | None:
    if entry["status"] != "waitlisted":
        return None
    line = sorted((e for e in entries if e["status"] == "waitlisted"), key=lambda e: e["seq"])
    return [e["signup_id"] for e in line].index(entry["signup_id"]) + 1


def _volunteers_of(doc: Document, role_id: str) -> list[Document]:
    return [v for v in doc.get("volunteers", []) if v["role_id"] == role_id]


@dataclass(frozen=True)
class Arrival:
    signup_id: str
    at: datetime
    by: str | None
    by_name: str | None = None


def sign_up(doc: Document, member_id: str, role_id: str, arrival: Arrival) -> Change:
    """Raises Conflict (not open, already holding it) or Invalid (no such role). Whether the
    member may take the role at all (status, skill, overlap) the handler checked before."""
    ensure_published(doc, "signing up")
    ensure_not_started(doc, arrival.at)
    role_of(doc, role_id)
    ensure_not_holding(doc, member_id)
    seq = doc.get("next_seq", 1)
    entry = {
        "signup_id": arrival.signup_id,
        "member_id": member_id,
        "role_id": role_id,
        "status": "waitlisted",  # `fill` confirms it if a place is free and nobody is ahead
        "seq": seq,
        "signed_up_at": arrival.at,
        "signed_up_by": arrival.by,
        "cancelled_at": None,
        "cancel_reason": None,
        "promoted_at": None,
    }
    new = {**doc, "volunteers": [*doc.get("volunteers", []), entry], "next_seq": seq + 1}
    new, promoted = fill(new, arrival.at, arriving=arrival.signup_id)
    mine = _entry(new, arrival.signup_id)
    signed_up = VolunteerSignedUp(
        activity_id=doc["_id"],
        member_id=member_id,
        role_id=role_id,
        status=mine["status"],
        waitlist_position=waitlist_position(_volunteers_of(new, role_id), mine),
    )
    return new, [signed_up, *promoted]


@dataclass(frozen=True)
class Resident:
    member_id: str | None
    name: str
    phone: str | None
    proxy: bool


def register_participant(doc: Document, resident: Resident, arrival: Arrival) -> Change:
    """Until the activity is completed, not only until it starts: elders walk up to a health
    check, and a paper list of residents is entered afterwards, like a volunteers' roster."""
    ensure_published(doc, "registering participants")
    if doc.get("participant_capacity", 0) == 0:
        raise Conflict(f"activity {doc['_id']} takes no resident participants (capacity 0)")
    for p in doc.get("participants", []):
        if p["status"] not in HOLDING:
            continue
        same_member = resident.member_id is not None and p.get("member_id") == resident.member_id
        same_phone = resident.phone is not None and p.get("phone") == resident.phone
        if same_member or same_phone:
            who = resident.member_id if same_member else "this phone number"
            raise Conflict(f"{who} is already registered ({p['status']}, {p['signup_id']})")
    seq = doc.get("next_seq", 1)
    entry = {
        "signup_id": arrival.signup_id,
        "member_id": resident.member_id,
        "name": resident.name,
        "phone": resident.phone,
        "proxy": resident.proxy,
        "entered_by": arrival.by,
        "entered_by_name": arrival.by_name,
        "status": "waitlisted",
        "seq": seq,
        "registered_at": arrival.at,
        "cancelled_at": None,
        "promoted_at": None,
    }
    new = {**doc, "participants": [*doc.get("participants", []), entry], "next_seq": seq + 1}
    new, promoted = fill(new, arrival.at, arriving=arrival.signup_id)
    mine = _entry(new, arrival.signup_id)
    registered = ParticipantRegistered(
        activity_id=doc["_id"],
        signup_id=arrival.signup_id,
        member_id=resident.member_id,
        display_name=display_name(entry),
        proxy=resident.proxy,
        entered_by=arrival.by,
        status=mine["status"],
        waitlist_position=waitlist_position(new["participants"], mine),
    )
    return new, [registered, *promoted]


def cancel(doc: Document, signup_id: str, reason: str | None, at: datetime) -> Change:
    """A volunteer's or a participant's place given up; the first waitlisted takes it."""
    ensure_published(doc, "cancelling a sign-up")
    entry = _entry(doc, signup_id)
    if entry["status"] not in HOLDING:
        raise Conflict(f"sign-up {signup_id} is already {entry['status']}")
    is_volunteer = "role_id" in entry
    group = "volunteers" if is_volunteer else "participants"
    cancelled = {**entry, "status": "cancelled", "cancelled_at": at, "cancel_reason": reason}
    new = {
        **doc,
        group: [cancelled if e["signup_id"] == signup_id else e for e in doc.get(group, [])],
    }
    new, promoted = fill(new, at)
    event = SignUpCancelled(
        activity_id=doc["_id"],
        signup_id=signup_id,
        member_id=entry.get("member_id"),
        role_id=entry.get("role_id"),
        was=entry["status"],
        reason=reason,
    )
    return new, [event, *promoted]


def fill(
    doc: Document, at: datetime, arriving: str | None = None
) -> tuple[Document, list[WaitlistPromoted]]:
    """Free places (a cancellation, a larger head count or capacity) go to the waitlisted in
    arrival order: per role for volunteers, one line for participants. `arriving` (a new
    sign-up, put last in line) is confirmed plainly, not "promoted"."""
    lines = [
        Line("volunteers", role["role_id"], role["head_count"]) for role in doc.get("roles", [])
    ]
    lines.append(Line("participants", None, doc.get("participant_capacity", 0)))
    new, promoted = dict(doc), []
    for line in lines:
        chosen = line.next_in(new.get(line.group, []))
        if not chosen:
            continue
        entries = []
        for e in new.get(line.group, []):
            if e["signup_id"] in chosen:
                first = e["signup_id"] == arriving
                e = {**e, "status": "confirmed", "promoted_at": None if first else at}
                if not first:
                    promoted.append(promotion(doc, e))
            entries.append(e)
        new[line.group] = entries
    return new, promoted


@dataclass(frozen=True)
class Line:
    """One waitlist: the entries of `group` (of one role, for volunteers) for `places`."""

    group: str
    role_id: str | None
    places: int

    def next_in(self, entries: list[Document]) -> set[str]:
        mine = [e for e in entries if self.role_id is None or e["role_id"] == self.role_id]
        free = self.places - sum(1 for e in mine if e["status"] == "confirmed")
        waiting = sorted((e for e in mine if e["status"] == "waitlisted"), key=lambda e: e["seq"])
        return {e["signup_id"] for e in waiting[: max(free, 0)]}


def promotion(doc: Document, entry: Document) -> WaitlistPromoted:
    return WaitlistPromoted(
        activity_id=doc["_id"],
        signup_id=entry["signup_id"],
        member_id=entry.get("member_id"),
        role_id=entry.get("role_id"),
        title=doc["title"],
        starts_at=doc["starts_at"],
    )


def _entry(doc: Document, signup_id: str) -> Document:
    for entry in [*doc.get("volunteers", []), *doc.get("participants", [])]:
        if entry["signup_id"] == signup_id:
            return dict(entry)
    raise NotFound(f"no sign-up {signup_id} in activity {doc['_id']}")


def display_name(participant: Document) -> str:
    """Masked: a member's name comes from the projection masked already; masking again
    leaves it as it is."""
    return mask_name(participant.get("name")) or "*"


def entry_of(doc: Document, signup_id: str) -> Document:
    return _entry(doc, signup_id)
