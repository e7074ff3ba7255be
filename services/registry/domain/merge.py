"""Merging two registrations of one person: `merged` points at `kept`, whose record holds
both histories.

Two writes, in this order, so that a crash between them is finished by asking again:
1. `mark_merged` on the merged member: status "merged", `merged_into` = kept. From then on
   every change (a credit, a correction, a redemption) goes to the kept member, so nothing
   can land on the merged one after its record was copied.
2. `absorb` on the kept member: the merged member's entries, corrections and points join,
   once (`merged_from` lists it; a second call changes nothing).
The merged member's own document keeps its entries as they were (a frozen copy of what was
moved); stats and listings leave it out.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.registry.domain import points, stars
from services.registry.domain.record_rules import RecordRules
from services.registry.domain.records import Change, ensure_not_merged, points_for, total_of
from shared.contracts.catalogue import EventData
from shared.contracts.events.registry import MembersMerged, MemberStatusChanged
from shared.contracts.rpc import Conflict, FieldError

Document = dict[str, Any]


@dataclass(frozen=True)
class Merge:
    kept_id: str
    merged_id: str
    reason: str
    by: str | None
    at: datetime
    on: date  # today in the subdistrict's time zone
    points_entry_id: str


def check_kept(kept: Document) -> None:
    if kept.get("status") == "merged":
        msg = f"member {kept['_id']} was itself merged into {kept.get('merged_into')}"
        raise Conflict(msg, [FieldError(loc=["kept_member_id"], msg=msg, type="merged")])


def check_merged(merged: Document, kept_id: str) -> None:
    """Merged into another member already: a conflict. Into this one: finish or repeat."""
    if merged.get("status") == "merged" and merged.get("merged_into") != kept_id:
        msg = f"member {merged['_id']} was already merged into {merged.get('merged_into')}"
        raise Conflict(msg, [FieldError(loc=["merged_member_id"], msg=msg, type="merged")])


def mark_merged(merged: Document, m: Merge) -> Change:
    """Step 1: the merged registration points at the kept one."""
    check_merged(merged, m.kept_id)
    if merged.get("status") == "merged":
        return merged, []  # done before: a repeated call finishing a merge
    previous = merged.get("status", "active")
    history = {
        "status": "merged",
        "previous": previous,
        "effective_on": m.on.isoformat(),
        "reason": m.reason,
        "by": m.by,
        "at": m.at,
    }
    new = {
        **merged,
        "status": "merged",
        "merged_into": m.kept_id,
        "status_history": [*merged.get("status_history", []), history],
    }
    event = MemberStatusChanged(
        member_id=merged["_id"],
        volunteer_no=merged.get("volunteer_no", ""),
        status="merged",
        previous=previous,
        effective_on=m.on,
        reason=m.reason,
    )
    return new, [event]


def duplicates(kept: Document, merged: Document) -> list[Document]:
    """The merged member's entries for a source the kept one was credited for too: one
    person cannot have served twice in one activity, so the kept member's entry stands."""
    kept_sources = set(kept.get("credited_sources", []))
    return [
        r for r in merged.get("records", []) if f"{r['source']}:{r['source_id']}" in kept_sources
    ]


def absorb(kept: Document, merged: Document, m: Merge, rules: RecordRules) -> Change:
    """Step 2: the kept member takes the merged one's entries (marked `merged_from`, ids
    kept), corrections, points, skills and tags; stars are re-evaluated on the new total."""
    ensure_not_merged(kept)
    if m.merged_id in kept.get("merged_from", []):
        return kept, []
    dropped = duplicates(kept, merged)
    dropped_ids = {r["record_id"] for r in dropped}
    moved = [
        {**r, "merged_from": r.get("merged_from") or m.merged_id}
        for r in merged.get("records", [])
        if r["record_id"] not in dropped_ids
    ]
    records = [*kept.get("records", []), *moved]
    sources = list(
        dict.fromkeys([*kept.get("credited_sources", []), *merged.get("credited_sources", [])])
    )
    corrections = [
        *kept.get("corrections", []),
        *(
            {**c, "merged_from": c.get("merged_from") or m.merged_id}
            for c in merged.get("corrections", [])
            if c["record_id"] not in dropped_ids
        ),
    ]
    new = {
        **kept,
        "records": records,
        "credited_sources": sources,
        "total_hours": total_of(records),
        "corrections": corrections,
        "merged_from": [*kept.get("merged_from", []), m.merged_id],
        "skills": _union(kept.get("skills", []), merged.get("skills", [])),
        "availability": _union(kept.get("availability", []), merged.get("availability", [])),
        "tags": _union(kept.get("tags", []), merged.get("tags", [])),
        "merges": [
            *kept.get("merges", []),
            {
                "member_id": m.merged_id,
                "volunteer_no": merged.get("volunteer_no"),
                "reason": m.reason,
                "by": m.by,
                "at": m.at,
                "dropped_record_ids": sorted(dropped_ids),
            },
        ],
    }
    events: list[EventData] = []
    # The merged balance joins, less the points its duplicate entries deposited (those hours
    # are not kept, so neither are their points).
    taken_back = sum(points_for(float(r["hours"]), rules.points_per_hour) for r in dropped)
    delta = int(merged.get("points_balance", 0)) - taken_back
    if delta:
        reason = f"合并 {merged.get('volunteer_no', m.merged_id)}"
        if taken_back:
            reason += f"（重复记录 {len(dropped)} 条，扣回 {taken_back} 积分）"
        new, changed = points.move(
            new,
            kind="correction",
            delta=delta,
            reason=reason,
            reference=f"merge:{m.merged_id}",
            entry_id=m.points_entry_id,
            at=m.at,
            floor_at_zero=True,
        )
        events.append(changed)
    new, reached = stars.award(new, rules, at=m.at)
    merged_event = MembersMerged(
        kept_member_id=kept["_id"],
        kept_volunteer_no=kept.get("volunteer_no", ""),
        merged_member_id=m.merged_id,
        merged_volunteer_no=merged.get("volunteer_no", ""),
        total_hours=new["total_hours"],
    )
    return new, [merged_event, *events, *reached]


def outcome(kept: Document, merged_id: str) -> Document:
    """What a merge did, read back from the kept member (the same for a repeated call)."""
    done = next((x for x in kept.get("merges", []) if x["member_id"] == merged_id), None)
    return {
        "kept_member_id": kept["_id"],
        "kept_volunteer_no": kept.get("volunteer_no"),
        "merged_member_id": merged_id,
        "merged_volunteer_no": done["volunteer_no"] if done else None,
        "dropped_duplicate_record_ids": done["dropped_record_ids"] if done else [],
        "total_hours": float(kept.get("total_hours", 0.0)),
        "points_balance": kept.get("points_balance", 0),
        "star_level": kept.get("star_level", 0),
    }


def _union(first: list[Any], second: list[Any]) -> list[Any]:
    return list(dict.fromkeys([*first, *second]))
