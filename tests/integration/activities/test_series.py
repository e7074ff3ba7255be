"""Recurring activities: a weekly anti-fraud series of four, an open-ended one the
scheduler keeps extending (driven here with its own `now`), "this one" vs "all future"."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.activities.activity_handlers import parts
from shared.contracts.commands import activities as commands
from shared.contracts.events.activities import ActivityPublished, ActivityUpdated
from shared.contracts.rpc import Invalid
from tests.integration.activities.conftest import Activities
from tests.integration.activities.core_support import SATURDAY, plan

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def activities_overrides() -> dict[str, Any]:
    return {"scheduler_interval_s": 3600.0, "series_horizon_days": 28}


def series(**overrides: Any) -> commands.CreateSeries:
    fields = plan(
        title="防诈骗快板宣讲", activity_type="clapper_talk_show", target_group="elders"
    ).model_dump(exclude={"activity_id", "publish"})
    return commands.CreateSeries.model_validate({**fields, **overrides})


async def occurrences(activities: Activities, series_id: str) -> list[dict[str, Any]]:
    found = activities.runtime.db["activities"].find({"series_id": series_id})
    return sorted([doc async for doc in found], key=lambda d: d["occurrence"])


async def test_a_weekly_series_of_four(activities: Activities) -> None:
    rule = commands.SeriesRule(weekdays=[6], count=4)
    answer = await activities.call(
        commands.CREATE_SERIES, series(series_id="fraud", rule=rule, publish=True)
    )
    assert answer["finished"] is True
    assert [a["activity_id"] for a in answer["activities"]] == [
        "fraud-001",
        "fraud-002",
        "fraud-003",
        "fraud-004",
    ]
    docs = await occurrences(activities, "fraud")
    assert [d["starts_at"] for d in docs] == [SATURDAY + timedelta(weeks=n) for n in range(4)]
    assert {d["status"] for d in docs} == {"published"}
    assert len({d["check_in_code"] for d in docs}) >= 2  # each its own code
    await activities.events.wait_for(ActivityPublished, count=4)
    # The scheduler, however far ahead, makes no fifth.
    core = parts(activities.runtime, activities.settings)
    assert await core.series.tick(SATURDAY + timedelta(days=365)) == {}
    assert len(await occurrences(activities, "fraud")) == 4


async def test_every_other_week_until_a_date(activities: Activities) -> None:
    rule = commands.SeriesRule(weekdays=[6, 7], interval_weeks=2, until=date(2031, 4, 5))
    answer = await activities.call(commands.CREATE_SERIES, series(series_id="tw", rule=rule))
    days = [
        datetime.fromisoformat(a["starts_at"]).astimezone(SHANGHAI).date()
        for a in answer["activities"]
    ]
    assert days == [
        date(2031, 3, 8),
        date(2031, 3, 9),
        date(2031, 3, 22),
        date(2031, 3, 23),
        date(2031, 4, 5),
    ]
    assert {a["status"] for a in answer["activities"]} == {"draft"}


async def test_the_first_occurrence_must_be_on_a_rule_weekday(activities: Activities) -> None:
    with pytest.raises(Invalid) as caught:
        await activities.call(
            commands.CREATE_SERIES,
            series(rule=commands.SeriesRule(weekdays=[1, 3], count=3)),  # Saturday is neither
        )
    assert caught.value.details[0].loc == ["rule", "weekdays"]


def next_tuesday(today: date) -> date:
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def expected(first: date, through: date) -> list[date]:
    return [
        first + timedelta(days=n)
        for n in range((through - first).days + 1)
        if (first + timedelta(days=n)).isoweekday() in (2, 4)
    ]


async def test_an_open_ended_series_is_extended_by_the_scheduler_exactly_once(
    activities: Activities,
) -> None:
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    first = next_tuesday(today)
    starts = datetime.combine(first, time(19, 0), tzinfo=SHANGHAI)
    body = series(
        series_id="open",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1, minutes=30),
        rule=commands.SeriesRule(weekdays=[2, 4]),
        publish=True,
    )
    answer = await activities.call(commands.CREATE_SERIES, body)
    assert answer["finished"] is False
    made = [
        d["starts_at"].astimezone(SHANGHAI).date() for d in await occurrences(activities, "open")
    ]
    assert made == expected(first, first + timedelta(days=28))  # 4 weeks past its start

    core = parts(activities.runtime, activities.settings)
    a_week_on = now + timedelta(days=7)
    created = await core.series.tick(a_week_on)
    docs = await occurrences(activities, "open")
    assert [d["starts_at"].astimezone(SHANGHAI).date() for d in docs] == expected(
        first, max(today + timedelta(days=7), first) + timedelta(days=28)
    )
    assert created["open"] == [d["_id"] for d in docs[len(made) :]]
    assert [d["_id"] for d in docs] == [f"open-{n:03d}" for n in range(1, len(docs) + 1)]
    assert all(d["starts_at"].astimezone(SHANGHAI).time() == time(19, 0) for d in docs)

    # Again at the same moment, or after a pass that died before recording what it made:
    # nothing is created twice.
    assert await core.series.tick(a_week_on) == {}
    store = activities.runtime.aggregates("series")
    await store.update("open", lambda s: ({**s, "occurrences": 0, "finished": False}, []))
    assert await core.series.tick(a_week_on) == {}
    assert len(await occurrences(activities, "open")) == len(docs)
    assert (await store.get("open"))["occurrences"] == len(docs)


async def test_this_one_or_all_future(activities: Activities) -> None:
    rule = commands.SeriesRule(weekdays=[6], count=4)
    await activities.call(commands.CREATE_SERIES, series(series_id="ff", rule=rule, publish=True))
    await activities.call(
        commands.CANCEL_ACTIVITY, commands.CancelActivity(activity_id="ff-004", reason="清明节")
    )
    this_one = await activities.call(
        commands.UPDATE_ACTIVITY, commands.UpdateActivity(activity_id="ff-002", title="特别场")
    )
    assert this_one["also_updated"] == []
    moved = SATURDAY + timedelta(weeks=1, minutes=30)  # f-002 at 09:30 instead of 09:00
    answer = await activities.call(
        commands.UPDATE_ACTIVITY,
        commands.UpdateActivity(
            activity_id="ff-002",
            apply_to="all_future",
            starts_at=moved,
            ends_at=moved + timedelta(hours=2),
            place="泉韵社区广场",
        ),
    )
    assert answer["also_updated"] == ["ff-003"]  # f-004 was cancelled: history stays
    docs = {d["_id"]: d for d in await occurrences(activities, "ff")}
    assert [docs[i]["title"] for i in ("ff-001", "ff-002", "ff-003")] == [
        "防诈骗快板宣讲",
        "特别场",
        "防诈骗快板宣讲",
    ]
    assert docs["ff-001"]["place"] == "泉韵社区活动室"
    assert docs["ff-003"]["place"] == "泉韵社区广场"
    assert docs["ff-003"]["starts_at"] == SATURDAY + timedelta(weeks=2, minutes=30)
    assert docs["ff-004"]["place"] == "泉韵社区活动室"
    assert docs["ff-004"]["starts_at"] == SATURDAY + timedelta(weeks=3)
    updated = await activities.events.wait_for(
        ActivityUpdated, lambda e: e.activity.place == "泉韵社区广场", count=2
    )
    assert sorted(e.activity.activity_id for e in updated) == ["ff-002", "ff-003"]
    template = await activities.runtime.aggregates("series").get("ff")
    assert template["template"]["place"] == "泉韵社区广场"
    assert template["shift_start_s"] == 1800


async def test_generated_occurrences_follow_an_all_future_edit(activities: Activities) -> None:
    now = datetime.now(UTC)
    first = next_tuesday(now.astimezone(SHANGHAI).date())
    starts = datetime.combine(first, time(19, 0), tzinfo=SHANGHAI)
    body = series(
        series_id="gg",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        rule=commands.SeriesRule(weekdays=[2]),
    )
    await activities.call(commands.CREATE_SERIES, body)
    before = await occurrences(activities, "gg")
    last = before[-1]
    await activities.call(
        commands.UPDATE_ACTIVITY,
        commands.UpdateActivity(
            activity_id=last["_id"],
            apply_to="all_future",
            ends_at=last["ends_at"] + timedelta(minutes=30),
            participant_capacity=50,
        ),
    )
    core = parts(activities.runtime, activities.settings)
    await core.series.tick(now + timedelta(days=21))
    after = await occurrences(activities, "gg")
    new = after[len(before) :]
    through = max(now.astimezone(SHANGHAI).date() + timedelta(days=21), first)
    assert len(new) == (through + timedelta(days=28) - first).days // 7 + 1 - len(before)
    assert len(new) >= 2
    assert all(d["participant_capacity"] == 50 for d in new)
    assert all(d["ends_at"] - d["starts_at"] == timedelta(hours=1, minutes=30) for d in new)
    assert all(d["starts_at"].astimezone(SHANGHAI).time() == time(19, 0) for d in new)
    assert before[0]["participant_capacity"] == 20


async def test_all_future_needs_a_series(activities: Activities) -> None:
    await activities.call(commands.CREATE_ACTIVITY, plan(activity_id="lone"))
    with pytest.raises(Invalid) as caught:
        await activities.call(
            commands.UPDATE_ACTIVITY,
            commands.UpdateActivity(activity_id="lone", apply_to="all_future", title="x"),
        )
    assert caught.value.details[0].loc == ["apply_to"]
