"""The demo's people: ~190 synthetic members of Quantang's teams and "1+3+N" roles, their team
memberships, and paper-record hours (hours served before the system, entered by an admin).

Each member has a `key` ("wulaohong-01", "pingguo-head-7"): the loader learns the member id
the registry issues for it and puts it where the org units and teams name members.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from tools.demo_org import COMMUNITIES, COMPOUND, GRID_COMMUNITIES, HUIGUANJIA_SQUADS
from tools.demo_people import Gender, NameDrawer, phone, resident_id

SEED: Final = 20_170_501  # fixed: every load makes the same people
OLD: Final = ("party_member", "old_party_member")
NEW_ORG: Final = ("party_member", "new_org_party_member")


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    gender: Gender
    born: date
    id_number: str
    phone: str
    home: dict[str, str]
    skills: tuple[str, ...]
    availability: tuple[str, ...]
    tags: tuple[str, ...]

    def body(self) -> dict[str, Any]:
        """The body of POST /api/v1/members."""
        return {
            "name": self.name,
            "id_type": "resident_id",
            "id_number": self.id_number,
            "phone": self.phone,
            "home": self.home,
            "skills": list(self.skills),
            "availability": list(self.availability),
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class Membership:
    team_id: str
    key: str
    role: str
    joined_on: date


@dataclass
class People:
    """Draws people in a fixed order: the same seed gives the same people every time."""

    names: NameDrawer = field(default_factory=lambda: NameDrawer(SEED))
    members: list[Person] = field(default_factory=list)

    def add(
        self,
        key: str,
        *,
        born: tuple[int, int],
        home: dict[str, str],
        skills: tuple[str, ...] = (),
        tags: tuple[str, ...] = (),
        gender: Gender | None = None,
        availability: tuple[str, ...] = ("weekday_morning", "weekend_morning"),
    ) -> Person:
        n = len(self.members)
        sex: Gender = gender or ("m" if self.names.random.random() < 0.55 else "f")
        birth = self.names.birth_date(*born)
        person = Person(
            key=key,
            name=self.names.draw(sex),
            gender=sex,
            born=birth,
            id_number=resident_id(birth, n, sex),
            phone=phone(n + 1),
            home=home,
            skills=skills,
            availability=availability,
            tags=tags,
        )
        self.members.append(person)
        return person


def home_in(compound_id: str, number: int, unit: int = 1) -> dict[str, str]:
    c = COMPOUND[compound_id]
    n = (number - 1) % c.buildings + 1
    return {
        "community_id": c.community_id,
        "compound_id": c.unit_id,
        "building_id": c.building_id(n),
        "unit": f"{unit}单元",
    }


def pick(pool: tuple[str, ...], i: int, count: int = 2) -> tuple[str, ...]:
    return tuple(dict.fromkeys(pool[(i + k) % len(pool)] for k in range(count)))


FIVE_OLDS: Final = ("old_cadre", "old_expert", "old_soldier", "old_model_worker")
AFTERNOONS: Final = ("weekday_afternoon", "weekend_afternoon")
AFTER_WORK: Final = ("weekday_evening", "weekend_morning")


def _wulaohong(p: People, joined: list[Membership]) -> None:
    """五老红 (泉韵, 海德公元 branch): 32 five-olds, 25 of them old party members."""
    skills = ("teaching", "talks", "environment", "elder_care", "culture", "mediation")
    for i in range(32):
        tags = (*OLD, *(("old_soldier",) if i % 6 == 4 else ())) if i < 25 else (FIVE_OLDS[i % 4],)
        key = f"wulaohong-{i + 1:02d}"
        p.add(
            key,
            born=(1944, 1962),
            home=home_in("haide_gongyuan", i + 1, 1 + i % 3),
            skills=pick(skills, i),
            tags=tags,
        )
        role = "leader" if i == 0 else "deputy" if i == 1 else "member"
        joined.append(Membership("wulaohong", key, role, date(2018 + i % 5, 3 + i % 9, 5)))


def _linli(p: People, joined: list[Membership]) -> None:
    """邻里帮帮团 (星港, 苹果小区 branch, since 2017): in their 60s and 70s, 10 old party
    members, clapper-talk shows against fraud. Its founder is the branch's deputy secretary."""
    skills = ("clapper_talk", "talks", "environment", "mediation", "culture")
    for i in range(18):
        key = f"linli-{i + 1:02d}"
        p.add(
            key,
            born=(1952, 1966),
            home=home_in("pingguo", i + 1, 1 + i % 2),
            skills=pick(skills, i),
            tags=OLD if i < 10 else (),
            availability=AFTERNOONS,
        )
        role = "leader" if i == 0 else "deputy" if i == 1 else "member"
        joined.append(Membership("linli", key, role, date(2017, 4 + i % 8, 1 + i)))
    p.add(
        "pingguo-secretary", born=(1960, 1970), home=home_in("pingguo", 2), tags=("party_member",)
    )
    for n in range(7, 13):  # buildings 1-6 are headed by 帮帮团 members
        p.add(
            f"pingguo-head-{n}",
            born=(1958, 1985),
            home=home_in("pingguo", n),
            skills=("mediation",),
        )


SQUAD_PROFILE: Final[dict[str, tuple[tuple[int, int], tuple[str, ...], tuple[str, ...]]]] = {
    "xianfeng": ((1965, 1990), ("talks", "mediation", "environment"), ("party_member",)),
    "jinguo": ((1960, 1992), ("elder_care", "culture", "teaching"), ()),
    "laobing": ((1950, 1972), ("repair", "mediation", "talks"), ("old_soldier",)),
    "pingan": ((1962, 1990), ("mediation", "legal", "repair"), ()),
    "jiankang": ((1960, 1995), ("medical", "psychological", "elder_care"), ()),
    "xiaoguanjia": ((1998, 2007), ("teaching", "photography", "culture"), ()),
}


def _huiguanjia(p: People, joined: list[Membership]) -> None:
    """惠管家 (高林仕家 branch): a leader and deputy over six sub-squads of seven."""
    p.add(
        "huiguanjia-leader",
        born=(1966, 1975),
        home=home_in("gaolin_shijia", 1),
        skills=("talks", "mediation"),
        tags=("party_member",),
    )
    p.add(
        "huiguanjia-deputy",
        born=(1970, 1982),
        home=home_in("gaolin_shijia", 2),
        skills=("mediation", "legal"),
        tags=("party_member",),
    )
    joined += [
        Membership("huiguanjia", "huiguanjia-leader", "leader", date(2025, 3, 1)),
        Membership("huiguanjia", "huiguanjia-deputy", "deputy", date(2025, 3, 1)),
    ]
    for s, (squad, _) in enumerate(HUIGUANJIA_SQUADS):
        born, skills, tags = SQUAD_PROFILE[squad]
        gender: Gender | None = "f" if squad == "jinguo" else "m" if squad == "laobing" else None
        for i in range(7):
            key = f"{squad}-{i + 1:02d}"
            p.add(
                key,
                born=born,
                home=home_in("gaolin_shijia", s + i * 6 + 1, 1 + i % 2),
                skills=pick(skills, i),
                tags=tags,
                gender=gender,
                availability=AFTER_WORK,
            )
            role = "leader" if i == 0 else "member"
            joined.append(Membership(f"huiguanjia-{squad}", key, role, date(2025, 3, 15 + i)))


def _fenghua(p: People, joined: list[Membership]) -> None:
    """风华中茂 (中茂城 branch): "new organisations" party members from firms and NGOs."""
    skills = ("legal", "photography", "environment", "teaching", "psychological")
    for i in range(16):
        key = f"fenghua-{i + 1:02d}"
        p.add(
            key,
            born=(1978, 1998),
            home=home_in("zhongmao_cheng", i + 1, 1 + i % 2),
            skills=pick(skills, i),
            tags=NEW_ORG,
            availability=AFTER_WORK,
        )
        role = "leader" if i == 0 else "deputy" if i == 1 else "member"
        joined.append(Membership("fenghua", key, role, date(2025, 6, 1 + i)))
    for n in range(1, 7):
        p.add(f"zhongmao-head-{n}", born=(1965, 1990), home=home_in("zhongmao_cheng", n))


def _tongxing(p: People, joined: list[Membership]) -> None:
    """同星 (景星): health checks with the care station and the subdistrict health centre."""
    skills = ("medical", "elder_care", "psychological", "culture")
    for i in range(14):
        key = f"tongxing-{i + 1:02d}"
        p.add(
            key,
            born=(1962, 1996),
            home=home_in("shengli_huayuan", i + 1, 1 + i % 2),
            skills=pick(skills, i),
            tags=("party_member",) if i % 3 == 0 else (),
        )
        role = "leader" if i == 0 else "deputy" if i == 1 else "member"
        joined.append(Membership("tongxing", key, role, date(2021 + i % 4, 5, 27)))
    p.add(
        "shengli-secretary",
        born=(1958, 1968),
        home=home_in("shengli_huayuan", 1),
        tags=("party_member",),
    )
    for n in range(4, 7):  # buildings 1-3 are headed by 同星 members
        p.add(f"shengli-head-{n}", born=(1955, 1980), home=home_in("shengli_huayuan", n))


def _staff_and_residents(p: People) -> None:
    for c in COMPOUND.values():
        for n in (1, 2):
            p.add(
                f"{c.unit_id}-staff-{n}",
                born=(1978, 1998),
                home={"community_id": c.community_id},
                skills=("repair",),
            )
    for community_id in GRID_COMMUNITIES:  # community workers: grid workers, 1 is 党总支书记
        for n in (1, 2):
            p.add(
                f"{community_id}-worker-{n}",
                born=(1984, 1998),
                home={"community_id": community_id},
                skills=("mediation",),
                tags=("party_member",),
            )
    others = [c for c, _ in COMMUNITIES if c not in GRID_COMMUNITIES]
    skills = ("repair", "teaching", "legal", "culture", "elder_care", "photography")
    for i, community_id in enumerate(others):
        for n in (1, 2):
            p.add(
                f"{community_id}-resident-{n}",
                born=(1955, 1995),
                home={"community_id": community_id},
                skills=pick(skills, i + n, 1),
                tags=("party_member",) if (i + n) % 3 == 0 else (),
            )


def build_people() -> tuple[list[Person], list[Membership]]:
    people, joined = People(), list[Membership]()
    for part in (_wulaohong, _linli, _huiguanjia, _fenghua, _tongxing):
        part(people, joined)
    _staff_and_residents(people)
    return people.members, joined
