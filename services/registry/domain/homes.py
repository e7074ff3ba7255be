"""Where a member lives must exist in the organisation: a community, a compound of that
community, a building of that compound. Checked against org unit documents (see org_doc)."""

from collections.abc import Mapping
from typing import Any

from shared.contracts.rpc import FieldError

Document = dict[str, Any]


def home_unit_ids(home: Mapping[str, Any]) -> list[str]:
    keys = ("community_id", "compound_id", "building_id")
    return [home[k] for k in keys if home.get(k)]


def home_errors(
    home: Mapping[str, Any], units: Mapping[str, Document], loc: tuple[str, ...] = ("home",)
) -> list[FieldError]:
    """What is wrong with `home` given the org units it names (looked up by id)."""
    errors: list[FieldError] = []

    def wrong(field: str, msg: str) -> None:
        errors.append(FieldError(loc=[*loc, field], msg=msg, type="unknown_unit"))

    community_id = home["community_id"]
    community = units.get(community_id)
    if community is None or community.get("kind") != "community":
        wrong("community_id", f"there is no community {community_id}")
        return errors
    compound_id, building_id = home.get("compound_id"), home.get("building_id")
    if compound_id:
        compound = units.get(compound_id)
        if compound is None or compound.get("kind") != "compound":
            wrong("compound_id", f"there is no compound {compound_id}")
            return errors
        if compound.get("community_id") != community_id:
            wrong("compound_id", f"compound {compound_id} is not in community {community_id}")
            return errors
    if building_id:
        building = units.get(building_id)
        if building is None or building.get("kind") != "building":
            wrong("building_id", f"there is no building {building_id}")
        elif not compound_id:
            wrong("building_id", "a building needs its compound (compound_id)")
        elif building.get("parent_id") != compound_id:
            wrong("building_id", f"building {building_id} is not in compound {compound_id}")
    return errors
