"""The demo organisation of Quantang subdistrict (泉塘街道): communities, compounds, buildings,
partner units and volunteer teams, as bodies for the gateway's registry routes.

The article (../shared/handbook) names 泉韵, 星港 and 景星 communities, the compounds 海德公元,
苹果小区, 高林仕家, 圣力华苑 and 中茂城, the teams and the college's 电系万家 team; the other
seventeen communities, the compounds' communities where the article does not say (高林仕家
in `gaolin`, 中茂城 in `quantang`), building numbers and every company and contact are made
up. Ids are readable slugs, so a second load finds them taken (409) instead of doubling them.
"""

from dataclasses import dataclass
from typing import Any, Final

from tools.demo_people import NameDrawer, phone

# (id, name): the article's three first, then `gaolin` (the demo requests' id for 高林仕家's
# community) and sixteen invented ones, which makes Quantang's twenty.
COMMUNITIES: Final = (
    ("quanyun", "泉韵社区"),
    ("xinggang", "星港社区"),
    ("jingxing", "景星社区"),
    ("gaolin", "高林社区"),
    ("quantang", "泉塘社区"),
    ("dongshan", "东山社区"),
    ("songya", "松雅社区"),
    ("longtang", "龙塘社区"),
    ("xianglong", "湘龙社区"),
    ("tianhua", "天华社区"),
    ("lantian", "蓝田社区"),
    ("fukang", "福康社区"),
    ("huichuan", "汇川社区"),
    ("jinying", "金鹰社区"),
    ("yingshan", "映山社区"),
    ("nanzhu", "楠竹社区"),
    ("kaiyuan", "开元社区"),
    ("jintai", "锦泰社区"),
    ("lijiang", "梨江社区"),
    ("xintang", "新塘社区"),
)
COMMUNITY_NAMES: Final = dict(COMMUNITIES)


@dataclass(frozen=True)
class Compound:
    unit_id: str
    name: str
    community_id: str
    buildings: int

    def building_id(self, number: int) -> str:
        return f"{self.unit_id}-{number}"

    @property
    def building_ids(self) -> list[str]:
        return [self.building_id(n) for n in range(1, self.buildings + 1)]


COMPOUNDS: Final = (
    Compound("haide_gongyuan", "海德公元", "quanyun", 8),
    Compound("pingguo", "苹果小区", "xinggang", 12),
    Compound("gaolin_shijia", "高林仕家", "gaolin", 10),
    Compound("shengli_huayuan", "圣力华苑", "jingxing", 6),
    Compound("zhongmao_cheng", "中茂城", "quantang", 6),
)
COMPOUND: Final = {c.unit_id: c for c in COMPOUNDS}
# Communities with a compound in the demo: each has two grids and two community workers.
GRID_COMMUNITIES: Final = tuple(dict.fromkeys(c.community_id for c in COMPOUNDS))


def community_bodies() -> list[dict[str, Any]]:
    return [
        {
            "kind": "community",
            "unit_id": unit_id,
            "name": name,
            "party_branch": {"name": f"{name}党总支"},
        }
        for unit_id, name in COMMUNITIES
    ]


def compound_bodies(contacts: NameDrawer) -> list[dict[str, Any]]:
    """The compounds with two of their "3": the owners' committee and the property company
    (invented, with invented contacts); the party branch's officers come once members exist."""
    bodies = []
    for i, c in enumerate(COMPOUNDS):
        bodies.append(
            {
                "kind": "compound",
                "unit_id": c.unit_id,
                "name": c.name,
                "parent_id": c.community_id,
                "party_branch": {"name": f"{c.name}小区党支部"},
                "owners_committee": {
                    "name": f"{c.name}业主委员会",
                    "contact_name": contacts.draw("m" if i % 2 else "f"),
                    "contact_phone": phone(90_000 + i * 10 + 1),
                },
                "property_company": {
                    "name": f"{c.name}物业服务中心（演示）",
                    "contact_name": contacts.draw("f" if i % 2 else "m"),
                    "contact_phone": phone(90_000 + i * 10 + 2),
                },
            }
        )
    return bodies


def building_bodies() -> list[dict[str, Any]]:
    return [
        {"kind": "building", "unit_id": c.building_id(n), "name": f"{n}栋", "parent_id": c.unit_id}
        for c in COMPOUNDS
        for n in range(1, c.buildings + 1)
    ]


def grid_units() -> list[dict[str, Any]]:
    """Two grids per community with a compound, splitting its buildings; `worker` is the
    member key of its grid worker (the loader puts the member id in)."""
    grids = []
    for community_id in GRID_COMMUNITIES:
        buildings = [b for c in COMPOUNDS if c.community_id == community_id for b in c.building_ids]
        half = (len(buildings) + 1) // 2
        for n, part in ((1, buildings[:half]), (2, buildings[half:])):
            grids.append(
                {
                    "kind": "grid",
                    "unit_id": f"{community_id}-grid-{n}",
                    "name": f"{COMMUNITY_NAMES[community_id]}第{n}网格",
                    "parent_id": community_id,
                    "grid_building_ids": part,
                    "worker": f"{community_id}-worker-{n}",
                }
            )
    return grids


def partner_bodies(contacts: NameDrawer) -> list[dict[str, Any]]:
    every_community = [unit_id for unit_id, _ in COMMUNITIES]
    partners: list[tuple[str, str, str, list[str]]] = [
        (
            "dianxi-wanjia",
            "湖南水利水电职业技术学院“电系万家”志愿服务队",
            "college_team",
            ["jingxing"],
        ),
        ("quantang-health-centre", "泉塘街道卫生服务中心", "clinic", every_community),
        ("jingxing-care-station", "景星社区居家养老服务站", "other", ["jingxing"]),
        ("nuanyang-market", "暖阳爱心超市（演示）", "enterprise", ["quanyun", "xinggang"]),
        ("quanxin-charity", "泉心公益服务中心（演示）", "charity", ["gaolin", "quantang"]),
    ]
    return [
        {
            "partner_id": partner_id,
            "name": name,
            "kind": kind,
            "contact_name": contacts.draw("f" if i % 2 else "m"),
            "contact_phone": phone(91_000 + i),
            "community_ids": communities,
        }
        for i, (partner_id, name, kind, communities) in enumerate(partners)
    ]


HUIGUANJIA_SQUADS: Final = (
    ("xianfeng", "先锋管家"),
    ("jinguo", "巾帼管家"),
    ("laobing", "老兵管家"),
    ("pingan", "平安管家"),
    ("jiankang", "健康管家"),
    ("xiaoguanjia", "小管家"),
)


def team_bodies() -> list[dict[str, Any]]:
    """Top teams first, then 惠管家's six sub-squads (which take its community)."""
    teams: list[dict[str, Any]] = [
        {
            "team_id": "wulaohong",
            "name": "五老红志愿服务队",
            "community_id": "quanyun",
            "party_branch_unit_id": "haide_gongyuan",
            "description": "老党员、老干部、老专家、老战士、老模范组成；小园丁护苗成长小课堂、"
            "文明宣传、环境整治、困难帮扶。",
        },
        {
            "team_id": "linli",
            "name": "邻里帮帮团",
            "community_id": "xinggang",
            "party_branch_unit_id": "pingguo",
            "description": "2017年成立，成员多为六七十岁的老人；快板宣讲反诈骗、移风易俗。",
        },
        {
            "team_id": "huiguanjia",
            "name": "惠管家志愿服务团队",
            "community_id": "gaolin",
            "party_branch_unit_id": "gaolin_shijia",
            "description": "六支小分队分级管理；每栋楼的居民微信群由惠管家志愿者担任群主。",
        },
        {
            "team_id": "fenghua",
            "name": "风华中茂志愿服务队",
            "community_id": "quantang",
            "party_branch_unit_id": "zhongmao_cheng",
            "description": "中茂城党支部发起，“两新”党员参与文明创建、环境保护、圆梦微心愿。",
        },
        {
            "team_id": "tongxing",
            "name": "同星志愿服务队",
            "community_id": "jingxing",
            "party_branch_unit_id": "jingxing",
            "description": "与居家养老服务站、街道卫生服务中心联合开展健康义诊。",
        },
    ]
    teams += [
        {"team_id": f"huiguanjia-{squad}", "name": name, "parent_id": "huiguanjia"}
        for squad, name in HUIGUANJIA_SQUADS
    ]
    return teams
