"""Pure rules of the organisation: where units sit, which parts a kind has, the tree."""

from datetime import UTC, datetime
from typing import Any

import pytest

from services.registry.domain import org
from shared.contracts.commands.registry import CreateOrgUnit, OrgContact, UpdateOrgUnit

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)


def unit(
    kind: str, unit_id: str, parent: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    cmd = CreateOrgUnit(kind=kind, name=fields.pop("name", unit_id), **fields)  # type: ignore[arg-type]
    return org.new_unit(cmd, unit_id, parent, now=NOW, actor="user:a1")


@pytest.mark.parametrize(
    ("kind", "parent_kind", "wrong"),
    [
        ("community", None, False),
        ("community", "community", True),
        ("compound", "community", False),
        ("compound", "compound", True),
        ("compound", None, True),
        ("building", "compound", False),
        ("building", "community", True),
        ("grid", "community", False),
        ("grid", "compound", True),
    ],
)
def test_each_kind_sits_in_its_own_kind_of_parent(
    kind: Any, parent_kind: str | None, wrong: bool
) -> None:
    parent = {"_id": "p", "kind": parent_kind, "community_id": "c"} if parent_kind else None
    errors = org.misplaced(kind, "p" if parent else None, parent)
    assert [e.loc for e in errors] == ([["parent_id"]] if wrong else [])


def test_a_parent_that_does_not_exist_is_named() -> None:
    [error] = org.misplaced("building", "nowhere", None)
    assert error.loc == ["parent_id"] and "nowhere" in error.msg


def test_parts_a_kind_does_not_have_are_named() -> None:
    parts = org.given_parts(
        UpdateOrgUnit(
            unit_id="u", building_head_ids=["m1"], owners_committee=OrgContact(name="业委会")
        )
    )
    assert [e.loc for e in org.parts_not_of_kind("compound", parts)] == [["building_head_ids"]]
    assert org.parts_not_of_kind("building", {"building_head_ids": []}) == []


def test_role_holders_are_found_where_they_are_named() -> None:
    parts = {
        "party_branch": {"name": "党支部", "secretary_member_id": "s", "deputy_member_id": None},
        "property_staff_ids": ["a", "b"],
        "grid_worker_id": "g",
    }
    assert org.role_holders(parts) == [
        (["party_branch", "secretary_member_id"], "s"),
        (["property_staff_ids", 0], "a"),
        (["property_staff_ids", 1], "b"),
        (["grid_worker_id"], "g"),
    ]


def test_a_grid_covers_buildings_of_its_own_community_only() -> None:
    found = {
        "b1": {"kind": "building", "community_id": "c1"},
        "b2": {"kind": "building", "community_id": "c2"},
        "k1": {"kind": "compound", "community_id": "c1"},
    }
    errors = org.buildings_outside(["b1", "b2", "k1", "zz"], "c1", found)
    assert [e.loc for e in errors] == [
        ["grid_building_ids", 1],
        ["grid_building_ids", 2],
        ["grid_building_ids", 3],
    ]


def test_a_unit_knows_its_community_and_compound() -> None:
    community = unit("community", "quanyun")
    compound = unit("compound", "haide", community)
    building = unit("building", "haide-1", compound)
    grid = unit("grid", "g1", community)

    assert (community["community_id"], community["compound_id"]) == ("quanyun", None)
    assert (compound["community_id"], compound["compound_id"]) == ("quanyun", "haide")
    assert (building["community_id"], building["compound_id"]) == ("quanyun", "haide")
    assert (grid["community_id"], grid["parent_id"]) == ("quanyun", "quanyun")
    assert building["building_head_ids"] == [] and "owners_committee" not in building


def test_a_change_names_what_changed_and_nothing_changed_is_unchanged() -> None:
    compound = unit("compound", "haide", unit("community", "quanyun"), name="海德公元")

    changed, names = org.changed_unit(
        compound, "海德公元", {"property_staff_ids": ["m1"]}, now=NOW, actor="user:b"
    )
    renamed, _ = org.changed_unit(compound, "海德", {}, now=NOW, actor="user:b")

    assert names == ["property_staff_ids"] and changed["updated_by"] == "user:b"
    assert renamed["name_key"] != compound["name_key"]
    with pytest.raises(org.Unchanged):
        org.changed_unit(compound, "海德公元", {"property_staff_ids": []}, now=NOW, actor=None)


def test_events_carry_contacts_by_name_and_answers_in_full() -> None:
    contact = {"name": "海德物业", "contact_name": "陈红", "contact_phone": "13900000101"}
    compound = unit("compound", "haide", unit("community", "quanyun"), property_company=contact)

    view = org.event_view(compound)
    shown = org.public(compound)

    assert view.property_company == "海德物业" and "13900000101" not in view.model_dump_json()
    assert shown["property_company"]["contact_phone"] == "13900000101"
    assert shown["id"] == "haide" and "name_key" not in shown and "_id" not in shown


def test_the_tree_nests_compounds_buildings_and_grids_with_masked_names() -> None:
    community = unit("community", "quanyun")
    compound = unit(
        "compound", "haide", community, party_branch={"name": "党支部", "secretary_member_id": "m1"}
    )
    building = unit("building", "haide-1", compound, building_head_ids=["m2"])
    grid = unit("grid", "g1", community, grid_worker_id="m3")
    other = unit("community", "xinggang")

    tree = org.org_tree([grid, building, other, compound, community], {"m1": "李**", "m2": "王**"})

    assert [c["id"] for c in tree] == ["quanyun", "xinggang"]
    [haide] = tree[0]["children"]
    assert haide["party_branch"]["secretary"] == {"member_id": "m1", "name": "李**"}
    assert haide["children"][0]["building_heads"] == [{"member_id": "m2", "name": "王**"}]
    assert tree[0]["grids"][0]["grid_worker"] == {"member_id": "m3", "name": None}
    assert tree[1]["children"] == [] and tree[1]["grids"] == []
