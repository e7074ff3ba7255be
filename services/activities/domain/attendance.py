"""Attendance of volunteers: check-in (with the code, or by an organiser), check-out,
no-shows, paper rosters, and the hours that follow.

Hours from check-in to check-out are rounded to the NEAREST half hour, a quarter past
rounding up (1 h 14 min -> 1.0 h, 1 h 15 min -> 1.5 h, 10 min -> 0 h): the unit of the
service record is 0.5 h, and a volunteer who stayed 1 h 50 min served "2 hours" in
everyone's eyes. Hours a leader enters win over times (`hours_source: entered`), and a
later check-out does not overwrite them. A no-show has 0 hours. Residents (participants)
have no attendance: they never earn hours.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.activities.domain.signups import (
    Change,
    Document,
    Unchanged,
    confirmed_volunteer,
    ensure_published,
    ensure_started,
    held_by,
    invalid,
    role_of,
)
from shared.contracts.catalogue import EventData
from shared.contracts.events.activities import VolunteerCheckedIn, VolunteerCheckedOut
from shared.contracts.rpc import Conflict

CHECK_IN_WINDOW = timedelta(hours=2)  # before the start and after the end
MAX_HOURS = 24.0


def hours_between(checked_in_at: datetime, checked_out_at: datetime) -> float:
    """To the nearest 0.5 h, ties (a quarter past) up; at most 24 h."""
    hours = (checked_out_at - checked_in_at).total_seconds() / 3600
    return min(math.floor(max(hours, 0.0) * 2 + 0.5) / 2, MAX_HOURS)


def entry_of(doc: Document, member_id: str) -> Document | None:
    return next((a for a in doc.get("attendance", []) if a["member_id"] == member_id), None)


def _blank(member_id: str, role_id: str) -> Document:
    return {
        "member_id": member_id,
        "role_id": role_id,
        "checked_in_at": None,
        "checked_out_at": None,
        "method": None,
        "no_show": False,
        "hours": None,
        "hours_source": None,
        "approved_hours": None,
        "approved_by": None,
        "approved_at": None,
    }


def _with(doc: Document, entry: Document) -> Document:
    others = [a for a in doc.get("attendance", []) if a["member_id"] != entry["member_id"]]
    return {**doc, "attendance": [*others, entry]}


def _signed_up(doc: Document, member_id: str) -> Document:
    volunteer = confirmed_volunteer(doc, member_id)
    if volunteer is None:
        held = held_by(doc, member_id)
        state = f"is {held['status']}" if held else "is not signed up"
        raise Conflict(f"member {member_id} {state} as a confirmed volunteer of {doc['_id']}")
    return volunteer


def _not_approved(entry: Document) -> None:
    if entry.get("approved_hours") is not None:
        raise Conflict(
            f"the hours of member {entry['member_id']} were approved "
            f"({entry['approved_hours']} h); they no longer change"
        )


def check_in(
    doc: Document, member_id: str, at: datetime, method: Literal["code", "roster"]
) -> Change:
    ensure_published(doc, "checking in")
    opens, closes = doc["starts_at"] - CHECK_IN_WINDOW, doc["ends_at"] + CHECK_IN_WINDOW
    if not opens <= at <= closes:
        raise Conflict(
            f"check-in for {doc['_id']} is open from {opens.isoformat()} to {closes.isoformat()}"
        )
    volunteer = _signed_up(doc, member_id)
    entry = entry_of(doc, member_id) or _blank(member_id, volunteer["role_id"])
    if entry["checked_in_at"] is not None:
        raise Unchanged(doc)  # a second scan of the code
    _not_approved(entry)
    entry = {**entry, "checked_in_at": at, "method": method, "no_show": False}
    if entry["hours_source"] == "computed":
        entry = {**entry, "hours": None, "hours_source": None}  # a no-show's 0 no longer holds
    event = VolunteerCheckedIn(activity_id=doc["_id"], member_id=member_id, at=at, method=method)
    return _with(doc, entry), [event]


def check_out(doc: Document, member_id: str, at: datetime) -> Change:
    ensure_published(doc, "checking out")
    entry = entry_of(doc, member_id)
    if entry is None or entry["checked_in_at"] is None:
        raise Conflict(f"member {member_id} has not checked in to {doc['_id']}")
    if entry["checked_out_at"] is not None:
        raise Unchanged(doc)
    _not_approved(entry)
    if at < entry["checked_in_at"]:
        raise Conflict(f"check-out before the check-in at {entry['checked_in_at'].isoformat()}")
    entry = {**entry, "checked_out_at": at}
    if entry["hours_source"] != "entered":
        hours = hours_between(entry["checked_in_at"], at)
        entry = {**entry, "hours": hours, "hours_source": "computed"}
    event = VolunteerCheckedOut(activity_id=doc["_id"], member_id=member_id, at=at)
    return _with(doc, entry), [event]


def mark_no_show(doc: Document, member_id: str, now: datetime) -> Change:
    ensure_published(doc, "marking no-shows")
    ensure_started(doc, now, "no-shows are marked")
    volunteer = _signed_up(doc, member_id)
    entry = entry_of(doc, member_id) or _blank(member_id, volunteer["role_id"])
    if entry["checked_in_at"] is not None:
        raise Conflict(
            f"member {member_id} checked in at {entry['checked_in_at'].isoformat()}; not a no-show"
        )
    if entry["no_show"]:
        raise Unchanged(doc)
    _not_approved(entry)
    entry = {**entry, "no_show": True, "hours": 0.0, "hours_source": "computed"}
    return _with(doc, entry), []


@dataclass(frozen=True)
class Line:
    """One line of a paper roster (RosterLine, validated): `index` names it in errors."""

    index: int
    member_id: str
    role_id: str | None
    hours: float | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    no_show: bool


def check_lines(lines: list[Line]) -> None:
    """Input errors, before any state is read: Invalid naming `lines.<i>.<field>`."""
    seen: set[str] = set()
    for line in lines:
        where = f"lines.{line.index}"
        if line.member_id in seen:
            raise invalid(f"{where}.member_id", f"member {line.member_id} is on two lines")
        seen.add(line.member_id)
        came = line.hours is not None or line.checked_in_at is not None
        if line.no_show and (came or line.checked_out_at is not None):
            raise invalid(f"{where}.no_show", "a no-show has neither hours nor times")
        if line.checked_out_at is not None:
            if line.checked_in_at is None:
                raise invalid(f"{where}.checked_in_at", "a check-out needs the check-in time")
            if line.checked_out_at < line.checked_in_at:
                raise invalid(f"{where}.checked_out_at", "before the check-in time")
        if not line.no_show and not came:
            raise invalid(f"{where}.hours", "give the hours, the check-in time or no_show")


def enter_roster(doc: Document, lines: list[Line], now: datetime) -> Change:
    """A paper list, entered after the fact. Someone on it who had not signed up served all
    the same (a walk-in): they are added, confirmed, to the role the line gives."""
    ensure_published(doc, "entering a roster")
    ensure_started(doc, now, "a roster is entered")
    new, events = dict(doc), list[EventData]()
    for line in lines:
        new, line_events = _roster_line(new, line, now)
        events.extend(line_events)
    return new, events


def _roster_line(doc: Document, line: Line, now: datetime) -> Change:
    where = f"lines.{line.index}"
    volunteer = held_by(doc, line.member_id)
    if volunteer is None or volunteer["status"] != "confirmed":
        role_id = line.role_id or (volunteer["role_id"] if volunteer else None)
        if role_id is None:
            raise invalid(
                f"{where}.role_id", f"member {line.member_id} did not sign up: name their role"
            )
        role_of(doc, role_id, f"{where}.role_id")
        doc = _walk_in(doc, line.member_id, role_id, volunteer, now)
    else:
        role_id = volunteer["role_id"]
    entry = entry_of(doc, line.member_id) or _blank(line.member_id, role_id)
    _not_approved(entry)
    events: list[EventData] = []
    if line.no_show:
        entry = {**entry, "no_show": True, "hours": 0.0, "hours_source": "entered"}
        entry = {**entry, "checked_in_at": None, "checked_out_at": None, "method": "roster"}
        return _with(doc, entry), events
    checked_in_at = line.checked_in_at or entry["checked_in_at"] or doc["starts_at"]
    if entry["checked_in_at"] is None:
        events.append(
            VolunteerCheckedIn(
                activity_id=doc["_id"], member_id=line.member_id, at=checked_in_at, method="roster"
            )
        )
    entry = {**entry, "checked_in_at": checked_in_at, "no_show": False}
    entry["method"] = entry["method"] or "roster"
    if line.checked_out_at is not None:
        entry["checked_out_at"] = line.checked_out_at
        events.append(
            VolunteerCheckedOut(
                activity_id=doc["_id"], member_id=line.member_id, at=line.checked_out_at
            )
        )
    if line.hours is not None:
        entry = {**entry, "hours": line.hours, "hours_source": "entered"}
    elif entry["checked_out_at"] is not None:
        hours = hours_between(entry["checked_in_at"], entry["checked_out_at"])
        entry = {**entry, "hours": hours, "hours_source": "entered"}
    return _with(doc, entry), events


def _walk_in(
    doc: Document, member_id: str, role_id: str, held: Document | None, now: datetime
) -> Document:
    """A walk-in is confirmed beyond the head count: they came, the place was theirs."""
    volunteers = [v for v in doc.get("volunteers", []) if v is not held]
    if held is not None:  # waitlisted, yet they served: their sign-up becomes confirmed
        volunteers.append({**held, "status": "confirmed", "role_id": role_id})
        return {**doc, "volunteers": volunteers}
    seq = doc.get("next_seq", 1)
    entry = {
        "signup_id": f"walk-in-{member_id}-{seq}",
        "member_id": member_id,
        "role_id": role_id,
        "status": "confirmed",
        "seq": seq,
        "signed_up_at": now,
        "signed_up_by": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "promoted_at": None,
        "walk_in": True,
    }
    return {**doc, "volunteers": [*volunteers, entry], "next_seq": seq + 1}


@dataclass(frozen=True)
class Approval:
    member_id: str
    hours: float | None
    index: int


def approve(
    doc: Document, approvals: list[Approval], by: str | None, at: datetime
) -> tuple[Document, list[EventData]]:
    """The organiser approves hours: as they stand, or the value given (which then stands)."""
    ensure_published(doc, "approving hours")
    ensure_started(doc, at, "hours are approved")
    new = dict(doc)
    for a in approvals:
        entry = entry_of(new, a.member_id)
        if entry is None:
            raise invalid(
                f"approvals.{a.index}.member_id",
                f"member {a.member_id} has no attendance in {doc['_id']}",
                "not_found",
            )
        hours = a.hours if a.hours is not None else entry["hours"]
        if hours is None:
            raise invalid(
                f"approvals.{a.index}.hours",
                f"member {a.member_id} has no hours yet (not checked out): give them",
                "missing",
            )
        if entry["no_show"] and hours > 0:
            raise Conflict(f"member {a.member_id} was a no-show: no hours to approve")
        new = _with(new, approved(entry, hours, by, at))
    return new, []


def approved(entry: Document, hours: float, by: str | None, at: datetime) -> Document:
    source = entry["hours_source"] if hours == entry["hours"] else "entered"
    return {
        **entry,
        "hours": hours,
        "hours_source": source,
        "approved_hours": hours,
        "approved_by": by,
        "approved_at": at,
    }
