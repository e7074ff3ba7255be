"""Corrections of a service record: asked by a volunteer or leader, decided by an admin."""

from datetime import date
from typing import Any, Literal

import pytest

from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import PointsChanged, ServiceRecordCorrected
from shared.contracts.rpc import Conflict, Invalid, NotFound
from tests.integration.registry.conftest import ADMIN, Registry
from tests.integration.registry.record_support import credit, record, register

pytestmark = pytest.mark.integration

VOLUNTEER = "user:volunteer-1"


async def ask(registry: Registry, member_id: str, record_id: str, **change: Any) -> dict[str, Any]:
    body = commands.RequestCorrection(
        member_id=member_id, record_id=record_id, reason="签到表记错了", **change
    )
    return dict(await registry.call(commands.REQUEST_CORRECTION, body, actor=VOLUNTEER))


async def decide(
    registry: Registry, member_id: str, correction_id: str, decision: Literal["approve", "reject"]
) -> dict[str, Any]:
    body = commands.DecideCorrection(
        member_id=member_id, correction_id=correction_id, decision=decision, note="核对签到表"
    )
    return dict(await registry.call(commands.DECIDE_CORRECTION, body))


async def test_an_approved_correction_changes_the_entry_hours_and_points(
    registry: Registry,
) -> None:
    member = (await register(registry, 0))["id"]
    entry = (await credit(registry, member, "p-1", 3, date(2026, 3, 1)))["entry"]
    asked = await ask(registry, member, entry["record_id"], hours=4.5, content="助老理发（含整理）")
    assert asked["status"] == "pending" and asked["requested_by"] == VOLUNTEER
    with pytest.raises(Conflict):  # one pending correction per entry
        await ask(registry, member, entry["record_id"], hours=5)

    listed = await registry.call(
        commands.LIST_CORRECTIONS, commands.ListCorrections(community_id="quanyun")
    )
    assert [c["correction_id"] for c in listed["items"]] == [asked["correction_id"]]
    assert listed["items"][0]["record"]["hours"] == 3.0
    elsewhere = await registry.call(
        commands.LIST_CORRECTIONS, commands.ListCorrections(community_id="xinggang")
    )
    assert elsewhere["items"] == []

    decided = await decide(registry, member, asked["correction_id"], "approve")
    assert decided["status"] == "approved" and decided["decided_by"] == ADMIN
    assert decided["total_hours"] == 4.5 and decided["points_balance"] == 45
    [changed] = (await record(registry, member))["entries"]
    assert changed["hours"] == 4.5 and changed["content"] == "助老理发（含整理）"
    assert [(h["hours"], h["content"]) for h in changed["history"]] == [(3.0, "纸质记录 p-1")]
    [event] = await registry.events.wait_for(ServiceRecordCorrected)
    assert (event.hours_before, event.hours_after, event.total_hours) == (3.0, 4.5, 4.5)
    assert event.approved_by == ADMIN
    moves = await registry.events.wait_for(PointsChanged, lambda e: e.kind == "correction")
    assert [e.delta for e in moves] == [15]

    with pytest.raises(Conflict):  # decided once
        await decide(registry, member, asked["correction_id"], "reject")
    pending = await registry.call(commands.LIST_CORRECTIONS, commands.ListCorrections())
    assert pending["items"] == []
    approved = await registry.call(
        commands.LIST_CORRECTIONS, commands.ListCorrections(status="approved")
    )
    assert [c["status"] for c in approved["items"]] == ["approved"]


async def test_a_rejected_correction_leaves_the_entry_as_it_was(registry: Registry) -> None:
    member = (await register(registry, 0))["id"]
    entry = (await credit(registry, member, "p-1", 3, date(2026, 3, 1)))["entry"]
    asked = await ask(registry, member, entry["record_id"], hours=8)
    decided = await decide(registry, member, asked["correction_id"], "reject")
    assert decided["status"] == "rejected" and decided["total_hours"] == 3
    [same] = (await record(registry, member))["entries"]
    assert same["hours"] == 3 and same["history"] == []
    again = await ask(registry, member, entry["record_id"], hours=3.5)  # may ask anew
    assert again["status"] == "pending"


async def test_bad_corrections_are_refused_naming_the_field(registry: Registry) -> None:
    member = (await register(registry, 0))["id"]
    entry = (await credit(registry, member, "p-1", 3, date(2026, 3, 1)))["entry"]
    with pytest.raises(NotFound) as missing:
        await ask(registry, member, "no-such-record", hours=2)
    assert missing.value.details[0].loc == ["record_id"]
    assert "no-such-record" in missing.value.message
    with pytest.raises(Invalid) as same:
        await ask(registry, member, entry["record_id"], hours=3)
    assert same.value.details[0].loc == ["hours"]
    with pytest.raises(NotFound):
        await decide(registry, member, "no-such-correction", "approve")


async def test_corrections_page_by_id(registry: Registry) -> None:
    ids = []
    for n in range(3):
        member = (await register(registry, n))["id"]
        entry = (await credit(registry, member, f"p-{n}", 2, date(2026, 3, 1)))["entry"]
        ids.append((await ask(registry, member, entry["record_id"], hours=1))["correction_id"])
    first = await registry.call(commands.LIST_CORRECTIONS, commands.ListCorrections(limit=2))
    assert [c["correction_id"] for c in first["items"]] == ids[:2]
    rest = await registry.call(
        commands.LIST_CORRECTIONS, commands.ListCorrections(limit=2, cursor=first["next_cursor"])
    )
    assert [c["correction_id"] for c in rest["items"]] == ids[2:] and rest["next_cursor"] is None
