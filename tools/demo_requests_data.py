"""The demo board of residents' requests (诉求) and micro-wishes (微心愿): what each one says
and how far it has gone, as the gateway's requests and wishes routes take them.

Each request is a body for `POST /api/v1/requests` and the steps that follow (accept,
dispatch, start, extension, resolve, follow-up, return, transfer, duplicate, not
responsible, cancel, notes); each wish a body for `POST /api/v1/wishes` and its steps
(review, claim, fulfil, confirm). Where a body names a member it holds `Member(key)`, and
where it names another demo request `Ref(slug)`: the loader puts in the ids the registry
and the requests service issued.

The service stamps every time itself (submitted, accepted, deadlines from the moment of
acceptance): a load makes a board of today, not of past months. Overdue ones come from
same-day kinds (emergencies) accepted during the load and still open: they fall due at
24:00 local time and are escalated after the grace (docs/requests.md, "Demo data").

Residents are not members (but one): names drawn with a fixed seed, phones `100` + 8 digits
(never a mobile number in China). The people handling them are the registry demo's.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from tools.demo_data import DEMO_REQUESTS
from tools.demo_org import COMPOUND, grid_units
from tools.demo_people import NameDrawer, phone
from tools.demo_registry_data import DEMO_REGISTRY, building_heads

RESIDENT_PHONES: Final = 80_000  # phone(80_000 + n): requests' residents
WISH_PHONES: Final = 81_000  # phone(81_000 + n): wishes' residents
SEED: Final = 12_345


@dataclass(frozen=True)
class Member:
    """A member of the registry's demo, by key: the loader puts in the member id."""

    key: str


@dataclass(frozen=True)
class Ref:
    """Another demo request, by slug: the loader puts in its id."""

    slug: str


Action = Literal[
    "accept",
    "return",
    "dispatch",
    "start",
    "extension",
    "approve_extension",
    "resolve",
    "follow_up",
    "reopen",
    "transfer",
    "duplicate",
    "not_responsible",
    "cancel",
    "note",
]
# Each action's route under /api/v1/requests/{id}.
PATHS: Final[Mapping[Action, str]] = {
    "accept": "accept",
    "return": "return",
    "dispatch": "dispatch",
    "start": "start",
    "extension": "extension",
    "approve_extension": "extension/approve",
    "resolve": "resolve",
    "follow_up": "follow-up",
    "reopen": "reopen",
    "transfer": "transfer",
    "duplicate": "duplicate",
    "not_responsible": "not-responsible",
    "cancel": "cancel",
    "note": "notes",
}

WishAction = Literal["review", "claim", "fulfil", "confirm"]


@dataclass(frozen=True)
class Step:
    action: Action
    body: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WishStep:
    action: WishAction
    body: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoRequest:
    slug: str  # readable, unique: the Idempotency-Key of its creation says it
    body: Mapping[str, Any]
    steps: tuple[Step, ...]
    status: str  # where the steps leave it
    overdue: bool = False  # a same-day kind left open: overdue from 24:00 tonight


@dataclass(frozen=True)
class DemoWish:
    slug: str
    body: Mapping[str, Any]
    steps: tuple[WishStep, ...]
    status: str


@dataclass(frozen=True)
class RequestsDemo:
    requests: list[DemoRequest]
    wishes: list[DemoWish]

    def members(self) -> set[str]:
        """The keys of every member the board names."""
        named = [(r.body, [s.body for s in r.steps]) for r in self.requests]
        named += [(w.body, [s.body for s in w.steps]) for w in self.wishes]
        return set(named_members(named))


def resolved(value: Any, members: Mapping[str, str], made: Mapping[str, str]) -> Any:
    """`value` with every Member and Ref replaced by its id (KeyError for one not made)."""
    if isinstance(value, Member):
        return members[value.key]
    if isinstance(value, Ref):
        return made[value.slug]
    if isinstance(value, Mapping):
        return {k: resolved(v, members, made) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolved(v, members, made) for v in value]
    return value


def named_members(value: Any) -> Iterator[str]:
    """The member keys `value` names."""
    if isinstance(value, Member):
        yield value.key
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from named_members(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from named_members(v)


# --- Steps ---------------------------------------------------------------------------------


def accept() -> Step:
    return Step("accept")


def send_back(reason: str) -> Step:
    return Step("return", {"reason": reason})


def dispatch(handler_type: str, handler_id: str | Member, note: str = "") -> Step:
    body: dict[str, Any] = {"handler_type": handler_type, "handler_id": handler_id}
    if note:
        body["note"] = note
    return Step("dispatch", body)


def start() -> Step:
    return Step("start")


def extension(reason: str, working_days: int) -> Step:
    return Step("extension", {"reason": reason, "working_days": working_days})


def approve() -> Step:
    return Step("approve_extension")


def resolve(notes: str, hours: float = 0, *served: str) -> Step:
    body: dict[str, Any] = {"notes": notes, "hours_spent": hours}
    if served:
        body["volunteer_member_ids"] = [Member(k) for k in served]
    return Step("resolve", body)


def follow_up(satisfaction: str, comment: str = "") -> Step:
    body = {"satisfaction": satisfaction}
    return Step("follow_up", {**body, "comment": comment} if comment else body)


def note(text: str, *, mediation: bool = False) -> Step:
    return Step("note", {"text": text, "mediation": mediation})


def transfer(reason: str, *, community: str | None = None, outside: str | None = None) -> Step:
    body: dict[str, Any] = {"reason": reason}
    if community:
        body["to_community_id"] = community
    if outside:
        body["to_outside"] = outside
    return Step("transfer", body)


def duplicate_of(slug: str) -> Step:
    return Step("duplicate", {"original_id": Ref(slug)})


def not_responsible(reason: str) -> Step:
    return Step("not_responsible", {"reason": reason})


def cancel(reason: str) -> Step:
    return Step("cancel", {"reason": reason})


# Handlers ---------------------------------------------------------------------------------


def property_company(compound: str, note_: str = "") -> Step:
    return dispatch("property_company", compound, note_)


def owners_committee(compound: str, note_: str = "") -> Step:
    return dispatch("owners_committee", compound, note_)


def party_branch(compound: str, note_: str = "") -> Step:
    return dispatch("party_branch", compound, note_)


def team(team_id: str, note_: str = "") -> Step:
    return dispatch("team", team_id, note_)


def volunteer(key: str, note_: str = "") -> Step:
    return dispatch("volunteer", Member(key), note_)


def building_head(building_id: str, note_: str = "") -> Step:
    compound = building_id.rsplit("-", 1)[0]
    return dispatch(
        "building_head", Member(building_heads(DEMO_REGISTRY.people, compound, building_id)), note_
    )


GRID_WORKERS: Final = {
    b: grid["worker"] for grid in grid_units() for b in grid["grid_building_ids"]
}


def grid_worker(building_id: str, note_: str = "") -> Step:
    return dispatch("grid_worker", Member(GRID_WORKERS[building_id]), note_)


# Scripts: how far a request goes -------------------------------------------------------------


def handling(handler: Step, *more: Step) -> tuple[Step, ...]:
    """Accepted, dispatched, started (then `more`)."""
    return (accept(), handler, start(), *more)


def closed(
    handler: Step, notes: str, satisfaction: str, hours: float = 0, *served: str
) -> tuple[Step, ...]:
    return handling(handler, resolve(notes, hours, *served), follow_up(satisfaction))


# --- The requests --------------------------------------------------------------------------

Place = tuple[str, int | None]  # (compound id, building number or None)


# The kinds' extra fields (services/requests/domain/kinds.py; none is required), by slug.
EXTRA: Final[Mapping[str, Mapping[str, str | float | bool]]] = {
    "haide-3-stair-lights": {"facility": "lighting", "indoor": False},
    "haide-8-medicine-runs": {"need": "shopping"},
    "haide-playground-rubble": {"issue": "littering"},
    "pingguo-5-seepage": {"dispute_type": "water_leak"},
    "pingguo-12-blood-pressure": {"home_visit": True},
    "shengli-6-diet-advice": {"home_visit": False},
    "gaolin-9-barking": {"dispute_type": "pets"},
    "haide-2-water-leak": {"facility": "water_pipe", "indoor": False},
    "haide-5-escort-to-hospital": {"need": "medical_escort"},
    "haide-garbage-pickup": {"issue": "garbage"},
    "haide-4-noise": {"dispute_type": "noise"},
    "haide-7-elevator": {"facility": "elevator", "indoor": False},
    "haide-1-broken-bench": {"facility": "other", "indoor": False},
    "haide-3-lights-again": {"facility": "lighting"},
    "haide-6-lonely-elder": {"need": "companionship"},
    "haide-5-window": {"facility": "other", "indoor": False},
    "pingguo-3-pipe-burst": {"people_at_risk": 24},
    "pingguo-8-gas-smell": {"people_at_risk": 8},
    "pingguo-6-parking-dispute": {"dispute_type": "parking"},
    "pingguo-9-fraud-call": {"need": "other"},
    "pingguo-11-roof-leak": {"facility": "other", "indoor": True},
    "pingguo-overgrown-trees": {"issue": "greening"},
    "pingguo-4-square-dance": {"dispute_type": "noise"},
    "pingguo-10-road-light": {"facility": "lighting", "indoor": False},
    "pingguo-heating-subsidy": {"need": "other"},
    "pingguo-1-wrong-community": {"issue": "greening"},
    "pingguo-12-stray-cats": {"issue": "pests"},
    "shengli-2-wheelchair": {"need": "daily_care"},
    "shengli-4-home-check": {"home_visit": True},
    "shengli-1-mosquitoes": {"issue": "pests"},
    "shengli-3-laundry": {"dispute_type": "other"},
    "shengli-5-medicine": {"home_visit": True},
    "shengli-6-power-cut": {"people_at_risk": 1},
    "shengli-2-duplicate-wheelchair": {"need": "daily_care"},
    "shengli-other-community": {"facility": "other", "indoor": False},
    "shengli-5-smartphone": {"need": "other"},
    "gaolin-2-drain": {"facility": "water_pipe", "indoor": True},
    "gaolin-5-lonely-elder": {"need": "shopping"},
    "gaolin-7-dog-bite": {"dispute_type": "pets"},
    "gaolin-6-blood-sugar": {"home_visit": True},
    "gaolin-1-bicycle": {"issue": "littering"},
    "gaolin-8-water-pressure": {"facility": "water_pipe", "indoor": True},
    "gaolin-10-kids-homework": {"need": "other"},
    "gaolin-4-power-outage": {"people_at_risk": 120},
    "zhongmao-2-graffiti": {"issue": "littering"},
    "zhongmao-5-rent-dispute": {"dispute_type": "other"},
}


class Board:
    """Collects the demo requests, drawing each resident's name and phone in turn."""

    def __init__(self) -> None:
        self.names = NameDrawer(SEED)
        self.names.taken |= {p.name for p in DEMO_REGISTRY.people}
        self.requests: list[DemoRequest] = []

    def add(
        self,
        slug: str,
        kind: str,
        title: str,
        description: str,
        where: Place,
        steps: tuple[Step, ...],
        status: str,
        *,
        channel: str = "wechat_group",
        urgency: str = "normal",
        gender: Literal["f", "m"] = "f",
        resident_member: str | None = None,
        overdue: bool = False,
    ) -> None:
        compound_id, number = where
        location = {"community_id": COMPOUND[compound_id].community_id, "compound_id": compound_id}
        if number is not None:
            location["building_id"] = COMPOUND[compound_id].building_id(number)
        body: dict[str, Any] = {
            "kind": kind,
            "title": title,
            "description": description,
            "location": location,
            "channel": channel,
            "urgency": urgency,
        }
        if resident_member:
            body["resident_member_id"] = Member(resident_member)
        else:
            body["resident_name"] = self.names.draw(gender)
            body["resident_phone"] = phone(RESIDENT_PHONES + len(self.requests) + 1)
        if slug in EXTRA:
            body["extra"] = dict(EXTRA[slug])
        self.requests.append(DemoRequest(slug, body, steps, status, overdue))

    def adopt(
        self, slug: str, body: Mapping[str, Any], steps: tuple[Step, ...], status: str
    ) -> None:
        """One of tools/demo_data.py's DEMO_REQUESTS, its phone made a `100` one."""
        number = phone(RESIDENT_PHONES + len(self.requests) + 1)
        adopted = {**body, "resident_phone": number, "extra": dict(EXTRA.get(slug, {}))}
        self.requests.append(DemoRequest(slug, adopted, steps, status, body["kind"] == "emergency"))


def early_requests(b: Board) -> None:
    """tools/demo_data.py's eight, taken on (the banner's example names their titles)."""
    by_title = {r["title"]: r for r in DEMO_REQUESTS}
    b.adopt(
        "haide-3-stair-lights",
        by_title["3栋2单元楼道声控灯不亮"],
        closed(
            property_company("haide_gongyuan", "请物业电工本周内更换"),
            "物业电工已更换三至六楼声控灯6只，逐层试过，夜间正常亮灯。",
            "satisfied",
        ),
        "closed",
    )
    b.adopt(
        "haide-8-medicine-runs",
        by_title["独居老人需要有人定期代买药品"],
        handling(volunteer("wulaohong-03", "陈爷爷与您同楼，请每月代购降压药并送上门")),
        "in_progress",
    )
    b.adopt(
        "haide-playground-rubble",
        by_title["儿童游乐区旁绿化带有建筑垃圾"],
        closed(
            property_company("haide_gongyuan"),
            "物业已清运绿化带内的碎瓷砖和废木板，共两车。",
            "unsatisfied",
        ),
        "in_progress",
    )
    b.adopt(
        "pingguo-5-seepage",
        by_title["楼上卫生间渗水到楼下天花板"],
        handling(
            building_head("pingguo-5", "请楼栋长先约两户见面"),
            note(
                "502业主同意请防水师傅检测，费用待检测结果出来后再商量；402情绪较激动。",
                mediation=True,
            ),
            extension("502业主出差，下周回来后才能入户检测防水层", 3),
            approve(),
        ),
        "in_progress",
    )
    b.adopt(
        "pingguo-12-blood-pressure",
        by_title["老两口想预约上门测量血压"],
        closed(
            grid_worker("pingguo-12", "请联系街道卫生服务中心的家庭医生"),
            "已联系街道卫生服务中心家庭医生上门测量，两位老人血压偏高，已调整用药建议。",
            "basically_satisfied",
        ),
        "closed",
    )
    b.adopt(
        "shengli-6-diet-advice",
        by_title["义诊后血糖偏高，希望得到饮食指导"],
        handling(
            team("tongxing"),
            resolve(
                "同星志愿者陪同李奶奶到居家养老服务站复查，医生讲解了三餐搭配，留了一份饮食表。",
                1.5,
                "tongxing-03",
                "tongxing-05",
            ),
        ),
        "resolved",
    )
    b.adopt(
        "gaolin-garage-flooding",
        by_title["暴雨后地下车库入口积水"],
        handling(property_company("gaolin_shijia", "立即抽水，入口设置警示")),
        "in_progress",
    )
    b.adopt(
        "gaolin-9-barking",
        by_title["夜间犬吠影响邻居休息"],
        (
            accept(),
            team("huiguanjia-pingan", "请平安管家先上门沟通"),
            note("已在9栋群里提醒文明养犬，犬主表示晚上会把狗关在里屋。", mediation=True),
        ),
        "dispatched",
    )


def quanyun(b: Board) -> None:
    b.add(
        "haide-2-water-leak",
        "repair",
        "2栋地下室水管漏水",
        "2栋地下室总水管接头处一直在滴水，地面积了一层水，楼栋群里有老人反映下楼时差点滑倒。"
        "（楼栋群群主代为反映）",
        ("haide_gongyuan", 2),
        closed(
            property_company("haide_gongyuan"),
            "物业已更换漏水接头，地下室积水已清理。",
            "satisfied",
        ),
        "closed",
    )
    b.add(
        "haide-5-escort-to-hospital",
        "hardship_help",
        "独居老人需要陪诊",
        "5栋的独居老人下周二要去县人民医院复查眼睛，子女在广东，希望有志愿者陪同挂号、取药。",
        ("haide_gongyuan", 5),
        handling(volunteer("wulaohong-03", "请陪同老人复查，注意提前预约")),
        "in_progress",
        channel="via_volunteer",
        gender="m",
    )
    b.add(
        "haide-garbage-pickup",
        "environment",
        "垃圾清运不及时",
        "小区东门垃圾站这几天都是隔天才清运一次，天气热，气味很大，苍蝇多。",
        ("haide_gongyuan", None),
        closed(
            property_company("haide_gongyuan", "请与环卫公司核实清运频次"),
            "物业与环卫公司约定每天上午、傍晚各清运一次，并对垃圾站消杀。",
            "basically_satisfied",
        ),
        "closed",
        channel="app",
    )
    b.add(
        "haide-4-noise",
        "neighbour_dispute",
        "邻里噪音纠纷",
        "4栋601晚上十一点后经常拖动桌椅、跳绳，楼下501老人睡不好，上楼沟通过一次，双方吵了起来。",
        ("haide_gongyuan", 4),
        handling(
            building_head("haide_gongyuan-4", "请楼栋长出面调解"),
            note(
                "分别上门听了两家的说法：601家孩子备考跳绳锻炼，同意改到晚上九点前并铺上隔音垫；"
                "501老人接受，约定一周后再回访。",
                mediation=True,
            ),
            resolve(
                "楼栋长调解，双方约定晚九点后不做有响声的锻炼，601铺隔音垫。", 2, "wulaohong-05"
            ),
        ),
        "resolved",
        channel="in_person",
    )
    b.add(
        "haide-7-elevator",
        "repair",
        "7栋电梯经常停在半层",
        "7栋电梯这个月已经困人两次，楼里有几位坐轮椅的老人，希望尽快彻底检修。",
        ("haide_gongyuan", 7),
        handling(
            property_company("haide_gongyuan", "困人两次，请联系维保单位全面检修"),
            extension("需更换电梯控制主板，厂家配件下周才能到货", 5),
            approve(),
        ),
        "in_progress",
        channel="phone",
        urgency="urgent",
    )
    b.add(
        "haide-1-broken-bench",
        "repair",
        "1栋门口休闲椅木条断裂",
        "1栋门口的休闲长椅有两根木条断了，老人坐下时容易夹手。",
        ("haide_gongyuan", 1),
        (accept(),),
        "accepted",
        channel="in_person",
        resident_member="wulaohong-10",
    )
    b.add(
        "haide-parking-suggestion",
        "suggestion",
        "建议在小区增设电动车充电桩",
        "现在不少住户从楼道里拉线给电动车充电，存在火灾隐患，建议在地面停车区增设集中充电桩。",
        ("haide_gongyuan", None),
        handling(
            owners_committee("haide_gongyuan", "请业委会征求业主意见"),
            resolve("业委会已征求意见，计划在西侧停车区安装充电桩20个，费用由公共收益列支。"),
            follow_up("satisfied", "希望早点装好"),
        ),
        "closed",
        channel="app",
        gender="m",
    )
    b.add(
        "haide-3-lights-again",
        "repair",
        "3栋楼道灯又不亮了",
        "3栋2单元的楼道灯晚上不亮，已经好几天了。",
        ("haide_gongyuan", 3),
        (duplicate_of("haide-3-stair-lights"),),
        "closed",
        channel="phone",
    )
    b.add(
        "haide-6-lonely-elder",
        "hardship_help",
        "独居老人希望有人定期上门聊天",
        "6栋的独居老奶奶老伴去年走了，最近话越来越少，邻居担心她，希望有志愿者每周去看看她。",
        ("haide_gongyuan", 6),
        handling(team("wulaohong", "纳入困难帮扶走访名单，每周一次")),
        "in_progress",
        channel="via_volunteer",
    )
    b.add(
        "haide-8-pet-complaint",
        "complaint",
        "投诉有人在草坪上遛狗不清理粪便",
        "8栋旁边的草坪每天早上都有狗粪，小孩在上面玩，投诉多次没有改善。",
        ("haide_gongyuan", 8),
        (accept(), party_branch("haide_gongyuan", "请小区党支部组织文明养犬劝导")),
        "dispatched",
        channel="app",
    )
    b.add(
        "haide-parking-space-delivery",
        "complaint",
        "投诉开发商延期交付车位",
        "购买的地下车位合同约定去年交付，至今没有交付，要求社区督促开发商。",
        ("haide_gongyuan", None),
        (
            not_responsible(
                "属于购房合同纠纷，不属社区职责，建议向县住建局或人民法院反映，已告知渠道。"
            ),
        ),
        "closed",
        channel="in_person",
        gender="m",
    )
    b.add(
        "haide-5-window",
        "repair",
        "5栋楼道窗户玻璃破损",
        "5栋3楼楼道窗户玻璃裂了一大块，刮风时晃动，怕掉下来伤人。",
        ("haide_gongyuan", 5),
        (),
        "submitted",
        channel="wechat_group",
    )


def xinggang(b: Board) -> None:
    b.add(
        "pingguo-3-pipe-burst",
        "emergency",
        "3栋自来水管爆裂",
        "3栋1单元二楼楼道的自来水管爆了，水顺着楼梯往下流，住户已经关了总阀，需要马上抢修。",
        ("pingguo", 3),
        handling(property_company("pingguo", "立即派维修工抢修，先保障住户用水")),
        "in_progress",
        channel="phone",
        urgency="emergency",
        gender="m",
        overdue=True,
    )
    b.add(
        "pingguo-8-gas-smell",
        "emergency",
        "8栋楼道有煤气味",
        "8栋2单元四楼楼道有明显的煤气味，已经打开窗户，请马上派人排查。",
        ("pingguo", 8),
        (accept(), property_company("pingguo", "联系燃气公司上门排查，疏散四楼住户")),
        "dispatched",
        channel="phone",
        urgency="emergency",
        overdue=True,
    )
    b.add(
        "pingguo-6-parking-dispute",
        "neighbour_dispute",
        "车位被邻居长期占用",
        "6栋楼下我家买的固定车位经常被同楼一户停占，打电话也不接，已经快一个月了。",
        ("pingguo", 6),
        closed(
            team("linli", "请帮帮团老党员出面调解"),
            "帮帮团两位老党员上门调解，占用方道歉并承诺不再停占，双方互留了联系方式。",
            "satisfied",
            2,
            "linli-01",
            "linli-04",
        ),
        "closed",
        channel="in_person",
        gender="m",
    )
    b.add(
        "pingguo-9-fraud-call",
        "hardship_help",
        "老人接到冒充公检法的电话，想请人帮忙核实",
        "9栋一位老人接到自称公安的电话，说他的银行卡涉案要转账到安全账户，老人有点慌，"
        "家人不在身边。",
        ("pingguo", 9),
        closed(
            team("linli", "请帮帮团上门讲解防骗知识"),
            "确认为诈骗电话，老人未转账；帮帮团上门讲解了防范电信诈骗的常见套路，老人已安装国家反诈中心APP。",
            "satisfied",
            1,
            "linli-02",
        ),
        "closed",
        channel="via_volunteer",
        gender="m",
    )
    b.add(
        "pingguo-11-roof-leak",
        "repair",
        "11栋顶楼屋面漏水",
        "11栋顶楼每次下雨天花板都渗水，墙皮大块脱落，去年修过一次又漏了。",
        ("pingguo", 11),
        handling(
            property_company("pingguo"),
            resolve("物业对屋面裂缝做了防水补漏，天花板待晾干后再修补墙面。"),
            follow_up("unsatisfied", "下雨还是漏，要求做整体防水"),
        ),
        "in_progress",
        channel="phone",
    )
    b.add(
        "pingguo-overgrown-trees",
        "environment",
        "小区树木遮挡低楼层采光",
        "2栋前的香樟树长得太高太密，一二楼白天都要开灯，希望修剪。",
        ("pingguo", 2),
        handling(property_company("pingguo", "请联系园林公司修剪")),
        "in_progress",
        channel="app",
    )
    b.add(
        "pingguo-4-square-dance",
        "neighbour_dispute",
        "广场舞音响声音太大",
        "每天晚上小区广场的广场舞音响开得很大，4栋临街住户家里有高三学生，希望调小音量、早点结束。",
        ("pingguo", 4),
        (
            accept(),
            building_head("pingguo-4", "请楼栋长与广场舞队协商"),
            note("广场舞队负责人同意九点前结束，音量调低，改用蓝牙小音箱。", mediation=True),
            start(),
            resolve("经协商，广场舞每晚八点半结束，音量以不影响楼内为准。", 1.5, "linli-06"),
        ),
        "resolved",
        channel="wechat_group",
    )
    b.add(
        "pingguo-10-road-light",
        "repair",
        "10栋旁路灯不亮",
        "10栋旁边的两盏路灯坏了，晚上回家那段路很黑。",
        ("pingguo", 10),
        (accept(),),
        "accepted",
        channel="app",
        gender="m",
    )
    b.add(
        "pingguo-heating-subsidy",
        "hardship_help",
        "咨询困难家庭冬季取暖补助",
        "家里是低保户，想了解今年冬季有没有取暖补助、怎么申请。",
        ("pingguo", 7),
        (transfer("取暖补助由县民政局办理，已转交并告知申请材料", outside="县民政局"),),
        "transferred",
        channel="phone",
        gender="m",
    )
    b.add(
        "pingguo-1-wrong-community",
        "environment",
        "路边绿化带有人种菜",
        "小区外面马路边的绿化带被人挖了种菜，影响环境。",
        ("pingguo", 1),
        (send_back("所说绿化带在苹果小区围墙外，属市政道路，请向县城管局反映"),),
        "returned",
        channel="app",
    )
    b.add(
        "pingguo-5-test-request",
        "suggestion",
        "测试一下",
        "测试",
        ("pingguo", 5),
        (cancel("居民说是试用小程序时误提交"),),
        "cancelled",
        channel="app",
        gender="m",
    )
    b.add(
        "pingguo-12-stray-cats",
        "environment",
        "流浪猫在楼道里繁殖",
        "12栋楼道杂物间里有流浪猫产了一窝小猫，晚上叫，楼道有异味。",
        ("pingguo", 12),
        (),
        "submitted",
        channel="wechat_group",
    )


def jingxing(b: Board) -> None:
    b.add(
        "shengli-2-wheelchair",
        "hardship_help",
        "残疾老人的轮椅坏了需要修理",
        "2栋的王爷爷下肢瘫痪，轮椅刹车失灵，一个轮子也漏气，家里人不会修。",
        ("shengli_huayuan", 2),
        closed(
            team("tongxing", "可联系电系万家的同学一起修"),
            "同星志愿者和电系万家的同学上门修好了刹车，更换了内胎。",
            "satisfied",
            2,
            "tongxing-02",
            "tongxing-07",
        ),
        "closed",
        channel="via_volunteer",
    )
    b.add(
        "shengli-4-home-check",
        "health",
        "卧床老人需要上门体检",
        "4栋一位卧床老人长期高血压，家人希望家庭医生能上门做一次检查。",
        ("shengli_huayuan", 4),
        handling(team("tongxing", "与居家养老服务站联系家庭医生")),
        "in_progress",
        channel="phone",
    )
    b.add(
        "shengli-1-mosquitoes",
        "environment",
        "小区积水坑蚊虫多",
        "1栋后面的积水坑长期不干，蚊子特别多，晚上不敢开窗。",
        ("shengli_huayuan", 1),
        closed(
            property_company("shengli_huayuan"),
            "物业已填平积水坑并喷洒灭蚊药，下月再做一次消杀。",
            "basically_satisfied",
        ),
        "closed",
        channel="wechat_group",
    )
    b.add(
        "shengli-3-laundry",
        "neighbour_dispute",
        "楼上晾衣服滴水到楼下",
        "3栋502晒衣服不拧干，水一直滴到402的阳台和晾着的被子上，说了几次不改。",
        ("shengli_huayuan", 3),
        (
            accept(),
            building_head("shengli_huayuan-3"),
            note("502是租户，已联系房东一起沟通。", mediation=True),
        ),
        "dispatched",
        channel="in_person",
    )
    b.add(
        "shengli-5-medicine",
        "health",
        "慢性病老人药快吃完了，行动不便",
        "5栋老人的降糖药只剩两天的量，腿脚不便去不了医院，想请人帮忙到卫生服务中心开药。",
        ("shengli_huayuan", 5),
        handling(
            volunteer("tongxing-04"),
            resolve(
                "志愿者持老人医保卡到卫生服务中心代开了一个月的药，已送到家中。", 1, "tongxing-04"
            ),
        ),
        "resolved",
        channel="via_volunteer",
        gender="m",
    )
    b.add(
        "shengli-6-power-cut",
        "emergency",
        "独居老人家中突然停电",
        "6栋独居老人家里突然停电，冰箱里有胰岛素，老人不会看电闸。",
        ("shengli_huayuan", 6),
        (accept(), grid_worker("shengli_huayuan-6", "请网格员立即上门")),
        "dispatched",
        channel="phone",
        urgency="emergency",
        overdue=True,
    )
    b.add(
        "shengli-fitness",
        "suggestion",
        "建议增加老年人健身器材",
        "小区健身器材大多是给年轻人用的，老人多，建议增加适合老年人的器材。",
        ("shengli_huayuan", None),
        (accept(),),
        "accepted",
        channel="app",
        gender="m",
    )
    b.add(
        "shengli-2-duplicate-wheelchair",
        "hardship_help",
        "王爷爷轮椅需要修",
        "2栋王爷爷的轮椅刹车坏了。",
        ("shengli_huayuan", 2),
        (duplicate_of("shengli-2-wheelchair"),),
        "closed",
        channel="wechat_group",
    )
    b.add(
        "shengli-other-community",
        "repair",
        "隔壁小区围墙倒塌",
        "下大雨后隔壁小区靠我们这边的围墙塌了一段，有安全隐患。",
        ("shengli_huayuan", None),
        (transfer("围墙属星港社区苹果小区，已转星港社区处理", community="xinggang"),),
        "submitted",  # again, in 星港
        channel="phone",
        gender="m",
    )
    b.add(
        "shengli-5-smartphone",
        "hardship_help",
        "老人想学用手机挂号",
        "5栋几位老人想学用手机在医院公众号上挂号、看检查报告。",
        ("shengli_huayuan", 5),
        (),
        "submitted",
        channel="in_person",
    )


def gaolin(b: Board) -> None:
    b.add(
        "gaolin-2-drain",
        "repair",
        "2栋下水道堵塞返水",
        "2栋1单元一楼下水道堵了，楼上用水时一楼厨房往外冒污水。楼栋群群主（惠管家志愿者）"
        "代一楼的老人反映。",
        ("gaolin_shijia", 2),
        closed(
            property_company("gaolin_shijia", "一楼是八十多岁的老人，请尽快疏通"),
            "物业已疏通主管道，清理了一楼厨房，并提醒各户不要往下水道倒油。",
            "satisfied",
        ),
        "closed",
    )
    b.add(
        "gaolin-5-lonely-elder",
        "hardship_help",
        "独居老人买菜不便",
        "5栋独居的刘奶奶腿脚不好，下雨天没法去菜市场，楼栋群群主代她反映，希望有人帮忙代购。",
        ("gaolin_shijia", 5),
        handling(
            team("huiguanjia-jinguo", "请巾帼管家安排代购"),
            resolve("巾帼管家排了班，每周二、周五代购蔬菜并送上门。", 1, "jinguo-02"),
            follow_up("satisfied", "感谢惠管家"),
        ),
        "closed",
        channel="via_volunteer",
    )
    b.add(
        "gaolin-7-dog-bite",
        "neighbour_dispute",
        "宠物狗咬伤邻居小孩",
        "7栋一户的狗没拴绳，把邻居家孩子的腿咬破了，双方对医药费有争议。",
        ("gaolin_shijia", 7),
        handling(
            team("huiguanjia-pingan", "请平安管家调解，必要时请派出所参与"),
            note(
                "孩子已打狂犬疫苗，狗主人愿意承担医药费，对误工费有异议；约双方周六再谈。",
                mediation=True,
            ),
            extension("双方对误工费分歧较大，需约第二次调解", 3),
        ),
        "in_progress",
        channel="wechat_group",
        gender="m",
    )
    b.add(
        "gaolin-3-fire-escape",
        "complaint",
        "投诉消防通道被堵",
        "3栋旁边的消防通道长期停满了车，上次救护车都进不来。",
        ("gaolin_shijia", 3),
        handling(
            team("huiguanjia-xianfeng", "先锋管家联合物业劝导挪车"),
            resolve(
                "先锋管家和物业每天巡查劝导，通道已清空，地面重新划了禁停线。",
                2,
                "xianfeng-01",
                "xianfeng-03",
            ),
        ),
        "resolved",
        channel="wechat_group",
        gender="m",
    )
    b.add(
        "gaolin-9-elevator-ad",
        "complaint",
        "电梯广告屏声音太大",
        "9栋电梯里新装的广告屏一直放声音，老人反映很吵。",
        ("gaolin_shijia", 9),
        handling(
            owners_committee("gaolin_shijia"),
            resolve("业委会与广告公司协商，广告屏已改为静音播放。"),
            follow_up("unsatisfied", "只是调小了，没有静音"),
        ),
        "in_progress",
        channel="wechat_group",
    )
    b.add(
        "gaolin-6-blood-sugar",
        "health",
        "糖尿病老人想学注射胰岛素",
        "6栋老人刚开始用胰岛素笔，自己不会打，家人白天上班。",
        ("gaolin_shijia", 6),
        handling(team("huiguanjia-jiankang", "健康管家上门指导")),
        "in_progress",
        channel="via_volunteer",
    )
    b.add(
        "gaolin-1-bicycle",
        "environment",
        "楼道堆放杂物和废旧自行车",
        "1栋楼道堆了很多纸箱和几辆没人骑的旧自行车，影响通行，也有火灾隐患。",
        ("gaolin_shijia", 1),
        (accept(), team("huiguanjia-xianfeng", "先锋管家组织楼道清理")),
        "dispatched",
        channel="wechat_group",
        gender="m",
    )
    b.add(
        "gaolin-8-water-pressure",
        "repair",
        "8栋高层水压不足",
        "8栋15楼以上早晚用水高峰时水压很小，热水器都打不着火。",
        ("gaolin_shijia", 8),
        (send_back("未写明具体楼层和水压不足的时段，无法派单，请补充后重新提交"),),
        "returned",
        channel="app",
        gender="m",
    )
    b.add(
        "gaolin-10-kids-homework",
        "hardship_help",
        "双职工家庭孩子放学后无人看管",
        "10栋几户双职工家庭的孩子放学后没人辅导作业，希望社区能组织课后托管。",
        ("gaolin_shijia", 10),
        (),
        "submitted",
        channel="wechat_group",
    )
    b.add(
        "gaolin-4-power-outage",
        "emergency",
        "4栋整栋停电",
        "4栋整栋突然停电，电梯里可能有人，楼栋群里很多人在问。",
        ("gaolin_shijia", 4),
        handling(
            property_company("gaolin_shijia", "先确认电梯是否困人"),
            resolve("物业电工更换了配电箱烧坏的空开，40分钟后恢复供电，电梯无人被困。"),
            follow_up("satisfied"),
        ),
        "closed",
        channel="wechat_group",
        urgency="emergency",
        gender="m",
    )


def quantang(b: Board) -> None:
    b.add(
        "zhongmao-2-graffiti",
        "environment",
        "楼道墙面小广告太多",
        "中茂城2栋楼道墙上贴满了开锁、通下水道的小广告，很难看。",
        ("zhongmao_cheng", 2),
        closed(
            team("fenghua", "风华中茂志愿者组织清理"),
            "风华中茂志愿者清理了2栋全部楼道的小广告，并张贴了文明提示。",
            "satisfied",
            2,
            "fenghua-03",
            "fenghua-07",
        ),
        "closed",
        channel="app",
    )
    b.add(
        "zhongmao-5-rent-dispute",
        "neighbour_dispute",
        "租户退租押金纠纷",
        "租住5栋的住户与房东因押金退还发生争执，希望社区调解。",
        ("zhongmao_cheng", 5),
        (
            accept(),
            not_responsible("房屋租赁合同纠纷，建议申请人民调解委员会调解或诉讼，已告知联系方式。"),
        ),
        "closed",
        channel="in_person",
        gender="m",
    )


def build_requests() -> list[DemoRequest]:
    board = Board()
    for part in (early_requests, quanyun, xinggang, jingxing, gaolin, quantang):
        part(board)
    return board.requests


# --- Micro-wishes --------------------------------------------------------------------------


def review(decision: str, reason: str | None = None) -> WishStep:
    body: dict[str, Any] = {"decision": decision}
    if reason:
        body["reason"] = reason
    return WishStep("review", body)


def claim_by_member(key: str) -> WishStep:
    return WishStep("claim", {"claimant_type": "member", "claimant_id": Member(key)})


def claim_by_partner(partner_id: str) -> WishStep:
    return WishStep("claim", {"claimant_type": "partner", "claimant_id": partner_id})


def fulfil(slug: str, note_: str) -> WishStep:
    return WishStep("fulfil", {"photo_refs": [f"photos/wishes/{slug}.jpg"], "note": note_})


def confirm(hours: float = 0) -> WishStep:
    return WishStep("confirm", {"hours": hours})


WISH_STATUS: Final[Mapping[WishAction, str]] = {
    "claim": "claimed",
    "fulfil": "fulfilled",
    "confirm": "confirmed",
}


def wish_status(steps: tuple[WishStep, ...]) -> str:
    if not steps:
        return "submitted"
    last = steps[-1]
    if last.action == "review":
        return "published" if last.body["decision"] == "publish" else "rejected"
    return WISH_STATUS[last.action]


# (slug, compound, building, title, description, the resident's gender, steps)
WISHES: Final[
    tuple[tuple[str, str, int, str, str, Literal["f", "m"], tuple[WishStep, ...]], ...]
] = (
    (
        "radio-for-elder",
        "haide_gongyuan",
        6,
        "想要一台能听花鼓戏的收音机",
        "独居的老奶奶眼睛不好，看不了电视，平时最爱听花鼓戏，原来的收音机坏了。",
        "f",
        (
            review("publish"),
            claim_by_member("wulaohong-07"),
            fulfil(
                "radio-for-elder", "送去一台插卡收音机，拷了二十段花鼓戏，教会了老人开关和换台。"
            ),
            confirm(1.5),
        ),
    ),
    (
        "schoolbag",
        "pingguo",
        9,
        "留守儿童想要一个新书包",
        "三年级的孩子跟奶奶生活，书包背带断了用绳子绑着，想在开学前有个新书包。",
        "m",
        (
            review("publish"),
            claim_by_partner("nuanyang-market"),
            fulfil("schoolbag", "暖阳爱心超市送来书包和一套文具。"),
            confirm(),
        ),
    ),
    (
        "walker",
        "shengli_huayuan",
        4,
        "行动不便的老人需要一副助行器",
        "老人中风后恢复期，在家里走动需要扶着墙，想要一副带轮子的助行器。",
        "m",
        (
            review("publish"),
            claim_by_member("tongxing-06"),
            fulfil("walker", "送去一副四轮助行器，调好了高度。"),
            confirm(1),
        ),
    ),
    (
        "winter-quilt",
        "gaolin_shijia",
        3,
        "独居老人想要一床厚棉被",
        "老人的棉被用了十几年，又薄又硬，想在入冬前换一床厚棉被。",
        "f",
        (
            review("publish"),
            claim_by_member("laobing-03"),
            fulfil("winter-quilt", "老兵管家送去一床新棉被和一个电热毯。"),
            confirm(1),
        ),
    ),
    (
        "reading-glasses",
        "zhongmao_cheng",
        4,
        "想配一副合适的老花镜",
        "老人看药品说明书很吃力，家里的老花镜度数不合适。",
        "m",
        (
            review("publish"),
            claim_by_member("fenghua-05"),
            fulfil("reading-glasses", "陪老人到眼镜店验光，配了一副老花镜。"),
        ),
    ),
    (
        "blood-pressure-monitor",
        "shengli_huayuan",
        2,
        "想要一台电子血压计",
        "老两口都有高血压，医生让每天量血压记录，家里没有血压计。",
        "f",
        (
            review("publish"),
            claim_by_partner("quantang-health-centre"),
            fulfil("blood-pressure-monitor", "卫生服务中心送来电子血压计，并教会了老人使用。"),
        ),
    ),
    (
        "storybooks",
        "haide_gongyuan",
        2,
        "孩子想要一套课外故事书",
        "二年级的孩子很喜欢看书，家里经济困难，想要一套适合低年级的课外书。",
        "m",
        (review("publish"), claim_by_member("wulaohong-12")),
    ),
    (
        "rice-cooker",
        "gaolin_shijia",
        8,
        "困难家庭想要一个电饭煲",
        "家里的电饭煲坏了，一直用锅煮饭，老人经常煮糊。",
        "f",
        (review("publish"), claim_by_partner("quanxin-charity")),
    ),
    (
        "birthday-cake",
        "pingguo",
        3,
        "孤寡老人希望有人陪着过八十岁生日",
        "老人下个月满八十岁，没有亲人在身边，希望能有人一起吃顿饭、吃块蛋糕。",
        "f",
        (review("publish"),),
    ),
    (
        "video-call",
        "shengli_huayuan",
        5,
        "想学会用手机和在外地的儿子视频",
        "老人新买了智能手机，想学会和在深圳的儿子视频通话。",
        "m",
        (review("publish"),),
    ),
    (
        "sports-shoes",
        "zhongmao_cheng",
        3,
        "小学生想要一双运动鞋参加运动会",
        "孩子被选进学校的运动会接力队，只有一双旧布鞋。",
        "m",
        (review("publish"),),
    ),
    (
        "smartphone",
        "gaolin_shijia",
        5,
        "想要一部新款智能手机",
        "想换一部最新款的手机。",
        "m",
        (review("reject", "不属于困难群众的微心愿范围"),),
    ),
    (
        "wheelchair-cushion",
        "haide_gongyuan",
        7,
        "长期坐轮椅的老人需要一个防褥疮坐垫",
        "老人长期坐轮椅，臀部已经有些发红，想要一个防褥疮坐垫。",
        "f",
        (),
    ),
    (
        "desk-lamp",
        "pingguo",
        10,
        "孩子想要一盏护眼台灯",
        "孩子晚上在客厅的小桌上写作业，灯光太暗。",
        "f",
        (),
    ),
)


def build_wishes() -> list[DemoWish]:
    names = NameDrawer(SEED + 1)
    names.taken |= {p.name for p in DEMO_REGISTRY.people}
    wishes = []
    for n, (slug, compound_id, number, title, description, gender, steps) in enumerate(WISHES):
        c = COMPOUND[compound_id]
        body = {
            "title": title,
            "description": description,
            "location": {
                "community_id": c.community_id,
                "compound_id": compound_id,
                "building_id": c.building_id(number),
            },
            "resident_name": names.draw(gender),
            "resident_phone": phone(WISH_PHONES + n + 1),
        }
        wishes.append(DemoWish(slug, body, steps, wish_status(steps)))
    return wishes


def build_requests_demo() -> RequestsDemo:
    return RequestsDemo(build_requests(), build_wishes())


DEMO_BOARD: Final = build_requests_demo()
