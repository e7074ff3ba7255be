"""Hours credited from ActivityCompleted (once, however often it arrives), by hand from paper
records, and the star levels they reach."""

import json
from datetime import date

import pytest
from nats.js import JetStreamContext

from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import (
    PointsChanged,
    ServiceHoursCredited,
    StarLevelReached,
)
from shared.contracts.rpc import Conflict, NotFound
from tests.integration.registry.conftest import ADMIN, Registry
from tests.integration.registry.record_support import (
    activity_completed,
    credit,
    credited,
    dead_letters,
    publish,
    record,
    register,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration


async def test_activity_completed_twice_and_replayed_credits_once(
    registry: Registry, js: JetStreamContext, subdistrict: str
) -> None:
    first, second = [(await register(registry, n))["id"] for n in range(2)]
    event = activity_completed(
        subdistrict, "act-1", {first: 3.0, "nobody-registered": 2.0, second: 1.5, "x0": 0}
    )
    await publish(js, subdistrict, event)
    await publish(js, subdistrict, event, msg_id=event.id + "-again")  # a second delivery
    replay = activity_completed(subdistrict, "act-1", {first: 3.0, second: 1.5})  # new id
    await publish(js, subdistrict, replay)
    marker = activity_completed(subdistrict, "act-2", {first: 1.0}, title="敲门行动")
    await publish(js, subdistrict, marker)

    await credited(registry, first, "act-2")  # the consumer takes events in order
    mine = await record(registry, first)
    assert [(e["source_id"], e["hours"]) for e in mine["entries"]] == [
        ("act-2", 1.0),
        ("act-1", 3.0),
    ]
    assert mine["total_hours"] == 4.0 and mine["points_balance"] == 40
    theirs = await record(registry, second)  # the unknown member did not stop the others
    assert theirs["total_hours"] == 1.5 and len(theirs["entries"]) == 1
    entry = theirs["entries"][0]
    assert entry["served_on"] == "2026-05-02"  # the start's date in Shanghai
    assert entry["organiser"] == "五老红志愿服务队" and entry["approver"] == "user:organiser"
    assert entry["content"] == "助老理发"

    credits = [
        (envelope, data)
        for envelope, data in registry.events.seen
        if isinstance(data, ServiceHoursCredited) and data.source_id == "act-1"
    ]
    assert sorted(data.member_id for _, data in credits) == sorted([first, second])
    for envelope, _ in credits:
        assert envelope.causationid == event.id
        assert envelope.correlationid == event.correlationid
    deposits = [e for e in registry.events.of(PointsChanged) if e.member_id == first]
    assert [e.delta for e in deposits] == [30, 10]


async def test_malformed_activity_completed_goes_to_the_dead_letters(
    registry: Registry, js: JetStreamContext, subdistrict: str
) -> None:
    member = await register(registry, 0)
    event = activity_completed(subdistrict, "act-bad", {member["id"]: 1.0})
    raw = event.model_dump(mode="json")
    raw["data"]["volunteers"][0]["hours"] = 0.3  # not a half-hour step
    await js.publish(
        "rv." + subdistrict + ".evt.activities.activity.completed.v1",
        json.dumps(raw).encode(),
        headers={"Nats-Msg-Id": event.id},
    )
    letters = await eventually(
        lambda: dead_letters(js, subdistrict), until=lambda r: len(r) == 1, what="a dead letter"
    )
    assert letters[0]["consumer"] == "registry_credits"
    assert "volunteers.0.hours" in letters[0]["error"]
    assert (await record(registry, member["id"]))["entries"] == []


async def test_crossing_100_hours_reaches_one_star_exactly_once(
    registry: Registry, js: JetStreamContext, subdistrict: str
) -> None:
    member = (await register(registry, 0))["id"]
    for n in range(5):
        await publish(js, subdistrict, activity_completed(subdistrict, f"long-{n}", {member: 20}))
    [reached] = await registry.events.wait_for(
        StarLevelReached, where=lambda e: e.member_id == member
    )
    assert reached.level == 1 and reached.total_hours == 100 and reached.threshold_hours == 100
    # More hours, and the same activity again: both written and published before we count.
    await publish(js, subdistrict, activity_completed(subdistrict, "long-0", {member: 20}))
    await publish(js, subdistrict, activity_completed(subdistrict, "more", {member: 2}))
    await credited(registry, member, "more")
    assert len(registry.events.of(StarLevelReached)) == 1
    mine = await record(registry, member)
    assert mine["star_level"] == 1 and mine["total_hours"] == 102
    assert [s["level"] for s in mine["stars"]] == [1]


async def test_five_stars_wait_for_approval(registry: Registry) -> None:
    member = (await register(registry, 0))["id"]
    for n in range(62):  # 62 x 24 h = 1488 h
        await credit(registry, member, f"paper-{n}", 24, date(2024, 1, 1))
    last = await credit(registry, member, "paper-last", 12, date(2024, 1, 2))
    assert last["total_hours"] == 1500 and last["star_level"] == 4
    assert last["star_pending"] == [5]
    await registry.events.wait_for(StarLevelReached, count=4)
    assert sorted(e.level for e in registry.events.of(StarLevelReached)) == [1, 2, 3, 4]

    with pytest.raises(Conflict) as not_pending:
        await registry.call(commands.APPROVE_STAR, commands.ApproveStar(member_id=member, level=4))
    assert not_pending.value.details[0].loc == ["level"]
    approved = await registry.call(
        commands.APPROVE_STAR, commands.ApproveStar(member_id=member, level=5)
    )
    assert approved["star_level"] == 5 and approved["star_pending"] == []
    [five] = await registry.events.wait_for(StarLevelReached, where=lambda e: e.level == 5)
    assert five.approved_by == ADMIN
    with pytest.raises(Conflict):
        await registry.call(commands.APPROVE_STAR, commands.ApproveStar(member_id=member, level=5))


async def test_a_paper_record_with_the_same_reference_credits_once(registry: Registry) -> None:
    member = (await register(registry, 0))["id"]
    first = await credit(registry, member, "2019-簿-17", 3.5, date(2019, 6, 1))
    again = await credit(registry, member, "2019-簿-17", 3.5, date(2019, 6, 1))
    assert first["created"] and not again["created"]
    assert again["entry"]["record_id"] == first["entry"]["record_id"]
    assert again["total_hours"] == 3.5 and again["points_balance"] == 35
    assert first["entry"]["source"] == "manual" and first["entry"]["approver"] == ADMIN
    await registry.events.wait_for(PointsChanged)
    await credit(registry, member, "2019-簿-18", 1, date(2019, 6, 2))
    await credited(registry, member, "2019-簿-18")
    assert len(registry.events.of(ServiceHoursCredited)) == 2

    period = await record(registry, member, served_from=date(2019, 6, 2))
    assert period["period_hours"] == 1 and period["total_hours"] == 4.5
    with pytest.raises(NotFound):
        await record(registry, "no-such-member")
