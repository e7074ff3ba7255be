"""Activity stats per month, counted in Python (nx-27017 cannot $unwind then $group on
sub-fields). No I/O.

A month is the subdistrict's (an activity at 01:00 on the 1st in Shanghai is that month's).
Counted: completed activities; the volunteer-hours approved in them; their participants
(the count the organiser gave at completion, else the confirmed participants)."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

Document = dict[str, Any]


def month_of(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m")


def month_start(month: str, zone: ZoneInfo) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=zone).astimezone(UTC)


def next_month_start(month: str, zone: ZoneInfo) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return datetime(year, number, 1, tzinfo=zone).astimezone(UTC)


def participants(doc: Document) -> int:
    given = (doc.get("completion") or {}).get("participant_count")
    if given is not None:
        return int(given)
    return sum(1 for p in doc.get("participants", []) if p.get("status") == "confirmed")


def approved_hours(doc: Document) -> float:
    return sum(
        float(a["approved_hours"])
        for a in doc.get("attendance", [])
        if a.get("approved_hours") is not None
    )


def per_month(docs: Iterable[Document], zone: ZoneInfo) -> dict[str, Any]:
    """`{months: [{month, activities_completed, volunteer_hours, participants}], totals}`,
    months in order, only those with a completed activity."""
    months: dict[str, Document] = {}
    for doc in docs:
        if doc.get("status") != "completed":
            continue
        line = months.setdefault(
            month_of(doc["starts_at"], zone),
            {"activities_completed": 0, "volunteer_hours": 0.0, "participants": 0},
        )
        line["activities_completed"] += 1
        line["volunteer_hours"] += approved_hours(doc)
        line["participants"] += participants(doc)
    lines = [{"month": month, **months[month]} for month in sorted(months)]
    totals = {
        key: sum(line[key] for line in lines)
        for key in ("activities_completed", "volunteer_hours", "participants")
    }
    return {"months": lines, "totals": totals}
