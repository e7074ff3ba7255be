"""Everything the registry's demo holds, in loading order: org units, partner units, members,
the members' "1+3+N" roles, grids, teams and memberships, and paper-record hours.

Where a body names a member it names the member's key; the loader replaces keys by the
member ids the registry issued (`Keys`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from tools.demo_members import Membership, Person, build_people
from tools.demo_org import (
    COMMUNITY_NAMES,
    COMPOUNDS,
    GRID_COMMUNITIES,
    HUIGUANJIA_SQUADS,
    building_bodies,
    community_bodies,
    compound_bodies,
    grid_units,
    partner_bodies,
    team_bodies,
)
from tools.demo_people import NameDrawer

Keys = Mapping[str, str]  # member key -> member id


@dataclass(frozen=True)
class UnitRoles:
    """Who holds a unit's roles: a PATCH of /api/v1/org/units/{unit_id} once members exist."""

    unit_id: str
    branch: tuple[str, str, str] | None = None  # name, secretary key, deputy key
    property_staff: tuple[str, ...] = ()
    building_heads: tuple[str, ...] = ()

    def body(self, ids: Keys) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.branch:
            name, secretary, deputy = self.branch
            body["party_branch"] = {
                "name": name,
                "secretary_member_id": ids[secretary],
                "deputy_member_id": ids[deputy],
            }
        if self.property_staff:
            body["property_staff_ids"] = [ids[k] for k in self.property_staff]
        if self.building_heads:
            body["building_head_ids"] = [ids[k] for k in self.building_heads]
        return body


@dataclass(frozen=True)
class Credit:
    """Hours from a paper record: POST /api/v1/members/{id}/record/credits."""

    key: str
    served_on: date
    hours: float
    content: str
    organiser: str
    reference: str

    def body(self) -> dict[str, Any]:
        return {
            "served_on": self.served_on.isoformat(),
            "hours": self.hours,
            "content": self.content,
            "organiser": self.organiser,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class RegistryDemo:
    communities: list[dict[str, Any]]
    compounds: list[dict[str, Any]]
    buildings: list[dict[str, Any]]
    partners: list[dict[str, Any]]
    people: list[Person]
    unit_roles: list[UnitRoles]
    grids: list[dict[str, Any]]  # each with "worker": a member key
    teams: list[dict[str, Any]]
    memberships: list[Membership]
    credits: list[Credit]

    def grid_body(self, grid: Mapping[str, Any], ids: Keys) -> dict[str, Any]:
        body = {k: v for k, v in grid.items() if k != "worker"}
        return {**body, "grid_worker_id": ids[grid["worker"]]}


# A compound's building heads: someone living in the building, from these groups in turn.
HEADS_FROM: Final = {
    "haide_gongyuan": ("wulaohong-",),
    "pingguo": ("pingguo-head-", "linli-"),
    "gaolin_shijia": tuple(f"{squad}-" for squad, _ in HUIGUANJIA_SQUADS),
    "shengli_huayuan": ("shengli-head-", "tongxing-"),
    "zhongmao_cheng": ("zhongmao-head-",),
}
BRANCH_OFFICERS: Final = {  # compound -> (secretary, deputy)
    "haide_gongyuan": ("wulaohong-01", "wulaohong-02"),
    "pingguo": ("pingguo-secretary", "linli-01"),  # the 帮帮团's founder is the deputy
    "gaolin_shijia": ("huiguanjia-leader", "huiguanjia-deputy"),
    "shengli_huayuan": ("shengli-secretary", "tongxing-03"),
    "zhongmao_cheng": ("fenghua-01", "fenghua-02"),
}
LEADS: Final = ("-01", "-02")  # a team's leader and deputy have enough to do


def building_heads(people: list[Person], compound_id: str, building_id: str) -> str:
    prefixes = HEADS_FROM[compound_id]
    if compound_id == "gaolin_shijia":  # each building's group owner from another squad in turn
        turn = int(building_id.rsplit("-", 1)[1]) % len(prefixes)
        prefixes = prefixes[turn:] + prefixes[:turn]
    for prefix in prefixes:
        for p in people:
            living_there = p.home.get("building_id") == building_id
            if living_there and p.key.startswith(prefix) and not p.key.endswith(LEADS):
                return p.key
    raise LookupError(f"nobody to head {building_id}")


def unit_roles(people: list[Person]) -> list[UnitRoles]:
    roles = [
        UnitRoles(
            c,
            branch=(f"{COMMUNITY_NAMES[c]}党总支", f"{c}-worker-1", f"{c}-worker-2"),
        )
        for c in GRID_COMMUNITIES
    ]
    for c in COMPOUNDS:
        secretary, deputy = BRANCH_OFFICERS[c.unit_id]
        roles.append(
            UnitRoles(
                c.unit_id,
                branch=(f"{c.name}小区党支部", secretary, deputy),
                property_staff=(f"{c.unit_id}-staff-1", f"{c.unit_id}-staff-2"),
            )
        )
        roles += [
            UnitRoles(b, building_heads=(building_heads(people, c.unit_id, b),))
            for b in c.building_ids
        ]
    return roles


WULAOHONG_WORK: Final = (
    "小园丁护苗成长小课堂",
    "文明宣传",
    "环境整治",
    "困难帮扶走访",
    "移风易俗宣讲",
)


def half_years(count: int) -> list[tuple[date, str]]:
    """The last day and label of `count` half-years from 2019 on."""
    out = []
    for i in range(count):
        year, first = 2019 + i // 2, i % 2 == 0
        out.append(
            (date(year, 6, 30) if first else date(year, 12, 31), f"{year}-h{1 if first else 2}")
        )
    return out


def paper_credits() -> list[Credit]:
    """五老红's paper ledgers: three veterans past 300 h (2★), six past 100 h (1★), the rest a
    little; 邻里帮帮团's founders a few entries. One entry per half-year, at most 24 h."""
    credits: list[Credit] = []

    def ledger(key: str, team: str, hours: list[float], work: tuple[str, ...]) -> None:
        for n, ((served_on, period), h) in enumerate(
            zip(half_years(len(hours)), hours, strict=True)
        ):
            credits.append(
                Credit(
                    key,
                    served_on,
                    h,
                    f"纸质台账补录（{period}）：{work[n % len(work)]}",
                    team,
                    f"paper-{key}-{period}",
                )
            )

    for i in range(32):
        key = f"wulaohong-{i + 1:02d}"
        if i < 3:
            hours = [24.0] * (13 + (i > 0))  # 312 h, 336 h, 336 h
        elif i < 9:
            hours = [24.0, 24.0, 22.5, 20.0, 12.0 + i]  # 114.5 h to 120.5 h
        else:
            hours = [4.0 + i % 8 * 1.5, 6.5]
        ledger(key, "五老红志愿服务队", hours, WULAOHONG_WORK[i % 5 :] + WULAOHONG_WORK[: i % 5])
    for i in range(3):
        ledger(
            f"linli-{i + 1:02d}",
            "邻里帮帮团",
            [18.0, 20.5, 16.0],
            ("快板宣讲防范电信诈骗", "文明宣讲"),
        )
    return credits


def build_registry_demo() -> RegistryDemo:
    contacts = NameDrawer(seed=1_000_000)  # contact people of companies: not members
    people, memberships = build_people()
    contacts.taken |= {p.name for p in people}
    return RegistryDemo(
        communities=community_bodies(),
        compounds=compound_bodies(contacts),
        buildings=building_bodies(),
        partners=partner_bodies(contacts),
        people=people,
        unit_roles=unit_roles(people),
        grids=grid_units(),
        teams=team_bodies(),
        memberships=memberships,
        credits=paper_credits(),
    )


DEMO_REGISTRY: Final = build_registry_demo()
