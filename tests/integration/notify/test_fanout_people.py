"""Who the fan-out tells, by the default rules: the resident (or whoever entered the request),
the one who entered a wish, the member a star is for, the community's admins; a resident
reached by proxy through their volunteer's inbox; an activity's audience; group robots only
for group notices; each integrator once per event."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.contracts.envelope import CloudEvent
from shared.contracts.events.activities import ActivityPublished, ActivityView
from shared.contracts.events.common import Location
from shared.contracts.events.registry import StarLevelReached
from shared.contracts.events.requests import (
    Claimant,
    RequestCreated,
    RequestEscalated,
    RequestResolved,
    WishClaimed,
    WishSubmitted,
)
from tests.integration.notify.conftest import Notify
from tests.integration.notify.fanout_world import (
    CHANNELS,
    PHONE,
    delivered,
    deliveries,
    inbox,
    member,
    preferences,
    projected,
    quantang,
    team,
    told,
)

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)


@pytest.fixture
def notify_overrides() -> dict[str, Any]:
    return dict(CHANNELS)


async def request(
    notify: Notify, request_id: str, *, resident: str | None, entered_by: str | None
) -> None:
    created = RequestCreated(
        request_id=request_id,
        kind="repair",
        title="楼道灯不亮",
        location=Location(community_id="c1", compound_id="k1", building_id="b1"),
        channel="via_volunteer",
        urgency="normal",
        submitted_at=NOW,
        entered_by=entered_by,
        resident_member_id=resident,
    )
    await notify.publish(created, subject=request_id)
    await projected(notify, "requests", request_id, title="楼道灯不亮")


async def resolved(notify: Notify, request_id: str) -> CloudEvent:
    data = RequestResolved(
        request_id=request_id, community_id="c1", kind="repair", title="楼道灯不亮", resolved_at=NOW
    )
    return await notify.publish(data, subject=request_id)


async def test_a_resolved_request_tells_its_resident_and_their_proxy_volunteer(
    notify: Notify,
) -> None:
    await quantang(notify)
    await member(notify, "r1", name="王**")
    await member(notify, "v1", building="b2", name="张*")
    await projected(notify, "members", "v1", status="active")
    await preferences(notify, "r1", channels=["inbox"], via_member_id="v1")
    await request(notify, "req1", resident="r1", entered_by="user:a-v1")

    event = await resolved(notify, "req1")
    item = await told(notify, event.id, "member:v1")
    items = await inbox(notify, event.id)
    assert set(items) == {"member:r1", "member:v1"}  # not the account that entered it
    assert items["member:r1"]["zh"]["title"] == "诉求已办结：楼道灯不亮"
    assert item["zh"]["title"] == "【代收】王**：诉求已办结：楼道灯不亮"
    assert item["en"]["title"].startswith("[For 王**] ")
    assert item["proxy_for"] == "r1" and items["member:r1"]["proxy_for"] is None
    # The webhook, last written: the volunteer got the inbox only, no delivery of their own.
    made = await delivered(notify, event.id, "webhook:crm", "webhook")
    assert set(made) == {("webhook:crm", "webhook")}


async def test_without_a_resident_member_the_account_that_entered_it_is_told(
    notify: Notify,
) -> None:
    await request(notify, "req2", resident=None, entered_by="user:a9")
    event = await resolved(notify, "req2")
    item = await told(notify, event.id, "account:a9")
    assert item["community_id"] == "c1"
    assert set(await inbox(notify, event.id)) == {"account:a9"}


async def test_a_claimed_wish_tells_whoever_entered_it(notify: Notify) -> None:
    submitted = WishSubmitted(
        wish_id="w1", community_id="c1", title="想要一台收音机", entered_by="user:a7"
    )
    await notify.publish(submitted, subject="w1")
    claimed = WishClaimed(
        wish_id="w1",
        community_id="c1",
        claimant=Claimant(type="partner", id="p1", name="泉韵诊所"),
        title="想要一台收音机",
    )
    event = await notify.publish(claimed, subject="w1")
    item = await told(notify, event.id, "account:a7")
    assert item["zh"]["title"] == "微心愿被认领：想要一台收音机"
    assert set(await inbox(notify, event.id)) == {"account:a7"}


async def test_a_star_tells_the_member_on_their_channels_and_no_group_robot(
    notify: Notify,
) -> None:
    await quantang(notify)  # m1 lives in b1, whose group has a robot
    await preferences(notify, "m1", channels=["inbox", "sms"], phone=PHONE, quiet_hours=None)
    star = StarLevelReached(
        member_id="m1", volunteer_no="QTm1", level=2, threshold_hours=100, total_hours=101
    )
    event = await notify.publish(star, subject="m1")
    made = await delivered(notify, event.id, "webhook:crm", "webhook")
    items = await inbox(notify, event.id)
    assert set(items) == {"member:m1"}
    # The event names no community: the member's home one files it.
    assert items["member:m1"]["community_id"] == "c1"
    assert set(made) == {("member:m1", "sms"), ("webhook:crm", "webhook")}
    assert made[("member:m1", "sms")]["community_id"] == "c1"
    assert made[("member:m1", "sms")]["title"] == "恭喜您成为2星志愿者"
    payload = made[("webhook:crm", "webhook")]["payload"]
    assert payload["event_id"] == event.id and payload["event_type"] == "StarLevelReached"
    assert payload["recipient"] == "webhook:crm" and PHONE not in str(payload)


async def test_an_escalated_request_reaches_the_admins_desk_and_the_staff_group(
    notify: Notify,
) -> None:
    await request(notify, "req3", resident=None, entered_by="user:a9")
    escalated = RequestEscalated(
        request_id="req3", community_id="c1", deadline=NOW - timedelta(days=2)
    )
    event = await notify.publish(escalated, subject="req3")
    made = await delivered(notify, event.id, "webhook:crm", "webhook")
    items = await inbox(notify, event.id)
    assert set(items) == {"role:community_admin@community:c1"}
    assert items["role:community_admin@community:c1"]["zh"]["title"] == "督办：楼道灯不亮"
    assert set(made) == {("robot:c1-staff", "wecom_robot"), ("webhook:crm", "webhook")}
    assert made[("robot:c1-staff", "wecom_robot")]["address"] == "c1-staff"


async def test_a_published_activity_reaches_its_compound_and_its_teams(notify: Notify) -> None:
    await quantang(notify)
    await member(notify, "x1", building=None, compound="k2", name="钱**")  # another compound
    await team(notify, "t1", ["x1"])
    await team(notify, "t1a", ["x2"], parent="t1")  # a sub-squad: x2 known only from it
    await projected(notify, "team_members", "t1a:x2", current=True)
    activity = ActivityView(
        activity_id="act1",
        title="义诊",
        activity_type="health_check",
        status="published",
        community_id="c1",
        compound_id="k1",
        place="海德小区广场",
        starts_at=NOW + timedelta(days=3),
        ends_at=NOW + timedelta(days=3, hours=2),
        target_group="elders",
        organiser_team_ids=["t1"],
        participant_capacity=30,
    )
    event = await notify.publish(ActivityPublished(activity=activity), subject="act1")
    made = await delivered(notify, event.id, "webhook:crm", "webhook")
    items = await inbox(notify, event.id)
    # k1's residents (m4 left), the team and its sub-squad.
    assert set(items) == {"member:m1", "member:m2", "member:m3", "member:x1", "member:x2"}
    assert items["member:m3"]["zh"]["title"] == "活动报名：义诊"
    # The building group's robot posts only what concerns its building (not a compound's).
    assert set(made) == {("webhook:crm", "webhook")}


async def test_an_activity_entered_after_it_ended_is_announced_to_nobody(notify: Notify) -> None:
    await quantang(notify)
    held = ActivityView(
        activity_id="past1",
        title="上月义诊",
        activity_type="health_check",
        status="published",
        community_id="c1",
        compound_id="k1",
        place="海德小区广场",
        starts_at=NOW - timedelta(days=30),
        ends_at=NOW - timedelta(days=30) + timedelta(hours=2),
        target_group="elders",
        participant_capacity=30,
    )
    past = await notify.publish(ActivityPublished(activity=held), subject="past1")
    coming = held.model_copy(
        update={
            "activity_id": "next1",
            "title": "下周义诊",
            "starts_at": NOW + timedelta(days=7),
            "ends_at": NOW + timedelta(days=7, hours=2),
        }
    )
    upcoming = await notify.publish(ActivityPublished(activity=coming), subject="next1")
    # One consumer, in stream order: once the later one is told, the earlier was handled.
    await told(notify, upcoming.id, "member:m1")
    assert await inbox(notify, past.id) == {}
    assert await deliveries(notify, past.id) == {}
