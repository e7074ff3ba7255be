"""Synthetic people and a small organisation for the member tests.

ID numbers use region 999999, which no real person has, with a correct check digit."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.registry.domain.identity import check_digit
from services.registry.skills import SkillList
from shared.contracts.commands.registry import HomeIn, RegisterMember

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "德明", "玉梅", "国华", "淑珍", "永红", "春生"]


def resident_id(n: int) -> str:
    """The n-th synthetic resident ID (n < 1000 * 20000): a birth date and a sequence."""
    born = date(1940, 1, 1) + timedelta(days=n // 1000)
    first17 = f"999999{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


def phone(n: int) -> str:
    return f"139{n % 100_000_000:08d}"


def registration(n: int, **overrides: Any) -> RegisterMember:
    fields: dict[str, Any] = {
        "name": person_name(n),
        "id_number": resident_id(n),
        "phone": phone(n),
        "home": HomeIn(community_id="quanyun", compound_id="haide", building_id="haide-1"),
        "skills": ["talks"],
        "availability": ["weekend_morning"],
        "tags": [],
    }
    return RegisterMember(**{**fields, **overrides})


def _unit(unit_id: str, kind: str, name: str, parent: str | None, community: str) -> dict[str, Any]:
    compound = {"compound": unit_id, "building": parent}.get(kind)
    return {
        "_id": unit_id,
        "kind": kind,
        "name": name,
        "parent_id": parent,
        "community_id": community,
        "compound_id": compound,
        "party_branch": None,
        "owners_committee": None,
        "property_company": None,
        "property_staff_ids": [],
        "building_head_ids": [],
        "grid_worker_id": None,
        "grid_building_ids": [],
        "created_at": datetime.now(UTC),
        "version": 1,
        "revision": 1,
        "outbox": [],
        "has_outbox": False,
    }


ORG_UNITS = [
    _unit("quanyun", "community", "泉韵社区", None, "quanyun"),
    _unit("haide", "compound", "海德公元", "quanyun", "quanyun"),
    _unit("haide-1", "building", "1栋", "haide", "quanyun"),
    _unit("haide-2", "building", "2栋", "haide", "quanyun"),
    _unit("xinggang", "community", "星港社区", None, "xinggang"),
    _unit("pingguo", "compound", "苹果小区", "xinggang", "xinggang"),
    _unit("pingguo-1", "building", "1栋", "pingguo", "xinggang"),
]


async def seed_org(db: Any) -> None:
    """The org units (as the org part stores them) and the default skills."""
    await db["org_units"].insert_many([dict(unit) for unit in ORG_UNITS])
    await SkillList(db["skills"]).seed_defaults()
