"""Recurring activities: which dates a weekly rule gives, and which occurrences are due. No I/O.

The rule is read in the subdistrict's time zone: every `interval_weeks` weeks on `weekdays`
(1 = Monday), counted from the week of the first occurrence, until a date (inclusive) or a
count, or for ever. Occurrence n (1, 2, ...) is the n-th date; its id is fixed by n, so a
scheduler that runs twice creates nothing twice.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.contracts.commands.activities import SeriesRule
from shared.contracts.rpc import FieldError

Document = dict[str, Any]
# One pass of the scheduler creates at most this many occurrences of one series (a series
# started long ago catches up over a few passes instead of in one long write burst).
MAX_PER_PASS = 100
WEEKDAY_NAMES = ("", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Occurrence:
    n: int
    starts_at: datetime
    ends_at: datetime


def occurrence_id(series_id: str, n: int) -> str:
    return f"{series_id}-{n:03d}"


def rule_errors(rule: SeriesRule, first: date) -> list[FieldError]:
    errors = []
    if first.isoweekday() not in rule.weekdays:
        day = WEEKDAY_NAMES[first.isoweekday()]
        msg = f"the first occurrence is on a {day}, not one of the rule's weekdays"
        errors.append(FieldError(loc=["rule", "weekdays"], msg=msg, type="weekday"))
    if rule.until is not None and rule.until < first:
        msg = "the series ends before its first occurrence"
        errors.append(FieldError(loc=["rule", "until"], msg=msg, type="range"))
    return errors


def dates(rule: SeriesRule, first: date) -> Iterator[date]:
    """The rule's dates from `first` on, in order (endless without until or count)."""
    monday = first - timedelta(days=first.weekday())
    weekdays = sorted(set(rule.weekdays))
    given = 0
    week = 0
    while True:
        for weekday in weekdays:
            day = monday + timedelta(weeks=week, days=weekday - 1)
            if day < first:
                continue
            if (rule.until is not None and day > rule.until) or (
                rule.count is not None and given >= rule.count
            ):
                return
            given += 1
            yield day
        week += rule.interval_weeks


def due(series: Document, zone: ZoneInfo, through: date) -> tuple[list[Occurrence], bool]:
    """The occurrences after those created (`series["occurrences"]`) up to the date
    `through`, and whether the rule is then exhausted (nothing more ever to create).

    Times: the first occurrence's time of day and length, then moved by the shifts that
    "all future" edits made (`shift_start_s`, `shift_end_s`)."""
    template = series["template"]
    first_start = template["starts_at"].astimezone(zone)
    length = template["ends_at"] - template["starts_at"]
    shift_start = timedelta(seconds=series.get("shift_start_s", 0))
    shift_end = timedelta(seconds=series.get("shift_end_s", 0))
    rule = SeriesRule.model_validate(series["rule"])
    made = series.get("occurrences", 0)
    found: list[Occurrence] = []
    for n, day in enumerate(dates(rule, first_start.date()), start=1):
        if n <= made:
            continue
        if day > through or len(found) >= MAX_PER_PASS:
            return found, False
        base = datetime.combine(day, first_start.time(), tzinfo=zone).astimezone(UTC)
        found.append(Occurrence(n, base + shift_start, base + length + shift_end))
    return found, True


def horizon(series: Document, now: datetime, zone: ZoneInfo, days: int) -> date:
    """The last date whose occurrences should exist by now: `days` ahead of today, or of
    the first occurrence when the series starts later (a series planned months ahead shows
    its first weeks at once)."""
    first: date = series["template"]["starts_at"].astimezone(zone).date()
    return max(now.astimezone(zone).date(), first) + timedelta(days=days)
