"""The "three rates" of the closed loop, per month. Pure: computed from the requests' own
fields (the lifecycle writes them), no I/O.

A request counts in the month it was submitted (local time of the subdistrict).

- submitted: the requests submitted in the month.
- response rate = responded / submitted; responded = accepted (受理) or returned (退单)
  within one working day of submission (working days of the official calendar, local days:
  submitted on Friday, answered on Monday counts).
- resolution rate = resolved on time / due; due = accepted, not ended by a side exit
  (duplicate, not responsible, transferred, cancelled), and either resolved or past its
  deadline now; resolved on time = its first resolution at or before its deadline (the
  deadline as extended, when an extension was approved).
- satisfaction rate = (satisfied + basically satisfied) / follow-ups; every follow-up
  counts, so a request reopened once and then closed satisfied counts one of two.
- avg_hours_to_accept: from submission to acceptance, over the accepted requests.
- avg_hours_to_resolve: from acceptance to the first resolution, over the resolved ones.
- overdue: due requests not resolved on time (resolved late, or past the deadline and
  still not resolved).
A rate whose denominator is zero is None (nothing to rate), not 0.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from services.requests.domain.calendar import working_days_between

Document = Mapping[str, Any]

SIDE_EXITS: Final = ("duplicate", "not_responsible", "transferred", "cancelled")
CONTENT: Final = ("satisfied", "basically_satisfied")
# What the metrics read of a request (a projection of the find).
FIELDS: Final = (
    "submitted_at",
    "accepted_at",
    "returned_at",
    "deadline",
    "resolutions",
    "closed_as",
    "follow_ups",
)


@dataclass
class Tally:
    submitted: int = 0
    responded: int = 0
    due: int = 0
    resolved_on_time: int = 0
    follow_ups: int = 0
    content: int = 0
    hours_to_accept: list[float] = field(default_factory=list)
    hours_to_resolve: list[float] = field(default_factory=list)

    def add(self, doc: Document, now: datetime, zone: ZoneInfo) -> None:
        self.submitted += 1
        submitted: datetime = doc["submitted_at"]
        answered = doc.get("accepted_at") or doc.get("returned_at")
        if answered is not None and _working_days(submitted, answered, zone) <= 1:
            self.responded += 1
        accepted, deadline = doc.get("accepted_at"), doc.get("deadline")
        if accepted is not None:
            self.hours_to_accept.append(_hours(submitted, accepted))
        resolutions = doc.get("resolutions") or []
        first = resolutions[0]["at"] if resolutions else None
        if accepted is not None and first is not None:
            self.hours_to_resolve.append(_hours(accepted, first))
        ended_aside = doc.get("closed_as") in SIDE_EXITS
        if accepted is not None and deadline is not None and not ended_aside:
            if first is not None or deadline < now:
                self.due += 1
                if first is not None and first <= deadline:
                    self.resolved_on_time += 1
        for follow_up in doc.get("follow_ups") or []:
            self.follow_ups += 1
            self.content += follow_up.get("satisfaction") in CONTENT

    def summary(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "responded": self.responded,
            "response_rate": _rate(self.responded, self.submitted),
            "due": self.due,
            "resolved_on_time": self.resolved_on_time,
            "resolution_rate": _rate(self.resolved_on_time, self.due),
            "follow_ups": self.follow_ups,
            "satisfied": self.content,
            "satisfaction_rate": _rate(self.content, self.follow_ups),
            "avg_hours_to_accept": _mean(self.hours_to_accept),
            "avg_hours_to_resolve": _mean(self.hours_to_resolve),
            "overdue": self.due - self.resolved_on_time,
        }


def _working_days(earlier: datetime, later: datetime, zone: ZoneInfo) -> int:
    return working_days_between(earlier.astimezone(zone).date(), later.astimezone(zone).date())


def _hours(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def month_of(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m")


def months(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included."""
    year, month = (int(part) for part in first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_start(month: str, zone: ZoneInfo) -> datetime:
    """00:00 local time of the month's first day."""
    year, number = (int(part) for part in month.split("-"))
    return datetime.combine(date(year, number, 1), datetime.min.time(), tzinfo=zone)


def next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def previous_months(month: str, count: int) -> str:
    """The month `count` months before `month`."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def monthly(
    docs: Iterable[Document], first: str, last: str, *, now: datetime, tz: str
) -> dict[str, Any]:
    """Each month's figures from `first` to `last` (months without requests too), and the
    figures over the whole range."""
    zone = ZoneInfo(tz)
    tallies = {month: Tally() for month in months(first, last)}
    total = Tally()
    for doc in docs:
        tally = tallies.get(month_of(doc["submitted_at"], zone))
        if tally is None:
            continue
        tally.add(doc, now, zone)
        total.add(doc, now, zone)
    return {
        "months": [{"month": month, **tally.summary()} for month, tally in tallies.items()],
        "total": total.summary(),
    }
