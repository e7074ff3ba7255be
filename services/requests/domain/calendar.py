"""Working days of China's official calendar, and the deadlines they make. Pure.

Holidays and the adjusted working days (调休: a Saturday or Sunday worked to make a holiday
longer) come from `chinese_calendar`, which follows the State Council's notice each year. A
year it has no data for yet (the notice comes out in November) counts Monday to Friday,
and says so in the log: a deadline that far ahead is rare, and better approximate than
refused.
"""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)


def is_working_day(day: date) -> bool:
    try:
        working: bool = chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("no official calendar for %s yet: counting Monday to Friday", day.year)
        return day.weekday() < 5
    return working


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (not counting `start` itself)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(earlier: date, later: date) -> int:
    """Working days after `earlier` up to and including `later` (0 for the same day)."""
    count, day = 0, earlier
    while day < later:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """24:00 local time of `day` (as the next day's 00:00), the moment a deadline falls."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def deadline(
    accepted_at: datetime, *, same_day: bool, working_days: int | None, tz: str
) -> datetime:
    """When a request accepted at `accepted_at` is due: the end of that local day (an
    emergency), or the end of the `working_days`-th working day after it. A request accepted
    on a holiday counts from the next working day the same way: day 1 is the first working
    day after the acceptance."""
    zone = ZoneInfo(tz)
    local = accepted_at.astimezone(zone).date()
    if same_day or not working_days:
        return end_of_day(local, zone)
    return end_of_day(add_working_days(local, working_days), zone)


def extended(current: datetime, working_days: int, tz: str) -> datetime:
    """A deadline moved by `working_days` more working days."""
    zone = ZoneInfo(tz)
    last_day = (current.astimezone(zone) - timedelta(microseconds=1)).date()
    return end_of_day(add_working_days(last_day, working_days), zone)
