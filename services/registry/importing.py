"""Roster import: every row checked first (all the registration rules, duplicates inside
the file, ID numbers already registered), then the good rows written, or none of them.

Names in a roster (community, compound, building, skills) are resolved against the org
units and the skill list loaded once per import, not per row."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from services.registry import counters
from services.registry.domain.identity import BadIdNumber, checked_id_number
from services.registry.domain.members import new_member, registered, volunteer_no
from services.registry.id_vault import IdVault
from services.registry.roster import (
    AVAILABILITY,
    ID_TYPES,
    TAGS,
    Roster,
    RosterRow,
    code_of,
    split_list,
)
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import new_event
from shared.contracts.commands.registry import RegisterMember
from shared.contracts.ids import new_id
from shared.contracts.privacy import mask_id_number
from shared.contracts.rpc import Conflict
from shared.store.aggregates import AggregateStore

Document = dict[str, Any]
ORG_KINDS = ("community", "compound", "building")
# Pydantic's location of a RegisterMember field -> the roster column it came from.
_COLUMN_OF_FIELD = {"community_id": "community", "compound_id": "compound"}
_READABLE = {
    "phone": "not a mainland mobile number (11 digits starting with 1)",
    "id_number": "5 to 32 characters",
    "name": "at most 50 characters",
    "unit": "at most 16 characters",
}


@dataclass
class Directory:
    """The org units and skills a roster's names may refer to."""

    units: dict[str, Document]
    skills: dict[str, str]  # code -> Chinese name

    def find(self, kind: str, cell: str, parent: str | None) -> list[Document]:
        """Units of `kind` under `parent` (a community's or compound's id) with this id or,
        failing that, this exact name."""

        def inside(unit: Document) -> bool:
            if unit.get("kind") != kind:
                return False
            if kind == "compound":
                return unit.get("community_id") == parent
            if kind == "building":
                return unit.get("parent_id") == parent
            return True

        by_id = self.units.get(cell)
        if by_id is not None and inside(by_id):
            return [by_id]
        return [u for u in self.units.values() if inside(u) and u.get("name") == cell]

    def skill_code(self, cell: str) -> str | None:
        if cell in self.skills:
            return cell
        return next((code for code, zh in self.skills.items() if zh == cell), None)


@dataclass
class Checked:
    """A row that passed every check, ready to write."""

    row: int
    command: RegisterMember
    number: str  # normalised
    id_hash: str


@dataclass
class Report:
    rows: int
    mode: str
    dry_run: bool
    checked: list[Checked] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "field": column, "message": message})

    def bad_rows(self) -> set[int]:
        return {e["row"] for e in self.errors}

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": self.rows - len(self.bad_rows()),
            "created": self.created,
            "errors": sorted(self.errors, key=lambda e: e["row"]),
            "written": self.written,
            "mode": self.mode,
            "dry_run": self.dry_run,
        }


async def load_directory(db: Any) -> Directory:
    units = db["org_units"].find(
        {"kind": {"$in": list(ORG_KINDS)}},
        {"_id": 1, "kind": 1, "name": 1, "parent_id": 1, "community_id": 1, "compound_id": 1},
    )
    skills = db["skills"].find({}, {"_id": 1, "zh": 1})
    return Directory(
        units={u["_id"]: u async for u in units},
        skills={s["_id"]: s.get("zh", "") async for s in skills},
    )


async def registered_ids(members: Any, id_hashes: list[str]) -> dict[str, str]:
    """id_hash -> volunteer number, of the given hashes already registered."""
    found = members.find({"id_hash": {"$in": id_hashes}}, {"id_hash": 1, "volunteer_no": 1})
    return {doc["id_hash"]: doc["volunteer_no"] async for doc in found}


def check_roster(
    roster: Roster,
    directory: Directory,
    vault: IdVault,
    report: Report,
    *,
    community_id: str | None,
    today: date,
) -> None:
    """Every row checked on its own and against the earlier rows (same ID number twice)."""
    first_row_of: dict[str, int] = {}
    for row in roster.rows:
        command = _row_command(row, directory, report, community_id)
        if command is None:
            continue
        try:
            number = checked_id_number(command.id_type, command.id_number, today)
        except BadIdNumber as exc:
            report.error(row.number, "id_number", str(exc))
            continue
        id_hash = vault.hash(number)
        if id_hash in first_row_of:
            report.error(
                row.number, "id_number", f"the same ID number as row {first_row_of[id_hash]}"
            )
            continue
        first_row_of[id_hash] = row.number
        report.checked.append(Checked(row.number, command, number, id_hash))


def mark_registered(report: Report, registered_as: Mapping[str, str]) -> None:
    """Rows whose ID number is registered already (id_hash -> volunteer number)."""
    for checked in report.checked:
        existing = registered_as.get(checked.id_hash)
        if existing:
            report.error(
                checked.row,
                "id_number",
                f"this ID number is already registered as volunteer {existing}",
            )
    bad = report.bad_rows()
    report.checked = [c for c in report.checked if c.row not in bad]


async def write_rows(
    report: Report,
    members: AggregateStore,
    counter_collection: Any,
    vault: IdVault,
    *,
    prefix: str,
    subdistrict: str,
    ctx: CallContext,
    today: date,
    now: datetime,
) -> None:
    """Register the checked rows: one block of volunteer numbers, one insert per member
    (its MemberRegistered in its outbox). A row that loses a race for its ID number (just
    registered elsewhere) is reported; without transactions the others stay written."""
    if not report.checked:
        return
    first = await counters.take(counter_collection, "volunteer_no", len(report.checked))
    for offset, checked in enumerate(report.checked):
        number = volunteer_no(prefix, first + offset)
        if checked.number in number:  # a short document number must not be readable in it
            number = volunteer_no(prefix, await counters.take(counter_collection, "volunteer_no"))
        doc = new_member(
            checked.command,
            member_id=new_id(),
            volunteer_no=number,
            id_cipher=vault.encrypt(checked.number),
            id_hash=checked.id_hash,
            id_masked=mask_id_number(checked.number) or "",
            today=today,
            now=now,
            by=ctx.actor,
        )
        event = new_event(
            registered(doc),
            subdistrict=subdistrict,
            subject=doc["_id"],
            correlation_id=ctx.correlation_id,
            traceparent=ctx.traceparent,
        )
        try:
            await members.insert(doc, [event])
        except Conflict:
            report.error(checked.row, "id_number", "this ID number was registered meanwhile")
            continue
        report.created.append({"row": checked.row, "volunteer_no": number, "member_id": doc["_id"]})
    report.written = bool(report.created)


def _row_command(
    row: RosterRow, directory: Directory, report: Report, community_id: str | None
) -> RegisterMember | None:
    """The registration a row asks for, or None (its errors reported)."""
    cells = row.cells
    errors_before = len(report.errors)

    def wrong(column: str, message: str) -> None:
        report.error(row.number, column, message)

    for column in ("name", "id_number"):
        if not cells.get(column):
            wrong(column, "required")
    id_type = code_of(cells.get("id_type") or "resident_id", ID_TYPES)
    if id_type is None:
        wrong("id_type", f"unknown ID type {cells['id_type']}")
    home = _home(cells, directory, community_id, wrong)
    skills = _codes(cells.get("skills"), directory.skill_code, "skills", "skill", wrong)
    availability = _codes(
        cells.get("availability"), lambda v: code_of(v, AVAILABILITY), "availability", "time", wrong
    )
    tags = _codes(cells.get("tags"), lambda v: code_of(v, TAGS), "tags", "tag", wrong)
    if len(report.errors) > errors_before:
        return None
    try:
        return RegisterMember.model_validate(
            {
                "name": cells["name"],
                "id_type": id_type,
                "id_number": cells["id_number"],
                "phone": cells.get("phone") or None,
                "home": home,
                "skills": skills,
                "availability": availability,
                "tags": tags,
            }
        )
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            column = loc[1] if loc[0] == "home" and len(loc) > 1 else loc[0]
            column = _COLUMN_OF_FIELD.get(column, column)
            wrong(column, _READABLE.get(column, error["msg"]))
        return None


def _home(
    cells: Mapping[str, str], directory: Directory, community_id: str | None, wrong: Any
) -> Document | None:
    community_cell = cells.get("community") or community_id
    if not community_cell:
        wrong("community", "required")
        return None
    communities = directory.find("community", community_cell, None)
    if len(communities) != 1:
        wrong("community", _not_one(communities, "community", community_cell))
        return None
    community = communities[0]["_id"]
    if community_id and community != community_id:
        wrong("community", f"this import is for community {community_id}, not {community}")
        return None
    home: Document = {"community_id": community, "unit": cells.get("unit") or None}
    if cells.get("compound"):
        compounds = directory.find("compound", cells["compound"], community)
        if len(compounds) != 1:
            wrong("compound", _not_one(compounds, "compound", cells["compound"], community))
            return None
        home["compound_id"] = compounds[0]["_id"]
    if cells.get("building"):
        if "compound_id" not in home:
            wrong("building", "a building needs its compound (小区)")
            return None
        buildings = directory.find("building", cells["building"], home["compound_id"])
        if len(buildings) != 1:
            within = home["compound_id"]
            wrong("building", _not_one(buildings, "building", cells["building"], within))
            return None
        home["building_id"] = buildings[0]["_id"]
    return home


def _not_one(found: list[Document], kind: str, cell: str, within: str | None = None) -> str:
    where = f" in {within}" if within else ""
    if found:
        return f"{len(found)} {kind} units named {cell}{where}: use the id"
    return f"no {kind} {cell}{where}"


def _codes(cell: str | None, code: Any, column: str, what: str, wrong: Any) -> list[str]:
    codes = []
    for value in split_list(cell or ""):
        found = code(value)
        if found is None:
            wrong(column, f"unknown {what} {value}")
        else:
            codes.append(found)
    return codes
