"""Star levels from cumulative hours: each level is awarded once, with one `StarLevelReached`.

Levels configured as needing approval (5★ by default) wait in `star_pending` until an admin
approves them. A star is never taken back, not even when a correction later lowers the hours
below its threshold: it is an honour awarded for what the record said at the time, and the
record itself shows the correction (the entry's history), so nothing is hidden.
"""

from datetime import datetime
from typing import Any

from services.registry.domain.record_rules import RecordRules
from shared.contracts.catalogue import EventData
from shared.contracts.events.registry import StarLevelReached
from shared.contracts.rpc import Conflict, FieldError

Document = dict[str, Any]


def level_of(stars: list[Document]) -> int:
    return max((s["level"] for s in stars), default=0)


def award(doc: Document, rules: RecordRules, *, at: datetime) -> tuple[Document, list[EventData]]:
    """Award every level whose threshold the total reaches and that was neither awarded nor
    put to approval before; returns the events of the levels awarded now."""
    total = float(doc.get("total_hours", 0.0))
    stars = list(doc.get("stars", []))
    pending = list(doc.get("star_pending", []))
    done = {s["level"] for s in stars} | set(pending)
    events: list[EventData] = []
    for level, threshold in enumerate(rules.thresholds_h, start=1):
        if total < threshold:
            break
        if level in done:
            continue
        if level in rules.levels_needing_approval:
            pending.append(level)
            continue
        stars.append(
            {"level": level, "threshold_hours": threshold, "reached_at": at, "approved_by": None}
        )
        events.append(_reached(doc, level, threshold, total, approved_by=None))
    if not events and pending == list(doc.get("star_pending", [])):
        return doc, []
    return {**doc, "stars": stars, "star_pending": pending, "star_level": level_of(stars)}, events


def approve(
    doc: Document, level: int, rules: RecordRules, *, by: str | None, at: datetime
) -> tuple[Document, list[EventData]]:
    """An admin approves a level waiting for approval; any other level is a conflict."""
    pending = list(doc.get("star_pending", []))
    if level not in pending:
        msg = f"star level {level} is not waiting for approval"
        raise Conflict(msg, [FieldError(loc=["level"], msg=msg, type="not_pending")])
    threshold = rules.thresholds_h[level - 1]
    stars = [
        *doc.get("stars", []),
        {"level": level, "threshold_hours": threshold, "reached_at": at, "approved_by": by},
    ]
    new = {
        **doc,
        "stars": stars,
        "star_pending": [p for p in pending if p != level],
        "star_level": level_of(stars),
    }
    total = float(doc.get("total_hours", 0.0))
    return new, [_reached(doc, level, threshold, total, approved_by=by)]


def _reached(
    doc: Document, level: int, threshold: float, total: float, approved_by: str | None
) -> StarLevelReached:
    return StarLevelReached(
        member_id=doc["_id"],
        volunteer_no=doc.get("volunteer_no", ""),
        level=level,
        threshold_hours=threshold,
        total_hours=total,
        approved_by=approved_by,
    )
