"""Completing an activity: the remaining hours approved, the summary kept, and the
`ActivityCompleted` the registry credits hours from.

Only volunteers with approved hours above zero are in it: a no-show or a zero earns no
record, and residents (participants) never earn hours.
"""

from dataclasses import dataclass
from datetime import datetime

from services.activities.domain.attendance import approved
from services.activities.domain.signups import (
    Change,
    Document,
    ensure_published,
    ensure_started,
)
from shared.contracts.events.activities import ActivityCompleted, ApprovedHours


@dataclass(frozen=True)
class Summary:
    summary: str
    photo_refs: list[str]
    participant_count: int | None
    approve_remaining: bool
    organiser: str
    by: str | None
    at: datetime


def confirmed_participants(doc: Document) -> int:
    return sum(1 for p in doc.get("participants", []) if p["status"] == "confirmed")


def complete(doc: Document, s: Summary) -> Change:
    ensure_published(doc, "completing")
    ensure_started(doc, s.at, "an activity is completed")
    attendance = [
        approved(a, a["hours"], s.by, s.at)
        if s.approve_remaining and a["approved_hours"] is None and a["hours"] is not None
        else a
        for a in doc.get("attendance", [])
    ]
    roles = {r["role_id"]: r["name"] for r in doc.get("roles", [])}
    volunteers = [
        ApprovedHours(member_id=a["member_id"], role=roles.get(a["role_id"]), hours=hours)
        for a in sorted(attendance, key=lambda a: a["member_id"])
        if (hours := a["approved_hours"]) is not None and hours > 0
    ]
    count = s.participant_count
    if count is None:
        count = confirmed_participants(doc)
    completion = {
        "at": s.at,
        "by": s.by,
        "summary": s.summary,
        "photo_refs": s.photo_refs,
        "participant_count": count,
    }
    new = {**doc, "status": "completed", "attendance": attendance, "completion": completion}
    event = ActivityCompleted(
        activity_id=doc["_id"],
        title=doc["title"],
        activity_type=doc["activity_type"],
        community_id=doc["community_id"],
        organiser_team_ids=doc.get("organiser_team_ids", []),
        organiser=s.organiser,
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        completed_at=s.at,
        approved_by=s.by or "unknown",
        summary=s.summary,
        photo_refs=s.photo_refs,
        participant_count=count,
        volunteers=volunteers,
    )
    return new, [event]
