"""Stats for a small known world: two communities, three members, one team with a squad."""

from datetime import date
from typing import Any

import pytest

from shared.contracts.commands import registry as commands
from shared.contracts.commands.registry import HomeIn
from shared.contracts.rpc import Invalid, NotFound
from tests.integration.registry.conftest import Registry
from tests.integration.registry.record_support import credit, register

pytestmark = pytest.mark.integration


def team(team_id: str, path: list[str], members: list[tuple[str, str | None]]) -> dict[str, Any]:
    """A team document as the org part stores it (team_members.py)."""
    return {
        "_id": team_id,
        "name": team_id,
        "community_id": "quanyun",
        "parent_id": path[-1] if path else None,
        "path": path,
        "party_branch_unit_id": None,
        "description": "",
        "leader_ids": [],
        "deputy_ids": [],
        "members": [
            {
                "member_id": m,
                "role": "member",
                "joined_on": "2026-01-01",
                "left_on": left,
                "left_reason": None,
            }
            for m, left in members
        ],
        "version": 1,
        "revision": 1,
        "outbox": [],
        "has_outbox": False,
    }


async def stats(registry: Registry, **query: Any) -> dict[str, Any]:
    return dict(await registry.call(commands.GET_STATS, commands.GetStats(**query)))


async def test_stats_of_a_small_known_world(registry: Registry) -> None:
    q1 = (await register(registry, 0, tags=["party_member", "old_cadre"]))["id"]
    q2 = (await register(registry, 1, tags=["party_member"]))["id"]
    home = HomeIn(community_id="xinggang", compound_id="pingguo", building_id="pingguo-1")
    x1 = (await register(registry, 2, home=home))["id"]
    await credit(registry, q1, "p-1", 2, date(2026, 1, 10))
    await credit(registry, q1, "p-2", 3, date(2026, 2, 10))
    for n in range(5):
        await credit(registry, x1, f"x-{n}", 20, date(2026, 3, 1 + n))
    await registry.call(
        commands.CHANGE_MEMBER_STATUS,
        commands.ChangeMemberStatus(member_id=q2, status="left", reason="搬离社区"),
    )
    await registry.runtime.db["teams"].insert_many(
        [
            team("wulaohong", [], [(q1, None)]),
            team("wulaohong-1", ["wulaohong"], [(x1, None), (q2, "2026-02-01")]),
        ]
    )

    everything = await stats(registry)
    totals = everything["totals"]
    assert totals["members"] == 3
    assert totals["by_status"] == {"active": 2, "suspended": 0, "left": 1, "merged": 0}
    assert totals["by_tag"] == {"old_cadre": 1, "party_member": 2}
    assert totals["by_star_level"] == {"0": 2, "1": 1, "2": 0, "3": 0, "4": 0, "5": 0}
    assert totals["hours"] == {
        "total": 105.0,
        "by_month": {"2026-01": 2.0, "2026-02": 3.0, "2026-03": 100.0},
    }
    communities = {c["community_id"]: c for c in everything["communities"]}
    assert sorted(communities) == ["quanyun", "xinggang"]
    assert communities["quanyun"]["name"] == "泉韵社区"
    assert communities["quanyun"]["members"] == 2 and communities["quanyun"]["hours"]["total"] == 5
    assert communities["xinggang"]["by_star_level"]["1"] == 1

    quanyun = await stats(
        registry, community_id="quanyun", month_from="2026-02", month_to="2026-02"
    )
    assert "communities" not in quanyun
    assert quanyun["totals"]["members"] == 2
    assert quanyun["totals"]["hours"] == {"total": 3.0, "by_month": {"2026-02": 3.0}}

    squads = await stats(registry, team_id="wulaohong")  # the team and its sub-squad
    assert squads["totals"]["members"] == 2 and squads["totals"]["hours"]["total"] == 105
    squad = await stats(registry, team_id="wulaohong-1")
    assert squad["totals"]["members"] == 1 and squad["totals"]["by_star_level"]["1"] == 1

    with pytest.raises(NotFound) as outside:
        await stats(registry, team_id="wulaohong", community_id="xinggang")
    assert outside.value.details[0].loc == ["team_id"]
    with pytest.raises(Invalid) as backwards:
        await stats(registry, month_from="2026-03", month_to="2026-01")
    assert backwards.value.details[0].loc == ["month_to"]
