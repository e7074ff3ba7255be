"""Counts for reports: members by status and tag, hours by month, members per star level.

Computed in Python from a projection of member documents: nx-27017 cannot `$unwind` the
entries and `$group` on their fields (docs/storage.md). A merged registration is counted in
`by_status` only; its entries, points and tags live on the member it was merged into.
"""

from collections import Counter
from typing import Any

Document = dict[str, Any]

STATUSES = ("active", "suspended", "left", "merged")
LEVELS = range(0, 6)


def month_of(served_on: str) -> str:
    return served_on[:7]  # "YYYY-MM-DD" -> "YYYY-MM"


def summary(members: list[Document], month_from: str | None, month_to: str | None) -> Document:
    by_status: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    by_star: Counter[int] = Counter()
    by_month: dict[str, float] = {}
    counted = 0
    for doc in members:
        status = doc.get("status", "active")
        by_status[status] += 1
        if status == "merged":
            continue
        counted += 1
        by_tag.update(set(doc.get("tags", [])))
        by_star[int(doc.get("star_level", 0))] += 1
        for record in doc.get("records", []):
            month = month_of(record["served_on"])
            if (month_from is None or month >= month_from) and (
                month_to is None or month <= month_to
            ):
                by_month[month] = by_month.get(month, 0.0) + float(record["hours"])
    return {
        "members": counted,
        "by_status": {s: by_status.get(s, 0) for s in STATUSES},
        "by_tag": dict(sorted(by_tag.items())),
        "by_star_level": {str(level): by_star.get(level, 0) for level in LEVELS},
        "hours": {
            "total": float(sum(by_month.values())),
            "by_month": {m: float(h) for m, h in sorted(by_month.items())},
        },
    }


def per_community(
    members: list[Document],
    communities: dict[str, str],
    month_from: str | None,
    month_to: str | None,
) -> list[Document]:
    """One summary per community: every known community (named, even with no members), and
    any community id a member's home names that the organisation does not know yet."""
    grouped: dict[str, list[Document]] = {cid: [] for cid in communities}
    for doc in members:
        cid = (doc.get("home") or {}).get("community_id") or ""
        grouped.setdefault(cid, []).append(doc)
    return [
        {
            "community_id": cid,
            "name": communities.get(cid),
            **summary(docs, month_from, month_to),
        }
        for cid, docs in sorted(grouped.items())
    ]
