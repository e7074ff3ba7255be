from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.requests.domain.calendar import (
    add_working_days,
    deadline,
    extended,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_national_day_holiday_and_its_adjusted_saturday() -> None:
    # 2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked (调休).
    assert is_working_day(date(2025, 9, 28))
    assert not is_working_day(date(2025, 10, 1))
    assert is_working_day(date(2025, 10, 11))
    # Accepted Tuesday 30 September: day 1 is Thursday 9 October, day 3 the adjusted
    # Saturday 11 October.
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    accepted = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    due = deadline(accepted, same_day=False, working_days=3, tz="Asia/Shanghai")
    assert due == datetime(2025, 10, 12, 0, 0, tzinfo=SHANGHAI)


def test_same_day_ends_at_local_midnight_whatever_the_utc_date() -> None:
    accepted = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # 01:30 on 3 March in Shanghai
    due = deadline(accepted, same_day=True, working_days=None, tz="Asia/Shanghai")
    assert due == datetime(2026, 3, 4, 0, 0, tzinfo=SHANGHAI)


def test_working_days_between_and_extension() -> None:
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Friday -> Monday
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 6)) == 0
    due = datetime(2026, 3, 10, 0, 0, tzinfo=SHANGHAI)  # the end of Monday 9 March
    assert extended(due, 2, "Asia/Shanghai") == datetime(2026, 3, 12, 0, 0, tzinfo=SHANGHAI)


def test_a_year_without_official_data_counts_monday_to_friday() -> None:
    assert is_working_day(date(2031, 1, 6))  # a Monday
    assert not is_working_day(date(2031, 1, 4))  # a Saturday
