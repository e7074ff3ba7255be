"""A volunteer's service record, kept on the member document: entries credited once per
source, the total hours, and what follows from them (time-bank points, star levels).

Pure: no I/O. Handlers pass ids and times in, and write the returned document together with
the returned events (one `AggregateStore.update`), so a record and its events never part.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.registry.domain import points, stars
from services.registry.domain.record_rules import RecordRules
from shared.contracts.catalogue import EventData
from shared.contracts.events.registry import RecordSource, ServiceHoursCredited

Document = dict[str, Any]
Change = tuple[Document, list[EventData]]


class MergedInto(Exception):
    """The member was merged: the change belongs on the member it was merged into."""

    def __init__(self, kept_id: str) -> None:
        super().__init__(f"merged into {kept_id}")
        self.kept_id = kept_id


def ensure_not_merged(doc: Document) -> None:
    """A merged registration is frozen: every change goes to the member it points at."""
    if doc.get("status") == "merged" and doc.get("merged_into"):
        raise MergedInto(doc["merged_into"])


def source_key(source: str, source_id: str) -> str:
    """The idempotency key of a credit: one activity (request, wish, paper record) credits a
    member once, whatever event id or delivery brings it."""
    return f"{source}:{source_id}"


@dataclass(frozen=True)
class Credit:
    record_id: str
    source: RecordSource
    source_id: str
    served_on: date
    hours: float
    content: str
    organiser: str | None
    approver: str | None
    credited_at: datetime
    points_entry_id: str
    organiser_team_ids: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        return source_key(self.source, self.source_id)


def total_of(records: Iterable[Document]) -> float:
    # Multiples of 0.5 add exactly in binary floating point: no rounding drift.
    return float(sum(float(r["hours"]) for r in records))


def points_for(hours: float, points_per_hour: int) -> int:
    """Whole points for hours served; a half hour that makes no whole point rounds down."""
    return math.floor(hours * points_per_hour)


def is_credited(doc: Document, source: str, source_id: str) -> bool:
    return source_key(source, source_id) in doc.get("credited_sources", [])


def entry_for_source(doc: Document, source: str, source_id: str) -> Document | None:
    return next(
        (
            r
            for r in doc.get("records", [])
            if r["source"] == source and r["source_id"] == source_id
        ),
        None,
    )


def credit(doc: Document, entry: Credit, rules: RecordRules) -> Change:
    """Enter hours on the record once per source; deposit points; award stars reached.

    A source already credited (a redelivered or replayed event, a second paper entry with the
    same reference) and an entry of 0 hours change nothing and emit nothing. Left and
    suspended members are credited too: the service happened."""
    ensure_not_merged(doc)
    if entry.hours <= 0 or entry.key in doc.get("credited_sources", []):
        return doc, []
    record = {
        "record_id": entry.record_id,
        "source": entry.source,
        "source_id": entry.source_id,
        "served_on": entry.served_on.isoformat(),
        "hours": float(entry.hours),
        "content": entry.content,
        "organiser": entry.organiser,
        "organiser_team_ids": list(entry.organiser_team_ids),
        "approver": entry.approver,
        "credited_at": entry.credited_at,
        "merged_from": None,
        "history": [],
    }
    records = [*doc.get("records", []), record]
    new = {
        **doc,
        "records": records,
        "credited_sources": [*doc.get("credited_sources", []), entry.key],
        "total_hours": total_of(records),
    }
    events: list[EventData] = [
        ServiceHoursCredited(
            member_id=doc["_id"],
            record_id=entry.record_id,
            source=entry.source,
            source_id=entry.source_id,
            served_on=entry.served_on,
            hours=float(entry.hours),
            content=entry.content,
            organiser=entry.organiser,
            total_hours=new["total_hours"],
        )
    ]
    deposit = points_for(entry.hours, rules.points_per_hour)
    if deposit:
        new, moved = points.move(
            new,
            kind="deposit",
            delta=deposit,
            reason=f"服务时长 {entry.content}",
            reference=entry.key,
            entry_id=entry.points_entry_id,
            at=entry.credited_at,
        )
        events.append(moved)
    new, reached = stars.award(new, rules, at=entry.credited_at)
    return new, events + reached


def in_period(served_on: str, served_from: date | None, served_to: date | None) -> bool:
    day = date.fromisoformat(served_on)
    return (served_from is None or day >= served_from) and (served_to is None or day <= served_to)


def newest_first(records: Iterable[Document]) -> list[Document]:
    return sorted(records, key=lambda r: (r["served_on"], r["record_id"]), reverse=True)


def record_view(
    doc: Document, served_from: date | None = None, served_to: date | None = None
) -> Document:
    """A member's record for a period: entries newest first, hours in the period and overall,
    stars and points. A merged member's entries carry `merged_from`."""
    entries = newest_first(
        r for r in doc.get("records", []) if in_period(r["served_on"], served_from, served_to)
    )
    return {
        "member_id": doc["_id"],
        "volunteer_no": doc.get("volunteer_no"),
        "status": doc.get("status"),
        "merged_from": list(doc.get("merged_from", [])),
        "period": {
            "served_from": served_from.isoformat() if served_from else None,
            "served_to": served_to.isoformat() if served_to else None,
        },
        "entries": [entry_view(r) for r in entries],
        "period_hours": total_of(entries),
        "total_hours": float(doc.get("total_hours", 0.0)),
        "star_level": doc.get("star_level", 0),
        "stars": [jsonable(s) for s in doc.get("stars", [])],
        "star_pending": list(doc.get("star_pending", [])),
        "points_balance": doc.get("points_balance", 0),
    }


def entry_view(record: Document) -> Document:
    view: Document = jsonable(record)
    return view


def jsonable(value: Any) -> Any:
    """Datetimes as ISO text (the store gives them back tz-aware); the rest as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
