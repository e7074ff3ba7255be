"""Corrections of a service record (national rules: volunteers may ask for corrections).

A volunteer or a team leader asks for an entry's hours or content to change; a community
admin approves or rejects. Approving changes the entry and keeps its previous values in the
entry's `history`; the points follow the hours; stars already awarded stay (see stars.py).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from services.registry.domain import points, stars
from services.registry.domain.record_rules import RecordRules
from services.registry.domain.records import (
    Change,
    ensure_not_merged,
    points_for,
    total_of,
)
from shared.contracts.catalogue import EventData
from shared.contracts.events.registry import ServiceRecordCorrected
from shared.contracts.rpc import Conflict, FieldError, Invalid, NotFound

Document = dict[str, Any]


@dataclass(frozen=True)
class CorrectionRequest:
    correction_id: str
    record_id: str
    hours: float | None
    content: str | None
    reason: str
    requested_by: str | None
    requested_at: datetime


def find_record(doc: Document, record_id: str) -> Document:
    record: Document
    for record in doc.get("records", []):
        if record["record_id"] == record_id:
            return record
    msg = f"record {record_id} not found on member {doc['_id']}"
    raise NotFound(msg, [FieldError(loc=["record_id"], msg=msg, type="not_found")])


def find_correction(doc: Document, correction_id: str) -> Document:
    correction: Document
    for correction in doc.get("corrections", []):
        if correction["correction_id"] == correction_id:
            return correction
    msg = f"correction {correction_id} not found on member {doc['_id']}"
    raise NotFound(msg, [FieldError(loc=["correction_id"], msg=msg, type="not_found")])


def request(doc: Document, ask: CorrectionRequest) -> Change:
    """Record a pending correction. Nothing to change is invalid; a second pending one on
    the same entry is a conflict (the first must be decided before another is weighed)."""
    ensure_not_merged(doc)
    record = find_record(doc, ask.record_id)
    changes_hours = ask.hours is not None and float(ask.hours) != float(record["hours"])
    changes_content = ask.content is not None and ask.content != record["content"]
    if not (changes_hours or changes_content):
        msg = "the correction changes neither the hours nor the content of the entry"
        raise Invalid(
            msg,
            [
                FieldError(loc=["hours"], msg=msg, type="no_change"),
                FieldError(loc=["content"], msg=msg, type="no_change"),
            ],
        )
    for other in doc.get("corrections", []):
        if other["record_id"] == ask.record_id and other["status"] == "pending":
            msg = f"correction {other['correction_id']} of this entry is still pending"
            raise Conflict(msg, [FieldError(loc=["record_id"], msg=msg, type="pending")])
    correction = {
        "correction_id": ask.correction_id,
        "record_id": ask.record_id,
        "hours": float(ask.hours) if changes_hours and ask.hours is not None else None,
        "content": ask.content if changes_content else None,
        "hours_before": float(record["hours"]),
        "content_before": record["content"],
        "reason": ask.reason,
        "requested_by": ask.requested_by,
        "requested_at": ask.requested_at,
        "status": "pending",
        "decided_by": None,
        "decided_at": None,
        "note": None,
        "merged_from": None,
    }
    return {**doc, "corrections": [*doc.get("corrections", []), correction]}, []


def decide(
    doc: Document,
    correction_id: str,
    decision: Literal["approve", "reject"],
    rules: RecordRules,
    *,
    note: str | None,
    by: str | None,
    at: datetime,
    points_entry_id: str,
) -> Change:
    """Approve (the entry changes, its history keeps what it said) or reject (only the
    correction changes). A correction is decided once: deciding again is a conflict."""
    ensure_not_merged(doc)
    correction = find_correction(doc, correction_id)
    if correction["status"] != "pending":
        msg = f"correction {correction_id} was already {correction['status']}"
        raise Conflict(msg, [FieldError(loc=["decision"], msg=msg, type="decided")])
    decided = {
        **correction,
        "status": "approved" if decision == "approve" else "rejected",
        "decided_by": by,
        "decided_at": at,
        "note": note,
    }
    corrections = [
        decided if c["correction_id"] == correction_id else c for c in doc.get("corrections", [])
    ]
    new = {**doc, "corrections": corrections}
    if decision == "reject":
        return new, []
    return _apply(new, correction, rules, by=by, at=at, points_entry_id=points_entry_id)


def _apply(
    doc: Document,
    correction: Document,
    rules: RecordRules,
    *,
    by: str | None,
    at: datetime,
    points_entry_id: str,
) -> Change:
    record = find_record(doc, correction["record_id"])
    hours_before, content_before = float(record["hours"]), record["content"]
    hours_after = hours_before if correction["hours"] is None else float(correction["hours"])
    content_after = content_before if correction["content"] is None else correction["content"]
    changed = {
        **record,
        "hours": hours_after,
        "content": content_after,
        "history": [
            *record.get("history", []),
            {
                "hours": hours_before,
                "content": content_before,
                "correction_id": correction["correction_id"],
                "at": at,
                "by": by,
            },
        ],
    }
    records = [changed if r is record else r for r in doc.get("records", [])]
    new = {**doc, "records": records, "total_hours": total_of(records)}
    events: list[EventData] = [
        ServiceRecordCorrected(
            member_id=doc["_id"],
            record_id=record["record_id"],
            correction_id=correction["correction_id"],
            hours_before=hours_before,
            hours_after=hours_after,
            content=content_after,
            approved_by=by or "unknown",
            total_hours=new["total_hours"],
        )
    ]
    delta = points_for(hours_after, rules.points_per_hour) - points_for(
        hours_before, rules.points_per_hour
    )
    if delta:
        new, moved = points.move(
            new,
            kind="correction",
            delta=delta,
            reason=f"更正服务时长 {content_after}：{hours_before:g} 小时改为 {hours_after:g} 小时",
            reference=f"correction:{correction['correction_id']}",
            entry_id=points_entry_id,
            at=at,
            floor_at_zero=True,
        )
        events.append(moved)
    # More hours may reach a level; fewer never take one back (see stars.py).
    new, reached = stars.award(new, rules, at=at)
    return new, events + reached


def listing(
    members: list[Document], statuses: set[str], after: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """Corrections of the given members, oldest first by id (ids sort by time), one page."""
    found = []
    for doc in members:
        if doc.get("status") == "merged":
            continue  # its corrections moved to the member it was merged into
        records = {r["record_id"]: r for r in doc.get("records", [])}
        for c in doc.get("corrections", []):
            if c["status"] not in statuses or (after is not None and c["correction_id"] <= after):
                continue
            record = records.get(c["record_id"], {})
            found.append(
                {
                    **c,
                    "member_id": doc["_id"],
                    "volunteer_no": doc.get("volunteer_no"),
                    "community_id": (doc.get("home") or {}).get("community_id"),
                    "record": {
                        "served_on": record.get("served_on"),
                        "hours": record.get("hours"),
                        "content": record.get("content"),
                        "organiser": record.get("organiser"),
                    },
                }
            )
    found.sort(key=lambda c: c["correction_id"])
    page = found[:limit]
    return page, (page[-1]["correction_id"] if len(found) > limit else None)
