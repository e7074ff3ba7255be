"""Merging two registrations of one person: both histories on the kept member, once."""

from datetime import UTC, date, datetime

import pytest
from nats.js import JetStreamContext

from services.registry.domain import merge
from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import MembersMerged, MemberStatusChanged, PointsChanged
from shared.contracts.rpc import Conflict, Invalid, NotFound
from tests.integration.registry.conftest import Registry
from tests.integration.registry.record_support import (
    activity_completed,
    credit,
    credited,
    publish,
    record,
    register,
)

pytestmark = pytest.mark.integration


def merging(kept: str, merged: str) -> commands.MergeMembers:
    return commands.MergeMembers(
        kept_member_id=kept, merged_member_id=merged, reason="同一人两次登记"
    )


async def test_a_merge_keeps_both_histories_once(
    registry: Registry, js: JetStreamContext, subdistrict: str
) -> None:
    kept_member = await register(registry, 0, tags=["party_member"])
    other_member = await register(registry, 1, tags=["old_soldier"])
    kept, other = kept_member["id"], other_member["id"]
    # Both registrations were credited for the same activity: one person served once.
    await publish(js, subdistrict, activity_completed(subdistrict, "shared", {kept: 3, other: 3}))
    await credit(registry, kept, "p-1", 2, date(2026, 3, 1))
    moved = (await credit(registry, other, "p-2", 4, date(2026, 3, 2)))["entry"]
    await registry.call(
        commands.REDEEM_POINTS,
        commands.RedeemPoints(member_id=other, points=10, reason="兑换", reference="x-1"),
    )
    asked = await registry.call(
        commands.REQUEST_CORRECTION,
        commands.RequestCorrection(
            member_id=other, record_id=moved["record_id"], hours=5, reason="少记了一小时"
        ),
    )
    await credited(registry, other, "shared")
    duplicate = next(
        e for e in (await record(registry, other))["entries"] if e["source_id"] == "shared"
    )

    result = await registry.call(commands.MERGE_MEMBERS, merging(kept, other))
    assert result["dropped_duplicate_record_ids"] == [duplicate["record_id"]]
    assert result["total_hours"] == 9 and not result["already_merged"]
    assert result["points_balance"] == 50 + 60 - 30  # the duplicate's points are not kept

    mine = await record(registry, kept)
    by_source = {e["source_id"]: e for e in mine["entries"]}
    assert sorted(by_source) == ["p-1", "p-2", "shared"]
    assert by_source["p-2"]["merged_from"] == other and by_source["p-1"]["merged_from"] is None
    assert by_source["p-2"]["record_id"] == moved["record_id"]
    assert mine["merged_from"] == [other]
    redirected = await record(registry, other)
    assert redirected["member_id"] == kept and redirected["total_hours"] == 9

    merged_doc = await registry.runtime.db["members"].find_one({"_id": other})
    assert merged_doc is not None
    assert merged_doc["status"] == "merged" and merged_doc["merged_into"] == kept
    kept_doc = await registry.runtime.db["members"].find_one({"_id": kept})
    assert kept_doc is not None and kept_doc["tags"] == ["party_member", "old_soldier"]

    [event] = await registry.events.wait_for(MembersMerged)
    assert event.kept_member_id == kept and event.merged_member_id == other
    assert event.merged_volunteer_no == other_member["volunteer_no"]
    [status] = await registry.events.wait_for(MemberStatusChanged, lambda e: e.status == "merged")
    assert status.member_id == other and status.previous == "active"
    [joined] = await registry.events.wait_for(PointsChanged, lambda e: e.kind == "correction")
    assert joined.member_id == kept and joined.delta == 30
    assert f"合并 {other_member['volunteer_no']}" in joined.reason

    # The pending correction moved with its entry and is decided on the kept member.
    decided = await registry.call(
        commands.DECIDE_CORRECTION,
        commands.DecideCorrection(
            member_id=kept, correction_id=asked["correction_id"], decision="approve"
        ),
    )
    assert decided["total_hours"] == 10
    # Hours for the old registration now reach the kept one.
    await publish(js, subdistrict, activity_completed(subdistrict, "later", {other: 1}))
    await credited(registry, kept, "later")

    again = await registry.call(commands.MERGE_MEMBERS, merging(kept, other))
    assert again["already_merged"] and again["total_hours"] == 11
    third = (await register(registry, 2))["id"]
    with pytest.raises(Conflict):
        await registry.call(commands.MERGE_MEMBERS, merging(third, other))
    with pytest.raises(Conflict):
        await registry.call(commands.MERGE_MEMBERS, merging(other, third))
    with pytest.raises(Invalid):
        await registry.call(commands.MERGE_MEMBERS, merging(third, third))
    with pytest.raises(NotFound) as missing:
        await registry.call(commands.MERGE_MEMBERS, merging(third, "nobody"))
    assert missing.value.details[0].loc == ["merged_member_id"]
    assert len(registry.events.of(MembersMerged)) == 1


async def test_a_merge_cut_short_after_its_first_write_is_finished_by_asking_again(
    registry: Registry,
) -> None:
    kept, other = [(await register(registry, n))["id"] for n in range(2)]
    await credit(registry, other, "p-1", 4, date(2026, 3, 2))
    step = merge.Merge(
        kept_id=kept,
        merged_id=other,
        reason="同一人两次登记",
        by="user:x",
        at=datetime.now(UTC),
        on=date.today(),
        points_entry_id="pm",
    )
    # Only the first write happened (the process died before the second).
    await registry.runtime.aggregates("members").update(
        other, lambda d: (merge.mark_merged(d, step)[0], [])
    )
    assert (await record(registry, kept))["total_hours"] == 0

    done = await registry.call(commands.MERGE_MEMBERS, merging(kept, other))
    assert done["total_hours"] == 4 and not done["already_merged"]
    assert [e["merged_from"] for e in (await record(registry, kept))["entries"]] == [other]
    await registry.events.wait_for(MembersMerged)
