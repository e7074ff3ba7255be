"""An activity as it leaves the service: the snapshot events carry (`activity_view`), a
calendar line (`summary`), and the detail with its roster (`public`).

Names and phones leave masked: a participant's name as `mask_name` makes it, a volunteer's
as the members projection keeps it (already masked), phones by `mask_phone`. The check-in
code never appears here (GET_CHECK_IN_CODE is for organisers)."""

from collections.abc import Mapping
from typing import Any

from services.activities.activity_support import jsonable
from services.activities.domain.lifecycle import confirmed_participants, confirmed_volunteers
from shared.contracts.events.activities import ActivityView, VolunteerRole
from shared.contracts.privacy import mask_name, mask_phone, mask_text

Document = dict[str, Any]
People = Mapping[str, Document]


def activity_view(doc: Document) -> ActivityView:
    return ActivityView(
        activity_id=doc["_id"],
        title=doc["title"],
        activity_type=doc["activity_type"],
        status=doc["status"],
        community_id=doc["community_id"],
        compound_id=doc.get("compound_id"),
        place=doc["place"],
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        target_group=doc["target_group"],
        organiser_team_ids=list(doc.get("organiser_team_ids") or []),
        partner_unit_ids=list(doc.get("partner_unit_ids") or []),
        roles=[VolunteerRole.model_validate(role) for role in doc.get("roles") or []],
        participant_capacity=doc.get("participant_capacity", 0),
        series_id=doc.get("series_id"),
    )


def summary(doc: Document) -> Document:
    """A calendar line: the activity without its roster, with how full it is."""
    roles = [
        {**role, "confirmed_count": confirmed_volunteers(doc, role["role_id"])}
        for role in doc.get("roles") or []
    ]
    view = {
        **activity_view(doc).model_dump(mode="json"),
        "roles": roles,
        "occurrence": doc.get("occurrence"),
        "volunteers_needed": sum(role["head_count"] for role in roles),
        "volunteers_confirmed": sum(role["confirmed_count"] for role in roles),
        "participants_confirmed": confirmed_participants(doc),
        "revision": doc.get("revision"),
    }
    return dict(jsonable(view))


def public(doc: Document, people: People | None = None) -> Document:
    """The detail: volunteers by role and participants, each confirmed then waitlisted in
    arrival order, attendance with hours, and the activity's history."""
    people = people or {}
    volunteers = [v for v in doc.get("volunteers", []) if v.get("status") != "cancelled"]
    roles = []
    for role in doc.get("roles") or []:
        mine = [v for v in volunteers if v.get("role_id") == role["role_id"]]
        confirmed, waitlist = _split(mine)
        roles.append(
            {
                **role,
                "confirmed_count": len(confirmed),
                "confirmed": [_volunteer(v, people) for v in confirmed],
                "waitlist": [_volunteer(v, people, n) for n, v in enumerate(waitlist, start=1)],
            }
        )
    participants = [p for p in doc.get("participants", []) if p.get("status") != "cancelled"]
    confirmed, waitlist = _split(participants)
    view = {
        **summary(doc),
        "description": mask_text(doc.get("description") or ""),
        "roles": roles,
        "participants": {
            "capacity": doc.get("participant_capacity", 0),
            "confirmed_count": len(confirmed),
            "confirmed": [_participant(p, people) for p in confirmed],
            "waitlist": [_participant(p, people, n) for n, p in enumerate(waitlist, start=1)],
        },
        "attendance": [_attendance(a, people) for a in doc.get("attendance", [])],
        "created_at": doc.get("created_at"),
        "created_by": doc.get("created_by"),
        "updated_at": doc.get("updated_at"),
        "published_at": doc.get("published_at"),
        "cancelled": _cancelled(doc.get("cancelled")),
        "completion": doc.get("completion"),
    }
    return dict(jsonable(view))


def _split(entries: list[Document]) -> tuple[list[Document], list[Document]]:
    ordered = sorted(entries, key=lambda e: e.get("seq", 0))
    return (
        [e for e in ordered if e.get("status") == "confirmed"],
        [e for e in ordered if e.get("status") == "waitlisted"],
    )


def _person(member_id: str | None, people: People) -> Document:
    known = people.get(member_id or "") or {}
    return {"volunteer_no": known.get("volunteer_no"), "display_name": known.get("display_name")}


def _volunteer(entry: Document, people: People, position: int | None = None) -> Document:
    shown = {
        "signup_id": entry.get("signup_id"),
        "member_id": entry.get("member_id"),
        **_person(entry.get("member_id"), people),
        "role_id": entry.get("role_id"),
        "status": entry.get("status"),
        "seq": entry.get("seq"),
        "signed_up_at": entry.get("signed_up_at"),
        "promoted_at": entry.get("promoted_at"),
    }
    return {**shown, "waitlist_position": position} if position else shown


def _participant(entry: Document, people: People, position: int | None = None) -> Document:
    member = entry.get("member_id")
    name = _person(member, people)["display_name"] if member else None
    shown = {
        "signup_id": entry.get("signup_id"),
        "member_id": member,
        "display_name": name or mask_name(entry.get("name")),
        "phone": mask_phone(entry.get("phone")),
        "proxy": bool(entry.get("proxy")),
        "entered_by": entry.get("entered_by_name") or entry.get("entered_by"),
        "status": entry.get("status"),
        "seq": entry.get("seq"),
        "registered_at": entry.get("registered_at"),
    }
    return {**shown, "waitlist_position": position} if position else shown


def _attendance(entry: Document, people: People) -> Document:
    return {**entry, **_person(entry.get("member_id"), people)}


def _cancelled(cancelled: Document | None) -> Document | None:
    if not cancelled:
        return None
    return {**cancelled, "reason": mask_text(cancelled.get("reason"))}
