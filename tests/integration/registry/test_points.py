"""Time-bank points: deposits from hours, withdrawals once per exchange, the statement."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import PointsChanged
from shared.contracts.rpc import Conflict
from tests.integration.registry.conftest import Registry
from tests.integration.registry.record_support import credit, register

pytestmark = pytest.mark.integration


async def redeem(registry: Registry, member_id: str, points: int, reference: str) -> dict[str, Any]:
    body = commands.RedeemPoints(
        member_id=member_id, points=points, reason="兑换大米一袋", reference=reference
    )
    return dict(await registry.call(commands.REDEEM_POINTS, body))


async def statement(registry: Registry, member_id: str, **dates: date) -> dict[str, Any]:
    body = commands.PointsStatement(member_id=member_id, **dates)
    return dict(await registry.call(commands.POINTS_STATEMENT, body))


async def test_points_are_deposited_withdrawn_once_and_the_statement_balances(
    registry: Registry,
) -> None:
    member = (await register(registry, 0))["id"]
    await credit(registry, member, "p-1", 3, date(2026, 3, 1))
    await credit(registry, member, "p-2", 2, date(2026, 3, 2))
    first = await redeem(registry, member, 25, "exchange-1")
    again = await redeem(registry, member, 25, "exchange-1")
    assert first["created"] and not again["created"]
    assert again["entry"]["entry_id"] == first["entry"]["entry_id"]
    assert again["points_balance"] == 25
    with pytest.raises(Conflict) as short:
        await redeem(registry, member, 26, "exchange-2")
    assert short.value.details[0].loc == ["points"] and "25" in short.value.message

    moves = await registry.events.wait_for(PointsChanged, count=3)
    assert [(e.kind, e.delta, e.balance) for e in moves] == [
        ("deposit", 30, 30),
        ("deposit", 20, 50),
        ("withdrawal", -25, 25),
    ]

    whole = await statement(registry, member)
    assert [(e["delta"], e["balance"]) for e in whole["entries"]] == [(30, 30), (20, 50), (-25, 25)]
    assert whole["opening_balance"] == 0 and whole["closing_balance"] == 25
    assert whole["deposits"] == 50 and whole["withdrawals"] == 25
    today = datetime.now(ZoneInfo(registry.settings.time_zone)).date()
    later = await statement(registry, member, from_date=today + timedelta(days=1))
    earlier = await statement(registry, member, to_date=today - timedelta(days=1))
    for sheet in (whole, later, earlier):
        movements = sum(e["delta"] for e in sheet["entries"])
        assert sheet["opening_balance"] + movements == sheet["closing_balance"]
    assert later["opening_balance"] == 25 and later["entries"] == []
    assert earlier["closing_balance"] == 0 and earlier["entries"] == []
