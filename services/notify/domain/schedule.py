"""When a delivery goes out: now, at the end of the member's quiet hours, or with the daily
digest. Reckoned in the subdistrict's local time (settings.time_zone). Pure.

- urgent: now, whatever the hour (an emergency request goes through at 2 a.m.);
- normal: now, unless inside quiet hours: then at their end (08:00);
- low: with the daily digest (settings.digest_at) for members who chose it, else as normal.
A digest time that falls inside quiet hours moves to their end."""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from services.notify.domain.preferences import Effective


class ScheduleSettings(Protocol):
    """What planning needs of NotifySettings."""

    time_zone: str
    digest_at: str


def parse_clock(text: str) -> time:
    """ "HH:MM" (validated by the contracts and settings) as a time of day."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _to_utc(at: datetime) -> datetime:
    """UTC to the millisecond, as the store keeps datetimes."""
    at = at.astimezone(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _at(day: date, clock: time, zone: tzinfo | None) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


def quiet_end_after(local: datetime, start: time | None, end: time | None) -> datetime | None:
    """The end of the quiet hours `local` falls in (same zone), or None when it is outside
    them. `start == end` or either None: no quiet hours. A window may wrap midnight
    (21:00–08:00) or lie within one day (12:00–14:00); the end itself is not quiet."""
    if start is None or end is None or start == end:
        return None
    clock, zone = local.time(), local.tzinfo
    if start < end:  # within one day
        return _at(local.date(), end, zone) if start <= clock < end else None
    if clock >= start:  # wraps midnight: the evening part ends tomorrow morning
        return _at(local.date() + timedelta(days=1), end, zone)
    if clock < end:  # the early-morning part ends this morning
        return _at(local.date(), end, zone)
    return None


def next_digest(local: datetime, digest_at: time) -> datetime:
    """Today's digest time if not yet past (this very minute counts), else tomorrow's."""
    today = _at(local.date(), digest_at, local.tzinfo)
    if today >= local:
        return today
    return _at(local.date() + timedelta(days=1), digest_at, local.tzinfo)


def plan(
    now: datetime, priority: str, effective: Effective, settings: ScheduleSettings
) -> tuple[datetime, bool]:
    """(due_at in UTC, digest) for one delivery planned at `now` (tz-aware)."""
    if priority == "urgent":
        return _to_utc(now), False
    zone = ZoneInfo(settings.time_zone)
    local = now.astimezone(zone)
    start = parse_clock(effective.quiet_start) if effective.quiet_start else None
    end = parse_clock(effective.quiet_end) if effective.quiet_end else None
    if priority == "low" and effective.digest:
        at = next_digest(local, parse_clock(settings.digest_at))
        return _to_utc(quiet_end_after(at, start, end) or at), True
    quiet_end = quiet_end_after(local, start, end)
    return _to_utc(quiet_end or now), False
