"""The demo's activities: a year of the teams' plans (tools/demo_activities_plans.py) up to
the day of loading, and a few weeks ahead, as the gateway's activity routes take them.

Past activities are completed: a paper roster (who served which role, their hours in 0.5 h
steps), then completed with a summary (the hours approved as entered). Later ones are
published with some volunteers signed up, and residents registered for the kids' class and
the health checks. Everything is drawn with a fixed seed from the day of loading, so two
loads on one day make the same demo; volunteers are drawn by fewest activities so far,
never two activities at once, and only into roles whose skill they have.
"""

import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from tools.demo_activities_plans import ONE_OFFS, RECURRING, OneOff, Plan, Recurring, Role
from tools.demo_people import NameDrawer, phone
from tools.demo_registry_data import DEMO_REGISTRY, RegistryDemo

TZ: Final = ZoneInfo("Asia/Shanghai")  # the services' default ACTIVITIES_TIME_ZONE
YEAR: Final = timedelta(days=364)  # 52 weeks back from the day of loading
AHEAD: Final = timedelta(days=21)  # and three weeks ahead
# An activity starting sooner than this after "now" is left as the series made it: the load
# takes a while, and sign-ups close at the start.
SIGN_UP_MARGIN: Final = timedelta(hours=2)
SEED: Final = 20_250_527
HEALTH_DAY_RESIDENTS: Final = 108  # the report's "100余名老年人"
HEALTH_DAY_PROXIES: Final = 64  # elders without a phone, registered by a volunteer

Status = Literal["completed", "published", "cancelled", "draft"]
Keys = Mapping[str, str]  # member key -> member id


@dataclass(frozen=True)
class Served:
    """One line of a paper roster."""

    key: str
    role_id: str
    hours: float


@dataclass(frozen=True)
class Resident:
    """A resident taking part: not a member, a name and maybe a phone; `proxy`: entered by a
    volunteer for an elder without a phone."""

    name: str
    phone: str | None
    proxy: bool

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "proxy": self.proxy}
        if self.phone:
            body["phone"] = self.phone
        return body


@dataclass(frozen=True)
class Occurrence:
    """One activity's date and what became of it (or is planned for it)."""

    starts_at: datetime
    ends_at: datetime
    status: Status
    roster: tuple[Served, ...] = ()
    signups: tuple[tuple[str, str], ...] = ()  # (member key, role id), in arrival order
    residents: tuple[Resident, ...] = ()
    summary: str = ""
    participant_count: int = 0
    photo_refs: tuple[str, ...] = ()
    cancel_reason: str = ""

    def roster_body(self, ids: Keys) -> dict[str, Any]:
        return {
            "lines": [
                {"member_id": ids[s.key], "role_id": s.role_id, "hours": s.hours}
                for s in self.roster
            ]
        }

    def completion_body(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "photo_refs": list(self.photo_refs),
            "participant_count": self.participant_count,
            "approve_remaining": True,
        }

    def members(self) -> set[str]:
        return {s.key for s in self.roster} | {key for key, _ in self.signups}


def fields(plan: Plan, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    """An activity's fields as CREATE_ACTIVITY and CREATE_SERIES take them."""
    body: dict[str, Any] = {
        "title": plan.title,
        "activity_type": plan.activity_type,
        "community_id": plan.community_id,
        "place": plan.place,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "target_group": plan.target_group,
        "organiser_team_ids": list(plan.teams),
        "partner_unit_ids": list(plan.partners),
        "description": plan.description,
        "roles": [role_body(r) for r in plan.roles],
        "participant_capacity": plan.capacity,
    }
    if plan.compound_id:
        body["compound_id"] = plan.compound_id
    return body


def role_body(role: Role) -> dict[str, Any]:
    body: dict[str, Any] = {
        "role_id": role.role_id,
        "name": role.name,
        "head_count": role.head_count,
    }
    if role.skill:
        body["required_skill"] = role.skill
    return body


@dataclass(frozen=True)
class DemoActivity:
    activity_id: str
    plan: Plan
    occurrence: Occurrence

    def body(self) -> dict[str, Any]:
        o = self.occurrence
        return {
            **fields(self.plan, o.starts_at, o.ends_at),
            "activity_id": self.activity_id,
            "publish": o.status != "draft",
        }


@dataclass(frozen=True)
class DemoSeries:
    """A series; `occurrences` are those in the demo's window, the n-th of them the
    activity `<series_id>-<nnn>` (the service names occurrences so)."""

    series_id: str
    plan: Plan
    weekdays: tuple[int, ...]
    interval_weeks: int
    occurrences: tuple[Occurrence, ...]

    def body(self) -> dict[str, Any]:
        first = self.occurrences[0]
        rule = {"interval_weeks": self.interval_weeks, "weekdays": list(self.weekdays)}
        return {
            **fields(self.plan, first.starts_at, first.ends_at),
            "series_id": self.series_id,
            "rule": rule,
            "publish": True,
        }

    def activity_id(self, n: int) -> str:
        return f"{self.series_id}-{n:03d}"

    def numbered(self) -> Iterator[tuple[str, Occurrence]]:
        for n, occurrence in enumerate(self.occurrences, start=1):
            yield self.activity_id(n), occurrence


@dataclass(frozen=True)
class ActivitiesDemo:
    now: datetime
    series: list[DemoSeries]
    activities: list[DemoActivity]

    def all(self) -> Iterator[tuple[str, Plan, Occurrence]]:
        """(activity id, plan, occurrence) for every activity in the window."""
        for s in self.series:
            for activity_id, occurrence in s.numbered():
                yield activity_id, s.plan, occurrence
        for a in self.activities:
            yield a.activity_id, a.plan, a.occurrence


# --- Building it --------------------------------------------------------------------------


@dataclass
class Rota:
    """Who serves: the fewest activities so far first, never two at once, skills as asked."""

    registry: RegistryDemo
    rnd: random.Random
    busy: dict[str, list[tuple[datetime, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    served: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.skills = {p.key: set(p.skills) for p in self.registry.people}

    def pool(self, crew: str | tuple[str, ...]) -> list[str]:
        if isinstance(crew, tuple):
            return list(crew)
        return list(
            dict.fromkeys(
                m.key
                for m in self.registry.memberships
                if m.team_id == crew or m.team_id.startswith(crew + "-")
            )
        )

    def free(self, key: str, start: datetime, end: datetime) -> bool:
        return all(not (s < end and start < e) for s, e in self.busy[key])

    def staff(
        self, plan: Plan, start: datetime, end: datetime, share: float
    ) -> list[tuple[str, Role]]:
        chosen: list[tuple[str, Role]] = []
        pool = self.pool(plan.crew)
        for role in plan.roles:
            wanted = round(role.head_count * share * self.rnd.uniform(0.8, 1.1))
            wanted = max(1, min(role.head_count, wanted))
            taken = {k for k, _ in chosen}
            fit = [
                k
                for k in pool
                if k not in taken
                and (role.skill is None or role.skill in self.skills[k])
                and self.free(k, start, end)
            ]
            fit.sort(key=lambda k: (self.served[k], self.rnd.random()))
            chosen += [(k, role) for k in fit[:wanted]]
        for key, _ in chosen:
            self.busy[key].append((start, end))
            self.served[key] += 1
        return chosen


@dataclass(frozen=True)
class Slot:
    activity_id: str
    plan: Plan
    starts_at: datetime
    cancel_reason: str = ""
    photo_refs: int = 0


def at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=TZ)


def series_dates(r: Recurring, first: date, last: date) -> list[date]:
    """The rule's dates in [first, last], as the service counts them (domain/series.py):
    every `interval_weeks` weeks from the first date's week, on `weekdays`."""
    start = first + timedelta(days=r.offset_days)
    start += timedelta(days=(min(r.weekdays) - start.isoweekday()) % 7)
    monday = start - timedelta(days=start.weekday())
    days: list[date] = []
    week = 0
    while True:
        for weekday in sorted(r.weekdays):
            day = monday + timedelta(weeks=week, days=weekday - 1)
            if day > last:
                return days
            if day >= start:
                days.append(day)
        week += r.interval_weeks


def nearest(days: list[date], month_day: str) -> date | None:
    """The date among `days` nearest to a month and day (in any year), within 4 days."""
    month, day = (int(part) for part in month_day.split("-"))
    best: tuple[int, date] | None = None
    for d in days:
        for year in (d.year - 1, d.year, d.year + 1):
            distance = abs((d - date(year, month, day)).days)
            if distance <= 4 and (best is None or distance < best[0]):
                best = (distance, d)
    return best[1] if best else None


def dated(o: OneOff, first: date, last: date) -> date:
    """The latest date with the one-off's month and day in [first, last]."""
    month, day = o.month_day
    for year in range(last.year, first.year - 1, -1):
        d = date(year, month, day)
        if first <= d <= last:
            return d
    raise ValueError(f"{o.slug}: no {month}-{day} between {first} and {last}")


def build_activities_demo(now: datetime, registry: RegistryDemo = DEMO_REGISTRY) -> ActivitiesDemo:
    """The demo as of `now` (tz-aware): a year back from its day, three weeks ahead."""
    today = now.astimezone(TZ).date()
    first, last = today - YEAR, today + AHEAD
    rnd = random.Random(f"{SEED}-{today.isoformat()}")
    rota = Rota(registry, rnd)
    residents = ResidentNames(registry)

    slots: list[Slot] = []
    series_slots: dict[str, list[Slot]] = {}
    for r in RECURRING:
        days = series_dates(r, first, last)
        cancelled = {nearest(days, md): reason for md, reason in r.cancelled.items()}
        mine = [
            Slot(f"{r.series_id}-{n:03d}", r.plan, at(d, r.plan.start), cancelled.get(d, ""))
            for n, d in enumerate(days, start=1)
        ]
        series_slots[r.series_id] = mine
        slots += mine
    one_off_slots = [
        Slot(
            f"{o.slug}-{d.year}",
            o.plan,
            at(d, o.plan.start),
            photo_refs=o.photo_refs,
        )
        for o in ONE_OFFS
        for d in [dated(o, first, last)]
    ]
    slots += one_off_slots

    made: dict[str, Occurrence] = {}
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.activity_id)):
        made[slot.activity_id] = occurrence(slot, now, rota, rnd, residents)

    series = [
        DemoSeries(
            r.series_id,
            r.plan,
            r.weekdays,
            r.interval_weeks,
            tuple(made[s.activity_id] for s in series_slots[r.series_id]),
        )
        for r in RECURRING
    ]
    activities = [DemoActivity(s.activity_id, s.plan, made[s.activity_id]) for s in one_off_slots]
    activities.append(draft(today))
    return ActivitiesDemo(now, series, activities)


def occurrence(
    slot: Slot, now: datetime, rota: Rota, rnd: random.Random, names: "ResidentNames"
) -> Occurrence:
    plan, start = slot.plan, slot.starts_at
    end = start + timedelta(minutes=plan.minutes)
    if slot.cancel_reason:
        return Occurrence(start, end, "cancelled", cancel_reason=slot.cancel_reason)
    health_day = plan.activity_type == "health_check" and plan.capacity >= 100
    if end <= now:
        staff = rota.staff(plan, start, end, plan.turnout)
        full = plan.minutes // 30 / 2
        roster = tuple(
            Served(key, role.role_id, full - 0.5 if full > 1 and rnd.random() < 0.12 else full)
            for key, role in staff
        )
        low, high = plan.participants
        people = names.elders(HEALTH_DAY_RESIDENTS, HEALTH_DAY_PROXIES) if health_day else ()
        count = len(people) or rnd.randint(low, high)
        summary = plan.summaries[rnd.randrange(len(plan.summaries))].format(n=count)
        photos = tuple(
            f"photos/{start:%Y/%m}/{slot.activity_id}-{i}.jpg"
            for i in range(1, slot.photo_refs + 1)
        )
        return Occurrence(
            start,
            end,
            "completed",
            roster=roster,
            residents=people,
            summary=summary,
            participant_count=count,
            photo_refs=photos,
        )
    if start < now + SIGN_UP_MARGIN:
        return Occurrence(start, end, "published")
    staff = rota.staff(plan, start, end, 0.6)
    signups = tuple((key, role.role_id) for key, role in staff)
    return Occurrence(start, end, "published", signups=signups, residents=registered(plan, names))


def registered(plan: Plan, names: "ResidentNames") -> tuple[Resident, ...]:
    """Residents registered ahead: the health-check day's elders; some children for a
    class, some elders for a health check (half of them by proxy)."""
    if plan.activity_type == "health_check" and plan.capacity >= 100:
        return names.elders(HEALTH_DAY_RESIDENTS, HEALTH_DAY_PROXIES)
    if not plan.capacity or plan.target_group == "all_residents":
        return ()
    if plan.target_group == "children":
        return names.children(min(plan.capacity // 2, 8))
    count = min(plan.capacity // 2, 10)
    return names.elders(count, count // 2)


def draft(today: date) -> DemoActivity:
    """风华中茂's next plan, not yet published: a draft only its organisers see."""
    day = today + timedelta(days=35)
    plan = Plan(
        title="风华中茂：新春游园会（筹备中）",
        activity_type="culture_show",
        community_id="quantang",
        compound_id="zhongmao_cheng",
        place="中茂城中心广场",
        start=time(14, 30),
        minutes=150,
        roles=(Role("stall", "游园摊位", 8), Role("photos", "摄影记录", 1, "photography")),
        crew="fenghua",
        summaries=(),
        teams=("fenghua",),
        capacity=200,
        description="猜灯谜、写春联、亲子游戏；摊位和奖品还在筹备。",
    )
    start = at(day, plan.start)
    occurrence = Occurrence(start, start + timedelta(minutes=plan.minutes), "draft")
    return DemoActivity(f"fenghua-spring-fair-{day.year}", plan, occurrence)


class ResidentNames:
    """Residents who take part: synthetic names no member has, phones `100…` like the
    members' (never a real mobile number), none for those registered by proxy."""

    def __init__(self, registry: RegistryDemo) -> None:
        self.drawer = NameDrawer(seed=2_000_000)
        self.drawer.taken |= {p.name for p in registry.people}
        self.numbers = 0

    def _phone(self) -> str:
        self.numbers += 1
        return phone(95_000 + self.numbers)

    def elders(self, count: int, proxies: int) -> tuple[Resident, ...]:
        out = []
        for i in range(count):
            name = self.drawer.draw("f" if i % 5 < 3 else "m")
            proxy = (i * proxies) % count < proxies  # spread among the others
            out.append(Resident(name, None if proxy else self._phone(), proxy))
        return tuple(out)

    def children(self, count: int) -> tuple[Resident, ...]:
        # A parent registers the child, with the parent's phone.
        return tuple(
            Resident(self.drawer.draw("f" if i % 2 else "m"), self._phone(), False)
            for i in range(count)
        )
