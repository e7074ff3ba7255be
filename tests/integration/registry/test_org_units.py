"""The organisation of Quantang over the registry's commands: communities, compounds,
buildings, grids and their "1+3+N", partner units, and the skill list."""

import itertools
import json
from typing import Any

import pytest
from pydantic import BaseModel

from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import OrgUnitCreated, OrgUnitUpdated, PartnerUnitRegistered
from shared.contracts.rpc import Conflict, Invalid, NotFound
from tests.integration.registry.conftest import Registry
from tests.integration.registry.member_support import registration

pytestmark = pytest.mark.integration

OWNERS_PHONE = "13900000101"
PROPERTY_PHONE = "0731-88880001"
PARTNER_PHONE = "13900000202"
# Synthetic people, numbered (member_support makes their ID numbers from the number).
PEOPLE = itertools.count(700_000)


async def add_member(
    registry: Registry, name: str, status: str = "active", phone: str | None = None
) -> str:
    """A member of 泉韵 registered through the registry's own commands, then suspended, left
    or merged into another registration if `status` says so."""
    number = next(PEOPLE)
    home = commands.HomeIn(community_id="quanyun")
    registered = await registry.call(
        commands.REGISTER_MEMBER, registration(number, name=name, phone=phone, home=home)
    )
    member_id: str = registered["id"]
    if status in ("suspended", "left"):
        await registry.call(
            commands.CHANGE_MEMBER_STATUS,
            commands.ChangeMemberStatus.model_validate(
                {"member_id": member_id, "status": status, "reason": "测试用的原因"}
            ),
        )
    elif status == "merged":
        kept = await registry.call(
            commands.REGISTER_MEMBER, registration(next(PEOPLE), name=name, home=home)
        )
        await registry.call(
            commands.MERGE_MEMBERS,
            commands.MergeMembers(
                kept_member_id=kept["id"], merged_member_id=member_id, reason="同一人两次登记"
            ),
        )
    return member_id


async def create(registry: Registry, **fields: Any) -> dict[str, Any]:
    unit: dict[str, Any] = await registry.call(
        commands.CREATE_ORG_UNIT, commands.CreateOrgUnit(**fields)
    )
    return unit


async def quanyun(registry: Registry) -> None:
    """泉韵 community, 海德公元 with its "3" (no people yet), building 1, a grid over it."""
    await create(registry, kind="community", name="泉韵社区", unit_id="quanyun")
    await create(
        registry,
        kind="compound",
        name="海德公元",
        unit_id="haide",
        parent_id="quanyun",
        owners_committee={
            "name": "海德公元业委会",
            "contact_name": "周明",
            "contact_phone": OWNERS_PHONE,
        },
        property_company={
            "name": "海德物业",
            "contact_name": "陈红",
            "contact_phone": PROPERTY_PHONE,
        },
    )
    await create(registry, kind="building", name="1栋", unit_id="haide-1", parent_id="haide")
    await create(
        registry, kind="grid", name="泉韵第一网格", unit_id="quanyun-g1", parent_id="quanyun"
    )


async def test_quantang_organisation_with_its_3_and_n_roles(registry: Registry) -> None:
    await quanyun(registry)
    secretary = await add_member(registry, "李秀英")
    head = await add_member(registry, "王建国")
    worker = await add_member(registry, "张伟")

    compound = await registry.call(
        commands.UPDATE_ORG_UNIT,
        commands.UpdateOrgUnit(
            unit_id="haide",
            party_branch=commands.Branch(name="海德公元党支部", secretary_member_id=secretary),
        ),
        actor="user:ca-quanyun",
    )
    await registry.call(
        commands.UPDATE_ORG_UNIT,
        commands.UpdateOrgUnit(unit_id="haide-1", building_head_ids=[head]),
    )
    await registry.call(
        commands.UPDATE_ORG_UNIT,
        commands.UpdateOrgUnit(
            unit_id="quanyun-g1", grid_worker_id=worker, grid_building_ids=["haide-1"]
        ),
    )

    assert compound["party_branch"]["secretary_member_id"] == secretary
    assert compound["revision"] == 2 and compound["updated_by"] == "user:ca-quanyun"
    assert compound["community_id"] == "quanyun" and compound["compound_id"] == "haide"
    assert "outbox" not in compound and "_id" not in compound and compound["id"] == "haide"

    # Work contacts are shown in full to the signed-in staff who call them.
    shown = await registry.call(commands.GET_ORG_UNIT, commands.GetOrgUnit(unit_id="haide"))
    assert shown["owners_committee"]["contact_phone"] == OWNERS_PHONE
    assert shown["property_company"]["contact_phone"] == PROPERTY_PHONE

    building = await registry.call(commands.GET_ORG_UNIT, commands.GetOrgUnit(unit_id="haide-1"))
    assert building["parent_id"] == "haide" and building["compound_id"] == "haide"
    assert building["community_id"] == "quanyun" and building["building_head_ids"] == [head]

    tree = await registry.call(commands.GET_ORG_TREE, commands.GetOrgTree())
    [community] = tree["communities"]
    [haide] = community["children"]
    [building_node] = haide["children"]
    [grid] = community["grids"]
    assert community["id"] == "quanyun" and haide["name"] == "海德公元"
    assert haide["party_branch"]["secretary"] == {"member_id": secretary, "name": "李**"}
    assert building_node["building_heads"] == [{"member_id": head, "name": "王**"}]
    assert grid["grid_worker"] == {"member_id": worker, "name": "张*"}
    assert grid["grid_building_ids"] == ["haide-1"]

    created = await registry.events.wait_for(OrgUnitCreated, count=4)
    assert {e.unit.unit_id for e in created} == {"quanyun", "haide", "haide-1", "quanyun-g1"}
    [haide_created] = [e for e in created if e.unit.unit_id == "haide"]
    assert haide_created.unit.owners_committee == "海德公元业委会"
    assert haide_created.unit.property_company == "海德物业"
    [branch_set] = await registry.events.wait_for(
        OrgUnitUpdated, where=lambda e: e.unit.unit_id == "haide"
    )
    assert branch_set.changed == ["party_branch"]
    assert branch_set.unit.party_branch is not None
    assert branch_set.unit.party_branch.secretary_member_id == secretary
    [grid_set] = await registry.events.wait_for(
        OrgUnitUpdated, where=lambda e: e.unit.unit_id == "quanyun-g1"
    )
    assert sorted(grid_set.changed) == ["grid_building_ids", "grid_worker_id"]
    published = [envelope.model_dump_json() for envelope, _ in registry.events.seen]
    assert not [e for e in published if OWNERS_PHONE in e or "88880001" in e]


async def test_the_tree_of_one_community(registry: Registry) -> None:
    await quanyun(registry)
    await create(registry, kind="community", name="星港社区", unit_id="xinggang")
    await create(registry, kind="compound", name="苹果小区", unit_id="apple", parent_id="xinggang")

    tree = await registry.call(commands.GET_ORG_TREE, commands.GetOrgTree(community_id="xinggang"))
    everything = await registry.call(commands.GET_ORG_TREE, commands.GetOrgTree())

    assert [c["id"] for c in tree["communities"]] == ["xinggang"]
    assert [c["id"] for c in tree["communities"][0]["children"]] == ["apple"]
    assert [c["id"] for c in everything["communities"]] == ["quanyun", "xinggang"]
    with pytest.raises(NotFound):
        await registry.call(commands.GET_ORG_TREE, commands.GetOrgTree(community_id="haide"))


async def test_an_update_that_changes_nothing_writes_nothing(registry: Registry) -> None:
    await quanyun(registry)
    same = await registry.call(
        commands.UPDATE_ORG_UNIT, commands.UpdateOrgUnit(unit_id="haide", name="海德公元")
    )
    renamed = await registry.call(
        commands.UPDATE_ORG_UNIT,
        commands.UpdateOrgUnit(unit_id="haide", name="海德公元小区", expected_revision=1),
    )

    assert same["revision"] == 1
    assert renamed["revision"] == 2 and renamed["name"] == "海德公元小区"
    [update] = await registry.events.wait_for(OrgUnitUpdated)
    assert update.changed == ["name"]
    with pytest.raises(Conflict, match="revision 2"):
        await registry.call(
            commands.UPDATE_ORG_UNIT,
            commands.UpdateOrgUnit(unit_id="haide", name="海德", expected_revision=1),
        )
    with pytest.raises(NotFound):
        await registry.call(commands.UPDATE_ORG_UNIT, commands.UpdateOrgUnit(unit_id="nowhere"))
    with pytest.raises(NotFound):
        await registry.call(commands.GET_ORG_UNIT, commands.GetOrgUnit(unit_id="nowhere"))


async def test_ids_taken_and_names_twice_among_siblings_are_conflicts(registry: Registry) -> None:
    await quanyun(registry)
    await create(registry, kind="compound", name="高林仕家", unit_id="gaolin", parent_id="quanyun")
    # The same name under another parent, or for another kind, is fine.
    await create(registry, kind="building", name="1栋", parent_id="gaolin")
    await create(registry, kind="grid", name="海德公元", parent_id="quanyun")

    with pytest.raises(Conflict, match="taken"):
        await create(registry, kind="community", name="另一个社区", unit_id="quanyun")
    with pytest.raises(Conflict, match="already a compound named 海德公元"):
        await create(registry, kind="compound", name="海德公元", parent_id="quanyun")
    with pytest.raises(Conflict, match="already a community named 泉韵社区"):
        await create(registry, kind="community", name="泉韵社区")
    with pytest.raises(Conflict, match="already a compound named 海德公元"):
        await registry.call(
            commands.UPDATE_ORG_UNIT, commands.UpdateOrgUnit(unit_id="gaolin", name="海德公元")
        )


BAD_UNITS: list[tuple[str, dict[str, Any], list[str | int]]] = [
    ("community with a parent", {"kind": "community", "parent_id": "quanyun"}, ["parent_id"]),
    ("compound without a parent", {"kind": "compound"}, ["parent_id"]),
    ("compound in a compound", {"kind": "compound", "parent_id": "haide"}, ["parent_id"]),
    ("building in a community", {"kind": "building", "parent_id": "quanyun"}, ["parent_id"]),
    ("grid in a compound", {"kind": "grid", "parent_id": "haide"}, ["parent_id"]),
    ("parent unknown", {"kind": "building", "parent_id": "nowhere"}, ["parent_id"]),
    (
        "building heads of a compound",
        {"kind": "compound", "parent_id": "quanyun", "building_head_ids": ["{active}"]},
        ["building_head_ids"],
    ),
    (
        "owners' committee of a community",
        {"kind": "community", "owners_committee": {"name": "业委会"}},
        ["owners_committee"],
    ),
    (
        "grid worker of a building",
        {"kind": "building", "parent_id": "haide", "grid_worker_id": "{active}"},
        ["grid_worker_id"],
    ),
    (
        "secretary not a member",
        {
            "kind": "compound",
            "parent_id": "quanyun",
            "party_branch": {"name": "党支部", "secretary_member_id": "nobody"},
        },
        ["party_branch", "secretary_member_id"],
    ),
    (
        "deputy who left",
        {"kind": "community", "party_branch": {"name": "党总支", "deputy_member_id": "{left}"}},
        ["party_branch", "deputy_member_id"],
    ),
    (
        "property staff merged",
        {
            "kind": "compound",
            "parent_id": "quanyun",
            "property_staff_ids": ["{active}", "{merged}"],
        },
        ["property_staff_ids", 1],
    ),
    (
        "building head unknown",
        {"kind": "building", "parent_id": "haide", "building_head_ids": ["nobody"]},
        ["building_head_ids", 0],
    ),
    (
        "grid worker who left",
        {"kind": "grid", "parent_id": "quanyun", "grid_worker_id": "{left}"},
        ["grid_worker_id"],
    ),
    (
        "grid over a building of another community",
        {"kind": "grid", "parent_id": "quanyun", "grid_building_ids": ["haide-1", "apple-1"]},
        ["grid_building_ids", 1],
    ),
    (
        "grid over a compound",
        {"kind": "grid", "parent_id": "quanyun", "grid_building_ids": ["haide"]},
        ["grid_building_ids", 0],
    ),
    ("a kind that is not", {"kind": "village"}, ["kind"]),
    ("an id that is not a slug", {"kind": "community", "unit_id": "Quan Yun"}, ["unit_id"]),
    (
        "a contact phone that is not",
        {
            "kind": "compound",
            "parent_id": "quanyun",
            "property_company": {"name": "物业", "contact_phone": "12345"},
        },
        ["property_company", "contact_phone"],
    ),
]


@pytest.mark.parametrize(
    ("fields", "loc"), [case[1:] for case in BAD_UNITS], ids=[case[0] for case in BAD_UNITS]
)
async def test_bad_org_units_are_invalid_naming_the_field(
    registry: Registry, fields: dict[str, Any], loc: list[str | int]
) -> None:
    await quanyun(registry)
    await create(registry, kind="community", name="星港社区", unit_id="xinggang")
    await create(registry, kind="compound", name="苹果小区", unit_id="apple", parent_id="xinggang")
    await create(registry, kind="building", name="1栋", unit_id="apple-1", parent_id="apple")
    people = {
        "{active}": await add_member(registry, "赵强"),
        "{left}": await add_member(registry, "钱芳", status="left"),
        "{merged}": await add_member(registry, "孙丽", status="merged"),
    }
    body = _with_people({"name": "新单位", **fields}, people)

    with pytest.raises(Invalid) as raised:
        # Built without validation, so the service's own check answers (as for the gateway).
        await registry.call(commands.CREATE_ORG_UNIT, Unchecked(fields=body))

    assert loc in [detail.loc for detail in raised.value.details]
    assert await registry.runtime.db["org_units"].count_documents({"name": "新单位"}) == 0


async def test_updates_are_checked_like_creation(registry: Registry) -> None:
    await quanyun(registry)
    gone = await add_member(registry, "钱芳", status="left")

    with pytest.raises(Invalid) as raised:
        await registry.call(
            commands.UPDATE_ORG_UNIT,
            commands.UpdateOrgUnit(
                unit_id="haide-1", building_head_ids=[gone], grid_worker_id=gone
            ),
        )

    locs = [detail.loc for detail in raised.value.details]
    assert ["grid_worker_id"] in locs
    unit = await registry.call(commands.GET_ORG_UNIT, commands.GetOrgUnit(unit_id="haide-1"))
    assert unit["building_head_ids"] == [] and unit["revision"] == 1
    with pytest.raises(Invalid) as raised:
        await registry.call(
            commands.UPDATE_ORG_UNIT,
            commands.UpdateOrgUnit(unit_id="haide-1", building_head_ids=[gone]),
        )
    assert [detail.loc for detail in raised.value.details] == [["building_head_ids", 0]]


async def test_a_partner_unit_serves_the_communities_it_names(registry: Registry) -> None:
    await quanyun(registry)
    await create(registry, kind="community", name="星港社区", unit_id="xinggang")
    await create(registry, kind="community", name="景星社区", unit_id="jingxing")

    partner = await registry.call(
        commands.REGISTER_PARTNER,
        commands.RegisterPartner(
            name="电系万家",
            kind="college_team",
            partner_id="dianxi",
            contact_name="刘老师",
            contact_phone=PARTNER_PHONE,
            community_ids=["quanyun", "xinggang", "quanyun"],
        ),
        actor="user:sa",
    )
    await registry.call(
        commands.REGISTER_PARTNER,
        commands.RegisterPartner(
            name="泉塘社区卫生服务站",
            kind="clinic",
            contact_name="何医生",
            contact_phone="0731-88880002",
            community_ids=["jingxing"],
        ),
    )

    assert partner["id"] == "dianxi" and partner["community_ids"] == ["quanyun", "xinggang"]
    assert partner["contact_phone"] == PARTNER_PHONE and partner["registered_by"] == "user:sa"
    listed = await registry.call(
        commands.LIST_PARTNERS, commands.ListPartners(community_id="xinggang")
    )
    assert [p["name"] for p in listed["partners"]] == ["电系万家"]
    everyone = await registry.call(commands.LIST_PARTNERS, commands.ListPartners())
    assert len(everyone["partners"]) == 2
    [registered] = await registry.events.wait_for(
        PartnerUnitRegistered, where=lambda e: e.partner_id == "dianxi"
    )
    assert registered.kind == "college_team"
    assert registered.community_ids == ["quanyun", "xinggang"]
    published = [envelope.model_dump_json() for envelope, _ in registry.events.seen]
    assert not [e for e in published if PARTNER_PHONE in e or "刘老师" in e]


async def test_partner_units_naming_no_community_or_taken_ids_are_refused(
    registry: Registry,
) -> None:
    await quanyun(registry)

    def partner(**overrides: Any) -> commands.RegisterPartner:
        fields = {
            "name": "爱心超市",
            "kind": "enterprise",
            "contact_name": "吴经理",
            "contact_phone": "13900000303",
            "community_ids": ["quanyun"],
            **overrides,
        }
        return commands.RegisterPartner(**fields)

    with pytest.raises(Invalid) as raised:
        await registry.call(
            commands.REGISTER_PARTNER, partner(community_ids=["quanyun", "haide", "nowhere"])
        )
    assert [d.loc for d in raised.value.details] == [["community_ids", 1], ["community_ids", 2]]

    await registry.call(commands.REGISTER_PARTNER, partner(partner_id="aixin"))
    with pytest.raises(Conflict, match="taken"):
        await registry.call(commands.REGISTER_PARTNER, partner(partner_id="aixin", name="另一家"))
    with pytest.raises(Conflict, match="爱心超市"):
        await registry.call(commands.REGISTER_PARTNER, partner())
    with pytest.raises(Invalid) as raised:
        body = partner().model_dump() | {"kind": "bank"}
        await registry.call(commands.REGISTER_PARTNER, Unchecked(fields=body))
    assert [d.loc for d in raised.value.details] == [["kind"]]


async def test_the_skill_list_starts_with_the_defaults_and_an_admin_changes_it(
    registry: Registry,
) -> None:
    await registry.call(
        commands.DEFINE_SKILL, commands.DefineSkill(code="clapper_talk", zh="快板书", en="Clapper")
    )
    await registry.call(
        commands.DEFINE_SKILL,
        commands.DefineSkill(code="appliance_repair", zh="家电维修", en="Appliances"),
    )

    skills = {
        s["code"]: s
        for s in (await registry.call(commands.LIST_SKILLS, commands.ListSkills()))["skills"]
    }

    assert {"talks", "medical", "repair", "legal", "psychological", "teaching"} <= set(skills)
    assert skills["clapper_talk"]["zh"] == "快板书"
    assert skills["appliance_repair"] == {
        "code": "appliance_repair",
        "zh": "家电维修",
        "en": "Appliances",
    }
    with pytest.raises(Invalid) as raised:
        await registry.call(
            commands.DEFINE_SKILL,
            Unchecked(fields={"code": "Bad Code", "zh": "坏", "en": "Bad"}),
        )
    assert [d.loc for d in raised.value.details] == [["code"]]


def _with_people(value: Any, people: dict[str, str]) -> Any:
    if isinstance(value, str):
        return people.get(value, value)
    if isinstance(value, list):
        return [_with_people(v, people) for v in value]
    if isinstance(value, dict):
        return {k: _with_people(v, people) for k, v in value.items()}
    return value


class Unchecked(BaseModel):
    """A body sent as it is, not validated by the caller: the service must check it, as it
    must for any client on the bus."""

    fields: dict[str, Any]

    def model_dump_json(self, **_: Any) -> str:
        return json.dumps(self.fields, ensure_ascii=False)
