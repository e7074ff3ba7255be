"""Notify's own projections of the other services' events: whole snapshots, a late older event
changing nothing, team memberships, a merged member re-keyed, a request's handler."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.contracts.events.common import Location
from shared.contracts.events.registry import (
    Home,
    MemberProfile,
    MemberRegistered,
    MembersMerged,
    MemberStatusChanged,
    StarLevelReached,
    VolunteerJoinedTeam,
    VolunteerLeftTeam,
)
from shared.contracts.events.requests import (
    Handler,
    RequestCreated,
    RequestDispatched,
    VolunteerAssigned,
)
from tests.integration.notify.conftest import Notify
from tests.integration.notify.fanout_world import (
    member,
    preferences,
    projected,
    team,
    told,
)
from tests.integration.service_harness import publish_event

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)


async def late(notify: Notify, data: Any, subject: str) -> None:
    """An event published an hour ago and delivered only now."""
    await publish_event(
        notify.js, notify.settings.subdistrict, data, subject=subject, at=NOW - timedelta(hours=1)
    )


async def test_a_status_change_that_overtook_the_registration_keeps_its_status(
    notify: Notify,
) -> None:
    suspended = MemberStatusChanged(
        member_id="m1",
        volunteer_no="QT1",
        status="suspended",
        previous="active",
        effective_on=date(2031, 3, 1),
    )
    await notify.publish(suspended, subject="m1")
    profile = MemberProfile(
        member_id="m1",
        volunteer_no="QT1",
        display_name="李**",
        home=Home(community_id="c1", compound_id="k1", building_id="b1", unit="2"),
        skills=[],
        status="active",
    )
    await late(notify, MemberRegistered(member=profile, registered_at=NOW), "m1")
    doc = await projected(notify, "members", "m1", display_name="李**")
    assert doc["status"] == "suspended"
    assert doc["home"] == {"community_id": "c1", "compound_id": "k1", "building_id": "b1"}
    assert doc["home_building_id"] == "b1"


async def test_memberships_join_leave_and_a_late_join_changes_nothing(notify: Notify) -> None:
    await team(notify, "t1", ["m1", "m2"])
    await projected(notify, "team_members", "t1:m2", current=True)
    await notify.publish(
        VolunteerLeftTeam(team_id="t1", member_id="m1", left_on=date(2031, 3, 1)), subject="t1"
    )
    await late(
        notify,
        VolunteerJoinedTeam(
            team_id="t1", team_path=[], member_id="m1", role="member", joined_on=date(2031, 1, 5)
        ),
        "t1",
    )
    await team(notify, "t2", ["m1"])
    # Events are taken in order: once m1 is in t2, the late join was seen and ignored.
    doc = await projected(notify, "members", "m1", teams=["t2"])
    assert doc["teams"] == ["t2"]
    row = await projected(notify, "team_members", "t1:m1", current=False)
    assert row["team_id"] == "t1" and row["role"] == "member"


async def test_a_merged_member_is_re_keyed_to_the_kept_one(notify: Notify) -> None:
    await member(notify, "old", name="李**")
    await member(notify, "kept", name="李**")
    await member(notify, "r1", name="王**")
    await team(notify, "t1", ["old"])
    await projected(notify, "team_members", "t1:old", current=True)
    await preferences(notify, "old", channels=["inbox"], language="en")
    await preferences(notify, "r1", channels=["inbox"], via_member_id="old")

    merged = MembersMerged(
        kept_member_id="kept",
        kept_volunteer_no="QT2",
        merged_member_id="old",
        merged_volunteer_no="QT1",
        total_hours=12,
    )
    await notify.publish(merged, subject="kept")
    await projected(notify, "members", "old", status="merged", merged_into="kept")
    await projected(notify, "team_members", "t1:kept", current=True)
    await projected(notify, "team_members", "t1:old", current=False)
    await projected(notify, "preferences", "kept", language="en")
    await projected(notify, "preferences", "r1", via_member_id="kept")

    # A star credited to the old registration reaches the kept one.
    star = StarLevelReached(
        member_id="old", volunteer_no="QT1", level=1, threshold_hours=10, total_hours=12
    )
    event = await notify.publish(star, subject="old")
    item = await told(notify, event.id, "member:kept")
    assert item["en"]["title"].startswith("Congratulations")


async def test_a_request_knows_its_resident_and_who_handles_it(notify: Notify) -> None:
    created = RequestCreated(
        request_id="q1",
        kind="repair",
        title="水管漏水",
        location=Location(community_id="c1", compound_id="k1"),
        channel="phone",
        urgency="urgent",
        submitted_at=NOW,
        entered_by="user:a1",
        resident_member_id="m5",
    )
    await notify.publish(created, subject="q1")
    dispatched = RequestDispatched(
        request_id="q1", community_id="c1", handler=Handler(type="team", id="t1", name="惠管家")
    )
    await notify.publish(dispatched, subject="q1")
    await projected(notify, "requests", "q1", handler={**dispatched.handler.model_dump()})
    assigned = VolunteerAssigned(
        request_id="q1", community_id="c1", member_id="m7", title="水管漏水", kind="repair"
    )
    await notify.publish(assigned, subject="q1")
    doc = await projected(
        notify,
        "requests",
        "q1",
        handler={"type": "team", "id": "t1", "name": "惠管家", "member_id": "m7"},
    )
    assert doc["resident_member_id"] == "m5" and doc["entered_by"] == "user:a1"
    assert doc["urgency"] == "urgent" and doc["community_id"] == "c1"
