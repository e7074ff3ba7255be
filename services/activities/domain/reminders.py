"""The reminder the day before: once per activity, for everyone confirmed.

`reminded_at` on the activity is the "once": the write that sets it carries the event, and a
writer that finds it set (another replica won, or a tick after a crash) changes nothing.
"""

from datetime import datetime, timedelta

from services.activities.domain.signups import Change, Document, Unchanged
from shared.contracts.events.activities import ActivityReminderDue


def due(doc: Document, now: datetime, lead: timedelta) -> bool:
    return (
        doc["status"] == "published"
        and doc.get("reminded_at") is None
        and doc["starts_at"] - lead <= now < doc["starts_at"]
    )


def remind(doc: Document, now: datetime, lead: timedelta) -> Change:
    """Raises Unchanged when the reminder is not (or no longer) due."""
    if not due(doc, now, lead):
        raise Unchanged(doc)
    volunteers = [v for v in doc.get("volunteers", []) if v["status"] == "confirmed"]
    participants = [p for p in doc.get("participants", []) if p["status"] == "confirmed"]
    event = ActivityReminderDue(
        activity_id=doc["_id"],
        title=doc["title"],
        place=doc["place"],
        starts_at=doc["starts_at"],
        community_id=doc["community_id"],
        volunteer_member_ids=sorted({v["member_id"] for v in volunteers}),
        participant_member_ids=sorted({p["member_id"] for p in participants if p["member_id"]}),
        participant_count=len(participants),
    )
    return {**doc, "reminded_at": now}, [event]
