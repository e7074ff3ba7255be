"""Which dates a weekly rule gives, and which occurrences are due (no I/O)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.activities.domain import series
from shared.contracts.commands.activities import SeriesRule

pytestmark = pytest.mark.unit
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tuesday 2031-03-04, 19:00 in Shanghai.
FIRST = datetime(2031, 3, 4, 11, 0, tzinfo=UTC)


def take(rule: SeriesRule, first: date, n: int = 50) -> list[date]:
    return [day for _, day in zip(range(n), series.dates(rule, first), strict=False)]


def test_weekly_on_two_weekdays_from_the_first_date() -> None:
    rule = SeriesRule(weekdays=[4, 2], count=5)
    assert take(rule, date(2031, 3, 6)) == [  # a Thursday: that week's Tuesday is before it
        date(2031, 3, 6),
        date(2031, 3, 11),
        date(2031, 3, 13),
        date(2031, 3, 18),
        date(2031, 3, 20),
    ]


def test_every_third_week_until_a_date_inclusive() -> None:
    rule = SeriesRule(weekdays=[2], interval_weeks=3, until=date(2031, 4, 15))
    assert take(rule, date(2031, 3, 4)) == [date(2031, 3, 4), date(2031, 3, 25), date(2031, 4, 15)]


def test_without_an_end_it_runs_on() -> None:
    assert len(take(SeriesRule(weekdays=[7]), date(2031, 3, 9), n=300)) == 300


def test_the_first_date_must_be_one_of_the_weekdays_and_until_not_before_it() -> None:
    errors = series.rule_errors(SeriesRule(weekdays=[1], until=date(2031, 3, 1)), date(2031, 3, 4))
    assert [e.loc for e in errors] == [["rule", "weekdays"], ["rule", "until"]]
    assert "Tuesday" in errors[0].msg
    assert series.rule_errors(SeriesRule(weekdays=[2]), date(2031, 3, 4)) == []


def a_series(**overrides: Any) -> dict[str, Any]:
    return {
        "_id": "fraud",
        "template": {"starts_at": FIRST, "ends_at": FIRST + timedelta(hours=1, minutes=30)},
        "rule": SeriesRule(weekdays=[2, 4]).model_dump(mode="json"),
        "occurrences": 0,
        **overrides,
    }


def test_due_occurrences_keep_the_time_of_day_and_length() -> None:
    found, exhausted = series.due(a_series(), SHANGHAI, date(2031, 3, 13))
    assert not exhausted
    assert [o.n for o in found] == [1, 2, 3, 4]
    assert [o.starts_at.astimezone(SHANGHAI).date().day for o in found] == [4, 6, 11, 13]
    assert all(o.starts_at.astimezone(SHANGHAI).hour == 19 for o in found)
    assert all(o.ends_at - o.starts_at == timedelta(hours=1, minutes=30) for o in found)


def test_only_those_not_yet_created_are_due_moved_by_the_shifts() -> None:
    doc = a_series(occurrences=3, shift_start_s=1800, shift_end_s=3600)
    found, _ = series.due(doc, SHANGHAI, date(2031, 3, 13))
    (fourth,) = found
    assert fourth.n == 4
    assert fourth.starts_at.astimezone(SHANGHAI).strftime("%d %H:%M") == "13 19:30"
    assert fourth.ends_at - fourth.starts_at == timedelta(hours=2)


def test_a_counted_series_is_exhausted_after_its_last() -> None:
    doc = a_series(rule=SeriesRule(weekdays=[2], count=4).model_dump(mode="json"))
    found, exhausted = series.due(doc, SHANGHAI, date(2032, 1, 1))
    assert ([o.n for o in found], exhausted) == ([1, 2, 3, 4], True)
    assert series.due({**doc, "occurrences": 4}, SHANGHAI, date(2032, 1, 1)) == ([], True)


def test_a_long_way_behind_catches_up_over_several_passes() -> None:
    found, exhausted = series.due(a_series(), SHANGHAI, date(2033, 1, 1))
    assert (len(found), exhausted) == (series.MAX_PER_PASS, False)


def test_occurrence_ids_and_the_horizon() -> None:
    assert series.occurrence_id("fraud", 7) == "fraud-007"
    now = datetime(2031, 1, 1, 20, 0, tzinfo=UTC)  # 2 January in Shanghai
    assert series.horizon(a_series(), now, SHANGHAI, 56) == date(2031, 3, 4) + timedelta(days=56)
    later = datetime(2031, 6, 1, 0, 0, tzinfo=UTC)
    assert series.horizon(a_series(), later, SHANGHAI, 7) == date(2031, 6, 8)
