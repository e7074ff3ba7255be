"""The "1+3+N" organisation: where each kind of unit sits and which parts it has. No I/O.

A unit is stored whole (docs/registry.md): its place (parent, community, compound), its
name, and only the parts its kind has. Member ids name who holds a role; whether they exist
is for the handler to look up, these rules only say where those ids are.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel

from shared.contracts.commands.registry import CreateOrgUnit, OrgUnitChanges
from shared.contracts.events.registry import OrgUnitKind, OrgUnitView
from shared.contracts.rpc import FieldError

Document = dict[str, Any]
Loc = list[str | int]

# The kind each kind sits in; a community is the top ("1") under the one subdistrict.
PARENT_KIND: Final[Mapping[OrgUnitKind, OrgUnitKind | None]] = {
    "community": None,
    "compound": "community",
    "building": "compound",
    "grid": "community",
}
# The parts of each kind: the "3" of a compound, the "N" roles where they are held.
KIND_PARTS: Final[Mapping[OrgUnitKind, tuple[str, ...]]] = {
    "community": ("party_branch",),
    "compound": ("party_branch", "owners_committee", "property_company", "property_staff_ids"),
    "building": ("building_head_ids",),
    "grid": ("grid_worker_id", "grid_building_ids"),
}
EMPTY_PARTS: Final[Mapping[str, Any]] = {
    "party_branch": None,
    "owners_committee": None,
    "property_company": None,
    "property_staff_ids": [],
    "building_head_ids": [],
    "grid_worker_id": None,
    "grid_building_ids": [],
}
# Kept for the store, never shown: its bookkeeping, and the key that keeps sibling names
# unique (one string: nx-27017 does not enforce a compound unique index over a null).
NOT_SHOWN: Final = frozenset({"_id", "version", "outbox", "has_outbox", "name_key"})


class Unchanged(Exception):
    """A change that changes nothing: nothing to write, no event."""

    def __init__(self, doc: Document) -> None:
        super().__init__("unchanged")
        self.doc = doc


def given_parts(changes: OrgUnitChanges) -> Document:
    """The parts a command sets, as stored (a part left out or null stays as it is)."""
    parts: Document = {}
    for field in EMPTY_PARTS:
        value = getattr(changes, field)
        if value is not None:
            parts[field] = value.model_dump() if isinstance(value, BaseModel) else value
    return parts


def parts_not_of_kind(kind: OrgUnitKind, parts: Mapping[str, Any]) -> list[FieldError]:
    return [
        FieldError(loc=[field], msg=f"a {kind} has no {field}", type="not_allowed")
        for field in parts
        if field not in KIND_PARTS[kind]
    ]


def misplaced(
    kind: OrgUnitKind, parent_id: str | None, parent: Document | None
) -> list[FieldError]:
    """Why a unit of `kind` cannot sit in `parent` (looked up by `parent_id`), if it cannot."""
    wanted = PARENT_KIND[kind]
    if wanted is None:
        if parent_id is None:
            return []
        return [_error(["parent_id"], "a community has no parent", "not_allowed")]
    if parent_id is None:
        return [_error(["parent_id"], f"a {kind} needs its {wanted}", "missing")]
    if parent is None:
        return [_error(["parent_id"], f"there is no org unit {parent_id}", "not_found")]
    if parent["kind"] != wanted:
        msg = f"a {kind} belongs to a {wanted}, and {parent_id} is a {parent['kind']}"
        return [_error(["parent_id"], msg, "wrong_kind")]
    return []


def role_holders(parts: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """Every member id the parts name, with where it is named."""
    found: list[tuple[Loc, str]] = []
    branch = parts.get("party_branch")
    if branch:
        for role in ("secretary_member_id", "deputy_member_id"):
            if branch.get(role):
                found.append((["party_branch", role], branch[role]))
    for field in ("building_head_ids", "property_staff_ids"):
        found += [([field, i], member_id) for i, member_id in enumerate(parts.get(field) or [])]
    if parts.get("grid_worker_id"):
        found.append((["grid_worker_id"], parts["grid_worker_id"]))
    return found


def buildings_outside(
    building_ids: Sequence[str], community_id: str, found: Mapping[str, Document]
) -> list[FieldError]:
    """A grid covers buildings of its own community only."""
    errors = []
    for i, building_id in enumerate(building_ids):
        unit = found.get(building_id)
        if unit is None or unit["kind"] != "building":
            errors.append(
                _error(["grid_building_ids", i], f"no building {building_id}", "not_found")
            )
        elif unit["community_id"] != community_id:
            msg = (
                f"building {building_id} is in community {unit['community_id']}, not {community_id}"
            )
            errors.append(_error(["grid_building_ids", i], msg, "other_community"))
    return errors


def new_unit(
    cmd: CreateOrgUnit,
    unit_id: str,
    parent: Document | None,
    *,
    now: datetime,
    actor: str | None,
) -> Document:
    """The unit's document: its place, its name and its kind's parts (empty unless given)."""
    parts = {field: EMPTY_PARTS[field] for field in KIND_PARTS[cmd.kind]}
    unit = {
        "_id": unit_id,
        "kind": cmd.kind,
        "name": cmd.name,
        **_place(cmd.kind, unit_id, parent),
        **parts,
        **given_parts(cmd),
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
        "updated_by": actor,
    }
    return {**unit, "name_key": name_key(unit)}


def name_key(unit: Mapping[str, Any]) -> str:
    """The same for two units of one kind with one name under one parent."""
    return f"{unit['parent_id'] or ''}|{unit['kind']}|{unit['name']}"


def changed_unit(
    doc: Document, name: str | None, parts: Mapping[str, Any], *, now: datetime, actor: str | None
) -> tuple[Document, list[str]]:
    """The unit with the new name and parts, and the fields that really changed.

    Raises Unchanged when none did."""
    wanted = {**({"name": name} if name is not None else {}), **parts}
    changed = [field for field, value in wanted.items() if doc.get(field) != value]
    if not changed:
        raise Unchanged(doc)
    new = {**doc, **wanted, "updated_at": now, "updated_by": actor}
    return {**new, "name_key": name_key(new)}, changed


def event_view(doc: Document) -> OrgUnitView:
    """The unit as events carry it: contacts by the organisation's name, no phone."""
    contacts = {
        part: (doc.get(part) or {}).get("name") for part in ("owners_committee", "property_company")
    }
    fields = {k: v for k, v in doc.items() if k in OrgUnitView.model_fields}
    return OrgUnitView.model_validate({**fields, **contacts, "unit_id": doc["_id"]})


def public(doc: Document) -> Document:
    """The stored document without the store's fields, as a command's answer shows it.

    Contact phones are shown in full: they are work numbers that signed-in staff call."""
    view = {k: v for k, v in doc.items() if k not in NOT_SHOWN}
    view = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in view.items()}
    return {"id": doc["_id"], **view}


def org_tree(units: Sequence[Document], names: Mapping[str, str | None]) -> list[Document]:
    """Communities with their compounds (`children`, and their buildings in turn) and their
    grids (`grids`); every role holder shown by member id and masked name."""
    by_parent: dict[str | None, list[Document]] = {}
    for unit in sorted(units, key=lambda u: (u["created_at"], u["_id"])):
        by_parent.setdefault(unit.get("parent_id"), []).append(unit)

    def node(unit: Document) -> Document:
        below = by_parent.get(unit["_id"], [])
        shown = {**public(unit), **_holders(unit, names)}
        if unit["kind"] == "community":
            shown["children"] = [node(u) for u in below if u["kind"] == "compound"]
            shown["grids"] = [node(u) for u in below if u["kind"] == "grid"]
        elif unit["kind"] == "compound":
            shown["children"] = [node(u) for u in below if u["kind"] == "building"]
        return shown

    return [node(u) for u in by_parent.get(None, []) if u["kind"] == "community"]


def _holders(unit: Document, names: Mapping[str, str | None]) -> Document:
    """Who holds the unit's roles: ids beside masked names, so a page shows "楼栋长 李**"."""

    def person(member_id: str | None) -> Document | None:
        return {"member_id": member_id, "name": names.get(member_id)} if member_id else None

    shown: Document = {}
    branch = unit.get("party_branch")
    if branch:
        shown["party_branch"] = {
            **branch,
            "secretary": person(branch.get("secretary_member_id")),
            "deputy": person(branch.get("deputy_member_id")),
        }
    if unit["kind"] == "building":
        shown["building_heads"] = [person(m) for m in unit.get("building_head_ids", [])]
    if unit["kind"] == "compound":
        shown["property_staff"] = [person(m) for m in unit.get("property_staff_ids", [])]
    if unit["kind"] == "grid":
        shown["grid_worker"] = person(unit.get("grid_worker_id"))
    return shown


def _place(kind: OrgUnitKind, unit_id: str, parent: Document | None) -> Document:
    if kind == "community" or parent is None:
        return {"parent_id": None, "community_id": unit_id, "compound_id": None}
    compound_id = {"compound": unit_id, "building": parent["_id"]}.get(kind)
    return {
        "parent_id": parent["_id"],
        "community_id": parent["community_id"],
        "compound_id": compound_id,
    }


def _error(loc: Loc, msg: str, kind: str) -> FieldError:
    return FieldError(loc=loc, msg=msg, type=kind)
