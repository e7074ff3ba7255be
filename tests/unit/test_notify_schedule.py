"""When a delivery goes out: urgent at once, normal after quiet hours, low with the digest
for those who chose it; in the subdistrict's local time."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notify.domain.preferences import Effective
from services.notify.domain.schedule import plan

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Settings:
    time_zone: str = "Asia/Shanghai"
    digest_at: str = "18:00"


def effective(
    quiet: tuple[str, str] | None = ("21:00", "08:00"), *, digest: bool = False
) -> Effective:
    return Effective(
        channels=["email"],
        language="zh-CN",
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
        digest=digest,
    )


def local(day: int, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (local(10, 2), local(10, 8)),  # 02:00 -> 08:00 the same morning
        (local(10, 22), local(11, 8)),  # 22:00 -> 08:00 the next morning
        (local(10, 21), local(11, 8)),  # the start itself is quiet
        (local(10, 8), local(10, 8)),  # 08:00 exactly: quiet hours are over
        (local(10, 7, 59), local(10, 8)),
        (local(10, 12), local(10, 12)),  # daytime: now
        (local(10, 20, 59), local(10, 20, 59)),
    ],
)
def test_normal_waits_for_the_end_of_quiet_hours(now: datetime, due: datetime) -> None:
    assert plan(now, "normal", effective(), Settings()) == (due, False)


def test_the_planned_time_is_utc() -> None:
    due, _ = plan(local(10, 2), "normal", effective(), Settings())
    assert due == datetime(2026, 3, 10, 0, 0, tzinfo=UTC) and due.tzinfo == UTC


def test_urgent_goes_through_quiet_hours() -> None:
    now = local(10, 2)
    assert plan(now, "urgent", effective(), Settings()) == (now, False)
    assert plan(now, "urgent", effective(digest=True), Settings()) == (now, False)


def test_no_quiet_hours_means_any_hour() -> None:
    now = local(10, 2)
    assert plan(now, "normal", effective(None), Settings()) == (now, False)
    assert plan(now, "normal", effective(("08:00", "08:00")), Settings()) == (now, False)


def test_a_quiet_window_within_one_day() -> None:
    siesta = effective(("12:00", "14:00"))
    assert plan(local(10, 13), "normal", siesta, Settings()) == (local(10, 14), False)
    assert plan(local(10, 11, 59), "normal", siesta, Settings())[0] == local(10, 11, 59)
    assert plan(local(10, 14), "normal", siesta, Settings())[0] == local(10, 14)
    assert plan(local(10, 23), "normal", siesta, Settings())[0] == local(10, 23)


def test_low_goes_to_the_next_digest_for_members_who_chose_it() -> None:
    chose = effective(digest=True)
    assert plan(local(10, 9), "low", chose, Settings()) == (local(10, 18), True)
    assert plan(local(10, 18), "low", chose, Settings()) == (local(10, 18), True)
    assert plan(local(10, 19), "low", chose, Settings()) == (local(11, 18), True)
    # At 02:00 the day's digest is still ahead.
    assert plan(local(10, 2), "low", chose, Settings()) == (local(10, 18), True)


def test_low_without_digest_is_like_normal() -> None:
    assert plan(local(10, 2), "low", effective(), Settings()) == (local(10, 8), False)
    assert plan(local(10, 9), "low", effective(), Settings()) == (local(10, 9), False)


def test_a_digest_time_inside_quiet_hours_moves_to_their_end() -> None:
    late = Settings(digest_at="22:00")
    chose = effective(digest=True)
    assert plan(local(10, 9), "low", chose, late) == (local(11, 8), True)
    early = Settings(digest_at="06:30")
    assert plan(local(10, 9), "low", chose, early) == (local(11, 8), True)
    assert plan(local(10, 3), "low", chose, early) == (local(10, 8), True)


def test_another_time_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    settings = Settings(time_zone="Europe/Berlin")
    now = local(10, 2, zone=berlin)  # 09:00 in Shanghai: quiet only in Berlin
    assert plan(now, "normal", effective(), settings) == (local(10, 8, zone=berlin), False)
    assert plan(now, "normal", effective(), Settings()) == (now, False)
    # Over the spring change (29 March 2026), 08:00 is still 08:00 local.
    night = datetime(2026, 3, 29, 1, 30, tzinfo=berlin)
    due, _ = plan(night, "normal", effective(), settings)
    assert due.astimezone(berlin) == datetime(2026, 3, 29, 8, 0, tzinfo=berlin)
    assert due - night.astimezone(UTC) == timedelta(hours=5, minutes=30)
