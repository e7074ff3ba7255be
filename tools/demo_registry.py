"""Load the registry's demo (tools/demo_registry_data.py) through the gateway, in order:
org units -> partner units -> members -> their roles in the org units, grids -> teams and
memberships -> paper-record hours.

The members go in as one roster (POST /api/v1/members/import, an XLSX, valid rows only):
one call instead of ~190. Everything with a readable id (org units, partners, teams)
answers 409 if an earlier load made it, and a roster row whose ID number is registered is
reported with that member's volunteer number: a second load into the same gateway finds
what is there and adds what is missing.
Joining a team again and crediting a paper record again (same reference) change nothing.
"""

import io
import re
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

import httpx
import openpyxl

from services.registry.domain.skills import DEFAULT_SKILLS
from services.registry.roster import AVAILABILITY, ID_TYPES, IMPORT_COLUMNS, TAGS
from tools.demo_http import DemoLoadError, refused, send_once, wait_until
from tools.demo_members import Person
from tools.demo_org import COMMUNITY_NAMES, COMPOUND
from tools.demo_registry_data import RegistryDemo

ALREADY_REGISTERED: Final = re.compile(r"volunteer ([A-Z]{1,8}\d{6})")
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_TIMEOUT_S: Final = 70.0  # the gateway waits 60 s for the registry's import


def registry_answers(resp: httpx.Response) -> bool:
    # GET /api/v1/skills is LIST_SKILLS: 200 once the registry answers its NATS subject.
    return resp.status_code == 200


def load_registry(
    client: httpx.Client, demo: RegistryDemo, say: Callable[[str], None]
) -> tuple[dict[str, int], dict[str, str]]:
    """Create the demo organisation, people and records; returns counts of what was made
    (or found made), and the member ids by member key (the activities' demo names them).
    `client` is signed in as a subdistrict_admin. Raises DemoLoadError."""
    wait_until(client, "/api/v1/skills", registry_answers, "registry")
    made: Counter[str] = Counter()
    for body in demo.communities + demo.compounds + demo.buildings:
        create(client, "/api/v1/org/units", body, f"{body['kind']} {body['unit_id']}")
        made[body["kind"]] += 1
    for body in demo.partners:
        create(client, "/api/v1/partners", body, f"partner {body['partner_id']}")
        made["partner"] += 1
    say(
        f"demo: registry: {len(demo.communities)} communities, {made['compound']} compounds, "
        f"{made['building']} buildings, {made['partner']} partner units"
    )

    ids = import_members(client, demo.people)
    made["member"] = len(ids)
    for roles in demo.unit_roles:
        change(
            client, "PATCH", f"/api/v1/org/units/{roles.unit_id}", roles.body(ids), roles.unit_id
        )
    for grid in demo.grids:
        create(client, "/api/v1/org/units", demo.grid_body(grid, ids), f"grid {grid['unit_id']}")
        made["grid"] += 1
    say(f"demo: registry: {made['member']} members, their roles, {made['grid']} grids")

    for body in demo.teams:
        create(client, "/api/v1/teams", body, f"team {body['team_id']}")
        made["team"] += 1
    for m in demo.memberships:
        body = {"member_id": ids[m.key], "role": m.role, "joined_on": m.joined_on.isoformat()}
        change(client, "POST", f"/api/v1/teams/{m.team_id}/members", body, f"{m.key} joins")
        made["membership"] += 1
    for c in demo.credits:
        path = f"/api/v1/members/{ids[c.key]}/record/credits"
        change(client, "POST", path, c.body(), f"credit {c.reference}")
        made["credit"] += 1
    say(
        f"demo: registry: {made['team']} teams, {made['membership']} memberships, "
        f"{made['credit']} paper-record entries"
    )
    return dict(made), ids


def create(client: httpx.Client, path: str, body: dict[str, Any], what: str) -> None:
    """POST something with a readable id; 409 means an earlier load made it."""
    resp = send_once(client, "POST", path, body, f"POST {path} ({what})")
    if resp.status_code not in (200, 201, 409):
        raise DemoLoadError(refused(f"POST {path} ({what})", resp))


def change(client: httpx.Client, method: str, path: str, body: dict[str, Any], what: str) -> None:
    resp = send_once(client, method, path, body, f"{method} {path} ({what})")
    if resp.status_code not in (200, 201):
        raise DemoLoadError(refused(f"{method} {path} ({what})", resp))


def import_members(client: httpx.Client, people: list[Person]) -> dict[str, str]:
    """Member key -> member id: the people imported as one roster (an XLSX as community
    workers keep them), those an earlier load registered found by the volunteer number
    their row's error names."""
    what = "POST /api/v1/members/import"
    resp = send_once(
        client,
        "POST",
        "/api/v1/members/import",
        None,
        what,
        params={"mode": "valid_rows_only"},
        files={"file": ("quantang-demo.xlsx", roster_xlsx(people), XLSX)},
        timeout=IMPORT_TIMEOUT_S,
    )
    if resp.status_code != 200:
        raise DemoLoadError(refused(what, resp))
    report = resp.json()
    key_of_row = {row: p.key for row, p in enumerate(people, start=2)}  # row 1: the header
    ids = {key_of_row[c["row"]]: c["member_id"] for c in report["created"]}
    for error in report["errors"]:
        found = ALREADY_REGISTERED.search(error["message"])
        if error["field"] != "id_number" or not found:
            raise DemoLoadError(f"{what}: row {error['row']}: {error['field']}: {error['message']}")
        ids[key_of_row[error["row"]]] = member_id_of(client, found.group(1))
    return ids


def member_id_of(client: httpx.Client, volunteer_no: str) -> str:
    listing = client.get("/api/v1/members", params={"volunteer_no": volunteer_no})
    items = listing.json().get("items", []) if listing.status_code == 200 else []
    if not items:
        raise DemoLoadError(f"volunteer {volunteer_no} not found: {listing.text}")
    member_id: str = items[0]["id"]
    return member_id


def roster_xlsx(people: list[Person]) -> bytes:
    """The people as a roster with the import's Chinese column labels and cell values."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("志愿者")
    sheet.append(list(IMPORT_COLUMNS.values()))
    for p in people:
        sheet.append([roster_cells(p).get(column, "") for column in IMPORT_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_cells(p: Person) -> dict[str, str]:
    home = p.home
    cells = {
        "name": p.name,
        "id_type": ID_TYPES["resident_id"],
        "id_number": p.id_number,
        "phone": p.phone,
        "community": COMMUNITY_NAMES[home["community_id"]],
        "skills": "、".join(DEFAULT_SKILLS[s][0] for s in p.skills),
        "availability": "、".join(AVAILABILITY[a] for a in p.availability),
        "tags": "、".join(TAGS[t] for t in p.tags),
    }
    if "compound_id" in home:
        cells["compound"] = COMPOUND[home["compound_id"]].name
    if "building_id" in home:
        cells["building"] = home["building_id"].rsplit("-", 1)[1] + "栋"
    if "unit" in home:
        cells["unit"] = home["unit"]
    return cells
