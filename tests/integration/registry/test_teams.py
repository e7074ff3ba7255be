"""Teams over the registry's commands: 惠管家 and its sub-squads, who joins and leaves with
which role, the history of it, and the tree of teams with member counts."""

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import (
    TeamCreated,
    TeamUpdated,
    VolunteerJoinedTeam,
    VolunteerLeftTeam,
)
from shared.contracts.rpc import Conflict, Invalid, NotFound
from tests.integration.registry.conftest import Registry
from tests.integration.registry.test_org_units import Unchecked, add_member, create

pytestmark = pytest.mark.integration

SQUADS = ("先锋", "巾帼", "老兵", "平安", "健康", "小管家")


async def gaolin(registry: Registry) -> None:
    """泉韵 community with its general branch; 高林仕家 with its branch; 海德公元 without."""
    await create(
        registry,
        kind="community",
        name="泉韵社区",
        unit_id="quanyun",
        party_branch={"name": "泉韵社区党总支"},
    )
    await create(
        registry,
        kind="compound",
        name="高林仕家",
        unit_id="gaolin",
        parent_id="quanyun",
        party_branch={"name": "高林仕家小区党支部"},
    )
    await create(registry, kind="compound", name="海德公元", unit_id="haide", parent_id="quanyun")
    await create(registry, kind="building", name="1栋", unit_id="gaolin-1", parent_id="gaolin")
    await create(
        registry,
        kind="community",
        name="星港社区",
        unit_id="xinggang",
        party_branch={"name": "星港社区党总支"},
    )


async def team(registry: Registry, **fields: Any) -> dict[str, Any]:
    created: dict[str, Any] = await registry.call(
        commands.CREATE_TEAM, commands.CreateTeam(**fields)
    )
    return created


async def join(registry: Registry, team_id: str, member_id: str, **fields: Any) -> dict[str, Any]:
    joined: dict[str, Any] = await registry.call(
        commands.JOIN_TEAM, commands.JoinTeam(team_id=team_id, member_id=member_id, **fields)
    )
    return joined


async def huiguanjia(registry: Registry) -> dict[str, str]:
    """惠管家 under the 高林仕家 branch, its six sub-squads, and 先锋一组 below 先锋."""
    await gaolin(registry)
    await team(
        registry,
        name="惠管家",
        team_id="huiguanjia",
        community_id="quanyun",
        party_branch_unit_id="gaolin",
    )
    ids = {"惠管家": "huiguanjia"}
    for name in SQUADS:
        ids[name] = (await team(registry, name=name, parent_id="huiguanjia"))["id"]
    ids["先锋一组"] = (await team(registry, name="先锋一组", parent_id=ids["先锋"]))["id"]
    return ids


async def test_huiguanjia_has_six_subsquads_and_squads_below_them(registry: Registry) -> None:
    ids = await huiguanjia(registry)
    leader, deputy, *volunteers = [await add_member(registry, f"刘{i}号") for i in range(6)]
    await join(registry, "huiguanjia", leader, role="leader")
    await join(registry, "huiguanjia", deputy, role="deputy")
    await join(registry, ids["先锋"], volunteers[0], role="leader")
    await join(registry, ids["先锋"], volunteers[1])
    await join(registry, ids["先锋一组"], volunteers[1])  # in a squad and in the one below
    await join(registry, ids["先锋一组"], volunteers[2])
    await join(registry, ids["健康"], volunteers[3])
    await join(registry, ids["健康"], leader)  # the team's leader serves in a squad too

    top = await registry.call(commands.GET_TEAM, commands.GetTeam(team_id="huiguanjia"))
    first = await registry.call(commands.GET_TEAM, commands.GetTeam(team_id=ids["先锋一组"]))
    tree = await registry.call(commands.GET_TEAM_TREE, commands.GetTeamTree(community_id="quanyun"))
    branch = await registry.call(commands.GET_TEAM_TREE, commands.GetTeamTree(team_id=ids["先锋"]))

    assert [s["name"] for s in top["subsquads"]] == list(SQUADS)
    assert top["leader_ids"] == [leader] and top["deputy_ids"] == [deputy]
    assert top["party_branch_unit_id"] == "gaolin" and top["path"] == []
    assert first["path"] == ["huiguanjia", ids["先锋"]] and first["community_id"] == "quanyun"
    assert first["parent_id"] == ids["先锋"] and first["subsquads"] == []
    [root] = tree["teams"]
    assert [c["name"] for c in root["children"]] == list(SQUADS)
    assert root["member_count"] == 2 and root["total_member_count"] == 6
    vanguard = root["children"][0]
    assert vanguard["member_count"] == 2 and vanguard["total_member_count"] == 3
    assert vanguard["leader_ids"] == [volunteers[0]]
    assert [c["name"] for c in vanguard["children"]] == ["先锋一组"]
    assert vanguard["children"][0]["member_count"] == 2
    assert root["children"][4]["total_member_count"] == 2  # 健康
    assert [t["id"] for t in branch["teams"]] == [ids["先锋"]]
    assert branch["teams"][0]["total_member_count"] == 3

    created = await registry.events.wait_for(TeamCreated, count=8)
    [deepest] = [e.team for e in created if e.team.name == "先锋一组"]
    assert deepest.path == ["huiguanjia", ids["先锋"]] and deepest.community_id == "quanyun"
    assert deepest.parent_id == ids["先锋"]


async def test_the_team_tree_by_community_and_the_subdistrict_teams(registry: Registry) -> None:
    await huiguanjia(registry)
    await team(
        registry, name="邻里帮帮团", community_id="xinggang", party_branch_unit_id="xinggang"
    )
    # A subdistrict-wide team may sit under any community's general branch.
    await team(registry, name="泉塘街道志愿服务总队", party_branch_unit_id="xinggang")

    quanyun_teams = await registry.call(
        commands.GET_TEAM_TREE, commands.GetTeamTree(community_id="quanyun")
    )
    xinggang_teams = await registry.call(
        commands.GET_TEAM_TREE, commands.GetTeamTree(community_id="xinggang")
    )
    every_team = await registry.call(commands.GET_TEAM_TREE, commands.GetTeamTree())

    assert [t["name"] for t in quanyun_teams["teams"]] == ["惠管家"]
    assert [t["name"] for t in xinggang_teams["teams"]] == ["邻里帮帮团"]
    assert [t["name"] for t in every_team["teams"]] == [
        "惠管家",
        "邻里帮帮团",
        "泉塘街道志愿服务总队",
    ]
    assert every_team["teams"][2]["community_id"] is None
    with pytest.raises(NotFound):
        await registry.call(commands.GET_TEAM_TREE, commands.GetTeamTree(team_id="nowhere"))
    with pytest.raises(NotFound):
        await registry.call(commands.GET_TEAM, commands.GetTeam(team_id="nowhere"))


async def test_joining_leaving_and_rejoining_keep_the_history(registry: Registry) -> None:
    ids = await huiguanjia(registry)
    squad = ids["巾帼"]
    li = await add_member(registry, "李秀英", phone="13900000404")
    wang = await add_member(registry, "王芳")

    await join(registry, squad, li, joined_on=date(2025, 3, 1))
    promoted = await join(registry, squad, li, role="leader", joined_on=date(2025, 6, 1))
    again = await join(registry, squad, li, role="leader")  # the same: nothing happens
    left = await registry.call(
        commands.LEAVE_TEAM,
        commands.LeaveTeam(
            team_id=squad, member_id=li, left_on=date(2025, 9, 1), reason="搬家到外地"
        ),
    )
    back = await join(registry, squad, li, joined_on=date(2025, 10, 1))
    await join(registry, squad, wang)  # today, in the subdistrict's time zone

    assert promoted["leader_ids"] == [li] and again["revision"] == promoted["revision"]
    assert left["leader_ids"] == [] and back["leader_ids"] == []
    shown = await registry.call(commands.GET_TEAM, commands.GetTeam(team_id=squad))
    today = datetime.now(ZoneInfo(registry.settings.time_zone)).date().isoformat()
    assert [
        (m["member_id"], m["role"], m["joined_on"], m["left_on"]) for m in shown["members"]
    ] == [
        (li, "leader", "2025-03-01", "2025-09-01"),
        (li, "member", "2025-10-01", None),
        (wang, "member", today, None),
    ]
    first = shown["members"][0]
    assert first["name"] == "李**" and first["volunteer_no"].startswith("QT")
    assert first["role_since"] == "2025-06-01" and first["left_reason"] == "搬家到外地"

    await registry.events.wait_for(VolunteerJoinedTeam, where=lambda e: e.member_id == wang)
    # One team's events are published in order: by wang's joining, all of li's are here
    # (the repeated joining published nothing).
    joins = [e for e in registry.events.of(VolunteerJoinedTeam) if e.member_id == li]
    assert [(e.role, e.joined_on.isoformat()) for e in joins] == [
        ("member", "2025-03-01"),
        ("leader", "2025-03-01"),  # a role change: the membership still dates from March
        ("member", "2025-10-01"),
    ]
    assert joins[0].team_path == ["huiguanjia"]
    [gone] = await registry.events.wait_for(VolunteerLeftTeam)
    assert gone.member_id == li and gone.left_on == date(2025, 9, 1) and gone.reason == "搬家到外地"
    published = [envelope.model_dump_json() for envelope, _ in registry.events.seen]
    assert not [e for e in published if "13900000404" in e or "李秀英" in e]


async def test_who_may_join_and_when_one_may_leave(registry: Registry) -> None:
    ids = await huiguanjia(registry)
    squad = ids["平安"]
    active = await add_member(registry, "赵强")
    await join(registry, squad, active, joined_on=date(2025, 5, 1))

    for status in ("suspended", "left", "merged"):
        other = await add_member(registry, "钱芳", status=status)
        with pytest.raises(Conflict, match=status):
            await join(registry, squad, other)
    with pytest.raises(Invalid) as unknown:
        await join(registry, squad, "nobody")
    assert [d.loc for d in unknown.value.details] == [["member_id"]]
    with pytest.raises(NotFound):
        await join(registry, "nowhere", active)
    with pytest.raises(Invalid) as early:
        await registry.call(
            commands.LEAVE_TEAM,
            commands.LeaveTeam(team_id=squad, member_id=active, left_on=date(2025, 4, 30)),
        )
    assert [d.loc for d in early.value.details] == [["left_on"]]
    await registry.call(
        commands.LEAVE_TEAM,
        commands.LeaveTeam(team_id=squad, member_id=active, left_on=date(2025, 8, 1)),
    )
    with pytest.raises(Conflict, match="not a current member"):
        await registry.call(
            commands.LEAVE_TEAM, commands.LeaveTeam(team_id=squad, member_id=active)
        )
    with pytest.raises(Invalid) as rejoin:
        await join(registry, squad, active, joined_on=date(2025, 7, 1))
    assert [d.loc for d in rejoin.value.details] == [["joined_on"]]
    with pytest.raises(Invalid) as role:
        body = {"team_id": squad, "member_id": active, "role": "captain"}
        await registry.call(commands.JOIN_TEAM, Unchecked(fields=body))
    assert [d.loc for d in role.value.details] == [["role"]]

    shown = await registry.call(commands.GET_TEAM, commands.GetTeam(team_id=squad))
    assert [(m["joined_on"], m["left_on"]) for m in shown["members"]] == [
        ("2025-05-01", "2025-08-01")
    ]


BAD_TEAMS: list[tuple[str, dict[str, Any], list[str | int]]] = [
    ("community unknown", {"community_id": "nowhere"}, ["community_id"]),
    ("community is a compound", {"community_id": "gaolin"}, ["community_id"]),
    ("parent unknown", {"parent_id": "nowhere"}, ["parent_id"]),
    (
        "sub-squad in another community",
        {"parent_id": "huiguanjia", "community_id": "xinggang"},
        ["community_id"],
    ),
    (
        "branch of a building",
        {"community_id": "quanyun", "party_branch_unit_id": "gaolin-1"},
        ["party_branch_unit_id"],
    ),
    (
        "compound without a branch",
        {"community_id": "quanyun", "party_branch_unit_id": "haide"},
        ["party_branch_unit_id"],
    ),
    (
        "branch of another community",
        {"community_id": "quanyun", "party_branch_unit_id": "xinggang"},
        ["party_branch_unit_id"],
    ),
    (
        "sub-squad under another community's branch",
        {"parent_id": "huiguanjia", "party_branch_unit_id": "xinggang"},
        ["party_branch_unit_id"],
    ),
    ("branch unknown", {"party_branch_unit_id": "nowhere"}, ["party_branch_unit_id"]),
    ("an id that is not a slug", {"team_id": "Hui Guan Jia"}, ["team_id"]),
    ("no name", {"name": ""}, ["name"]),
]


@pytest.mark.parametrize(
    ("fields", "loc"), [case[1:] for case in BAD_TEAMS], ids=[case[0] for case in BAD_TEAMS]
)
async def test_bad_teams_are_invalid_naming_the_field(
    registry: Registry, fields: dict[str, Any], loc: list[str | int]
) -> None:
    await gaolin(registry)
    await team(registry, name="惠管家", team_id="huiguanjia", community_id="quanyun")

    with pytest.raises(Invalid) as raised:
        await registry.call(commands.CREATE_TEAM, Unchecked(fields={"name": "新队", **fields}))

    assert loc in [detail.loc for detail in raised.value.details]
    assert await registry.runtime.db["teams"].count_documents({}) == 1


async def test_taken_team_ids_and_names_are_conflicts(registry: Registry) -> None:
    ids = await huiguanjia(registry)
    # The same name in another place is another team.
    await team(registry, name="先锋", community_id="quanyun")
    await team(registry, name="惠管家", community_id="xinggang")

    with pytest.raises(Conflict, match="taken"):
        await team(registry, name="别的队", team_id="huiguanjia", community_id="quanyun")
    with pytest.raises(Conflict, match="惠管家"):
        await team(registry, name="惠管家", community_id="quanyun")
    with pytest.raises(Conflict, match="巾帼"):
        await team(registry, name="巾帼", parent_id="huiguanjia")
    with pytest.raises(Conflict, match="巾帼"):
        await registry.call(
            commands.UPDATE_TEAM, commands.UpdateTeam(team_id=ids["老兵"], name="巾帼")
        )


async def test_updating_a_team_names_what_changed(registry: Registry) -> None:
    ids = await huiguanjia(registry)

    same = await registry.call(
        commands.UPDATE_TEAM, commands.UpdateTeam(team_id="huiguanjia", name="惠管家")
    )
    changed = await registry.call(
        commands.UPDATE_TEAM,
        commands.UpdateTeam(
            team_id=ids["老兵"],
            name="老兵突击队",
            party_branch_unit_id="quanyun",
            description="退役军人志愿者",
            expected_revision=1,
        ),
        actor="user:tl-1",
    )

    assert same["revision"] == 1
    assert changed["revision"] == 2 and changed["updated_by"] == "user:tl-1"
    assert changed["name"] == "老兵突击队" and changed["party_branch_unit_id"] == "quanyun"
    [update] = await registry.events.wait_for(TeamUpdated)
    assert update.team.team_id == ids["老兵"] and update.team.path == ["huiguanjia"]
    assert update.changed == ["name", "party_branch_unit_id", "description"]
    with pytest.raises(Conflict, match="revision 2"):
        await registry.call(
            commands.UPDATE_TEAM,
            commands.UpdateTeam(team_id=ids["老兵"], name="老兵", expected_revision=1),
        )
    with pytest.raises(Invalid) as raised:
        await registry.call(
            commands.UPDATE_TEAM,
            commands.UpdateTeam(team_id=ids["老兵"], party_branch_unit_id="haide"),
        )
    assert [d.loc for d in raised.value.details] == [["party_branch_unit_id"]]
    with pytest.raises(NotFound):
        await registry.call(commands.UPDATE_TEAM, commands.UpdateTeam(team_id="nowhere", name="x"))


async def test_ten_volunteers_joining_at_once_all_land(registry: Registry) -> None:
    ids = await huiguanjia(registry)
    squad = ids["小管家"]
    people = [await add_member(registry, f"周{i}号") for i in range(10)]

    await asyncio.gather(*(join(registry, squad, member_id) for member_id in people))

    shown = await registry.call(commands.GET_TEAM, commands.GetTeam(team_id=squad))
    assert sorted(m["member_id"] for m in shown["members"]) == sorted(people)
    joined = await registry.events.wait_for(
        VolunteerJoinedTeam, where=lambda e: e.team_id == squad, count=10
    )
    assert sorted(e.member_id for e in joined) == sorted(people)
