"""A partner unit's activity without an organising team: the service record names the unit."""

from datetime import timedelta

import pytest

from shared.contracts.commands import activities as commands
from shared.contracts.events.activities import ActivityCompleted
from shared.contracts.events.registry import PartnerUnitRegistered
from tests.integration.activities.conftest import Activities
from tests.integration.activities.signup_support import (
    COMMUNITY,
    movable_clock,
    next_saturday_9am,
    published_activity,
    register_members,
    role,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_partner_units_repair_day_is_recorded_under_the_units_name(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = PartnerUnitRegistered(
        partner_id="dianxi-wanjia", name="电系万家", kind="college_team", community_ids=[COMMUNITY]
    )
    await activities.publish(partner, subject="dianxi-wanjia")
    await eventually(
        lambda: activities.runtime.db["partners"].find_one({"_id": "dianxi-wanjia"}),
        what="the partner unit in the projection",
    )
    await register_members(activities, ["student-1"])
    starts = next_saturday_9am()
    clock = movable_clock(monkeypatch, starts - timedelta(days=1))
    await published_activity(
        activities, "repair-day", starts, roles=[role("fix", 5)], partner_unit_ids=["dianxi-wanjia"]
    )
    clock.at = starts + timedelta(hours=3)
    line = commands.RosterLine(member_id="student-1", role_id="fix", hours=2)
    await activities.call(
        commands.ENTER_ROSTER, commands.EnterRoster(activity_id="repair-day", lines=[line])
    )
    await activities.call(
        commands.COMPLETE_ACTIVITY,
        commands.CompleteActivity(activity_id="repair-day", summary="修好了 12 台小家电"),
    )

    (completed,) = await activities.events.wait_for(
        ActivityCompleted, where=lambda e: e.activity_id == "repair-day"
    )
    assert completed.organiser == "电系万家"
    assert [(v.member_id, v.hours) for v in completed.volunteers] == [("student-1", 2.0)]
