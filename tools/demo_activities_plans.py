"""What the demo teams do, as plans: a recurring activity (a weekly rule) or a dated one-off,
each with its place, time of day, volunteer roles and who staffs them.

The work is the news report's (../shared/handbook): 五老红's kids' plant-care class, civility
campaigns, clean-ups and hardship visits; 邻里帮帮团's anti-fraud clapper-talk shows; 惠管家's
six sub-squads; 风华中茂's civility and environment work; 同星's health checks with the
subdistrict health centre and the home-care station (the big one on 27 May); the college
team 电系万家's appliance-repair days. Times of day and rules are invented, and chosen so
that no volunteer holds two activities at once.
"""

from dataclasses import dataclass, field
from datetime import time
from functools import partial
from typing import Final


@dataclass(frozen=True)
class Role:
    role_id: str
    name: str
    head_count: int
    skill: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything an activity is besides its date. `crew`: the team (with its sub-squads)
    or the member keys it draws volunteers from; `turnout`: the share of each role's head
    count that usually comes; `summaries`: rotated, `{n}` is the participant count."""

    title: str
    activity_type: str
    community_id: str
    compound_id: str | None
    place: str
    start: time
    minutes: int
    roles: tuple[Role, ...]
    crew: str | tuple[str, ...]
    summaries: tuple[str, ...]
    target_group: str = "all_residents"
    teams: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    capacity: int = 0
    participants: tuple[int, int] = (0, 0)  # how many residents took part: low, high
    description: str = ""
    turnout: float = 1.0


@dataclass(frozen=True)
class Recurring:
    """A series: every `interval_weeks` weeks on `weekdays` (1 = Monday), from the first
    such day in the demo's year on (`offset_days` later, so that the teams' monthly
    activities do not all fall in one week)."""

    series_id: str
    plan: Plan
    weekdays: tuple[int, ...]
    interval_weeks: int = 1
    offset_days: int = 0
    cancelled: dict[str, str] = field(default_factory=dict)  # "MM-DD" near which -> reason


@dataclass(frozen=True)
class OneOff:
    """A dated activity: on `month_day` of the year that puts it in the demo's window."""

    slug: str
    plan: Plan
    month_day: tuple[int, int]
    photo_refs: int = 0


HAIDE: Final = "海德公元"
WULAOHONG: Final = ("wulaohong",)


_wulaohong: Final = partial(
    Plan, community_id="quanyun", compound_id="haide_gongyuan", teams=WULAOHONG, crew="wulaohong"
)


KIDS_CLASS: Final = _wulaohong(
    title="小园丁护苗成长小课堂",
    activity_type="science_class",
    place=f"{HAIDE}小区党支部活动室及中心花园",
    start=time(9, 30),
    minutes=90,
    roles=(Role("teacher", "讲解老师", 2, "teaching"), Role("helper", "助教", 2)),
    target_group="children",
    capacity=20,
    participants=(12, 20),
    turnout=0.9,
    description="五老红的老专家带小朋友认植物、浇水护苗、做自然笔记，每周六上午在小区里上课。",
    summaries=(
        "带{n}名小朋友辨认小区里的桂花、香樟和月季，讲解它们的特点，给新栽的苗浇水。",
        "{n}名小朋友分组给护苗责任区松土、除草，用放大镜观察叶片，完成自然笔记。",
        "讲植物怎样喝水：{n}名小朋友做了叶片蒸腾小实验，每人认领一盆绿萝带回家养。",
        "{n}名小朋友给小区花坛里的树苗挂上自己画的名牌，老党员讲爱绿护绿的故事。",
    ),
)
CIVILITY: Final = _wulaohong(
    title="文明劝导：楼道堆物和电动车进楼",
    activity_type="civility_campaign",
    place=f"{HAIDE}各楼栋及小区出入口",
    start=time(8, 0),
    minutes=120,
    roles=(Role("adviser", "劝导员", 4),),
    turnout=0.8,
    description="每周二、周五上午，在楼道和出入口劝导堆物、飞线充电、电动车进楼。",
    summaries=(
        "劝导楼道堆物{n}处，协助住户清出纸箱和旧家具，提醒不要飞线充电。",
        "在出入口劝导电动车进楼{n}人次，发放安全充电宣传单。",
        "巡查各楼栋消防通道，劝导{n}户清理楼道杂物，发现的问题已告知物业。",
    ),
    participants=(8, 30),
)
CLEAN_UP: Final = _wulaohong(
    title="环境整治：小区公共区域清扫",
    activity_type="clean_up",
    place=f"{HAIDE}中心花园、地下车库入口及垃圾分类点",
    start=time(8, 30),
    minutes=120,
    roles=(Role("sweeper", "清扫", 5), Role("sorting", "垃圾分类指导", 1, "environment")),
    turnout=0.8,
    description="每周三上午清扫公共区域、清理卫生死角，在分类点指导居民垃圾分类。",
    summaries=(
        "清理绿化带和车库入口的垃圾、落叶，在分类点指导{n}位居民正确投放。",
        "清除小广告和卫生死角，{n}位居民一起动手，清出建筑垃圾两车。",
        "清扫中心花园步道，在分类点劝导混投{n}次。",
    ),
    participants=(5, 25),
)
HARDSHIP: Final = _wulaohong(
    title="困难帮扶走访：独居和高龄老人",
    activity_type="hardship_visit",
    place=f"{HAIDE}困难家庭及独居老人家中",
    start=time(15, 0),
    minutes=120,
    roles=(Role("visitor", "走访", 3, "elder_care"),),
    target_group="elders",
    turnout=0.9,
    description="每周四下午入户看望独居、高龄和困难老人，了解需要，能办的当场办。",
    summaries=(
        "走访{n}户独居老人，帮两户代买药品，一户的报修已转物业。",
        "看望{n}户高龄老人，陪聊、打扫，登记了一户的助餐需求。",
        "入户走访{n}户困难家庭，核实帮扶需求，送去米和油。",
    ),
    participants=(3, 8),
)
TALK: Final = _wulaohong(
    title="移风易俗宣讲：红白喜事简办",
    activity_type="talk",
    place=f"{HAIDE}小区党支部活动室",
    start=time(9, 0),
    minutes=90,
    roles=(Role("speaker", "宣讲", 2, "talks"), Role("usher", "引导", 1)),
    capacity=60,
    participants=(25, 55),
    description="老党员、老干部讲移风易俗、厚养薄葬、婚事新办，和居民拉家常。",
    summaries=(
        "{n}位居民到场，老党员讲红白喜事简办的身边事，现场签了倡议书。",
        "宣讲厚养薄葬、婚事新办，{n}位居民参加，有三位居民上台谈体会。",
    ),
)


_linli: Final = partial(
    Plan, community_id="xinggang", compound_id="pingguo", teams=("linli",), crew="linli"
)


CLAPPER: Final = _linli(
    title="快板宣讲：防范电信网络诈骗",
    activity_type="clapper_talk_show",
    place="苹果小区文化广场",
    start=time(15, 0),
    minutes=90,
    roles=(Role("performer", "快板表演", 3, "clapper_talk"), Role("leaflets", "发放资料", 2)),
    capacity=80,
    participants=(30, 80),
    description="自编自演的快板词讲防诈骗、移风易俗，每周三下午在小区广场演出。",
    summaries=(
        "快板《刷单返利是陷阱》，{n}位居民观看，现场帮二十多人装了国家反诈中心APP。",
        "快板《冒充客服要退款》，{n}位居民观看，发放防诈资料一百多份。",
        "快板《保健品骗局》讲养老诈骗，{n}位居民观看，老人们说听得懂、记得住。",
        "快板《冒充公检法》，{n}位居民观看，演完解答了居民的几个疑问。",
        "快板《高息理财莫贪心》，{n}位居民观看，提醒大家转账前先核实。",
    ),
)
LINLI_CLEAN_UP: Final = _linli(
    title="邻里帮帮团环境整治",
    activity_type="clean_up",
    place="苹果小区楼栋及背街小巷",
    start=time(15, 0),
    minutes=120,
    roles=(Role("sweeper", "清扫", 6), Role("sorting", "分类指导", 1, "environment")),
    turnout=0.8,
    summaries=("清理楼道和背街小巷的垃圾杂物，{n}位居民一起参加。",),
    participants=(5, 20),
)
LINLI_TALK: Final = _linli(
    title="文明宣讲：移风易俗进楼栋",
    activity_type="talk",
    place="苹果小区党支部活动室",
    start=time(15, 0),
    minutes=90,
    roles=(Role("speaker", "宣讲", 2, "talks"), Role("performer", "快板表演", 2, "clapper_talk")),
    capacity=50,
    participants=(20, 50),
    summaries=("宣讲婚事新办、丧事简办，配快板小段，{n}位居民参加。",),
)


def _squad(squad: str) -> "partial[Plan]":
    team = f"huiguanjia-{squad}"
    return partial(
        Plan, community_id="gaolin", compound_id="gaolin_shijia", teams=(team,), crew=team
    )


HUIGUANJIA: Final = (
    _squad("xianfeng")(
        title="先锋管家：楼栋政策宣讲会",
        activity_type="talk",
        place="高林仕家党群服务站",
        start=time(19, 0),
        minutes=90,
        roles=(Role("speaker", "宣讲", 2, "talks"), Role("organiser", "组织签到", 2)),
        capacity=40,
        participants=(15, 40),
        summaries=("讲医保缴费和养老认证新规，{n}位居民参加，会后在楼栋群里答疑。",),
    ),
    _squad("jinguo")(
        title="巾帼管家：独居老人暖心探访",
        activity_type="hardship_visit",
        place="高林仕家独居老人家中",
        start=time(9, 0),
        minutes=120,
        roles=(Role("visitor", "探访", 3, "elder_care"),),
        target_group="elders",
        participants=(3, 8),
        summaries=("探访{n}位独居老人，帮忙打扫、理发，记下两件需要社区协调的事。",),
    ),
    _squad("laobing")(
        title="老兵管家：公共设施小修小补",
        activity_type="repair_day",
        place="高林仕家各楼栋",
        start=time(9, 0),
        minutes=150,
        roles=(Role("fixer", "维修", 3, "repair"),),
        participants=(0, 0),
        summaries=("修好楼道灯、单元门闭门器和健身器材共{n}处。",),
    ),
    _squad("pingan")(
        title="平安管家：夜间巡查和电动车劝导",
        activity_type="civility_campaign",
        place="高林仕家小区及地下车库",
        start=time(19, 30),
        minutes=90,
        roles=(Role("patrol", "巡查劝导", 4),),
        turnout=0.8,
        participants=(5, 20),
        summaries=("夜间巡查，劝导电动车进楼和飞线充电{n}起，车库消防通道已清空。",),
    ),
    _squad("jiankang")(
        title="健康管家：血压血糖测量",
        activity_type="health_check",
        place="高林仕家党群服务站",
        start=time(8, 30),
        minutes=150,
        roles=(Role("nurse", "测量", 2, "medical"), Role("desk", "登记", 2)),
        target_group="elders",
        capacity=40,
        participants=(20, 40),
        summaries=("为{n}位老人测血压、血糖，三位指标偏高的已约社区医生复查。",),
    ),
    _squad("xiaoguanjia")(
        title="小管家：垃圾分类小课堂",
        activity_type="science_class",
        place="高林仕家儿童活动区",
        start=time(9, 30),
        minutes=90,
        roles=(
            Role("teacher", "讲解", 2, "teaching"),
            Role("photos", "摄影记录", 1, "photography"),
        ),
        target_group="children",
        capacity=25,
        participants=(10, 25),
        summaries=("{n}名小朋友玩垃圾分类卡片游戏，再到分类点实地投放。",),
    ),
)

FENGHUA_CIVILITY: Final = Plan(
    title="风华中茂：文明创建劝导",
    activity_type="civility_campaign",
    community_id="quantang",
    compound_id="zhongmao_cheng",
    place="中茂城小区出入口及商业街",
    start=time(9, 0),
    minutes=120,
    roles=(Role("adviser", "劝导员", 4), Role("photos", "摄影记录", 1, "photography")),
    teams=("fenghua",),
    crew="fenghua",
    turnout=0.8,
    participants=(10, 30),
    summaries=("“两新”党员亮身份，劝导乱停车和占道经营{n}起。",),
)
FENGHUA_GREEN: Final = Plan(
    title="风华中茂：护绿净园环境保护",
    activity_type="clean_up",
    community_id="quantang",
    compound_id="zhongmao_cheng",
    place="中茂城中心绿地及周边河岸",
    start=time(9, 0),
    minutes=120,
    roles=(Role("sweeper", "清扫", 5), Role("sorting", "分类指导", 1, "environment")),
    teams=("fenghua",),
    crew="fenghua",
    turnout=0.8,
    participants=(5, 20),
    summaries=("清理绿地和河岸的白色垃圾，{n}位居民带着孩子一起参加。",),
)
TONGXING_CHECK: Final = Plan(
    title="同星健康小屋：血压测量",
    activity_type="health_check",
    community_id="jingxing",
    compound_id="shengli_huayuan",
    place="圣力华苑小区党支部活动室",
    start=time(8, 30),
    minutes=120,
    roles=(Role("nurse", "量血压", 2, "medical"), Role("desk", "登记", 1)),
    target_group="elders",
    teams=("tongxing",),
    partners=("jingxing-care-station",),
    crew="tongxing",
    capacity=30,
    participants=(15, 30),
    summaries=("为{n}位老人量血压、建健康档案，提醒按时服药。",),
)
# 电系万家 is a partner unit, not a team of the registry: the community organises, 同星 and the
# compound's property staff (who repair) take the roles, the students are not volunteers here.
REPAIR_DAY: Final = Plan(
    title="电系万家：免费维修小家电",
    activity_type="repair_day",
    community_id="jingxing",
    compound_id="shengli_huayuan",
    place="圣力华苑小区中心广场",
    start=time(14, 30),
    minutes=150,
    roles=(Role("desk", "登记引导", 2), Role("fixer", "维修协助", 2, "repair")),
    partners=("dianxi-wanjia",),
    crew=(
        "tongxing-02",
        "tongxing-05",
        "tongxing-06",
        "tongxing-09",
        "shengli_huayuan-staff-1",
        "shengli_huayuan-staff-2",
    ),
    participants=(20, 45),
    description="与湖南水利水电职业技术学院“电系万家”志愿服务队联合，学生们现场免费维修小家电。",
    summaries=(
        "学生们修好电饭煲、电风扇、台灯等小家电{n}件，讲了家电安全用电常识。",
        "修理小家电{n}件，两件需要配件的约好下次带来。",
    ),
)

# The 27 May health-check day of the report: 100+ elders, many registered by volunteers.
HEALTH_DAY: Final = Plan(
    title="健康义诊进小区",
    activity_type="health_check",
    community_id="jingxing",
    compound_id="shengli_huayuan",
    place="圣力华苑小区中心广场",
    start=time(8, 30),
    minutes=180,
    roles=(
        Role("blood-pressure", "量血压", 3, "medical"),
        Role("blood-sugar", "测血糖", 3, "medical"),
        Role("desk", "登记引导", 4),
        Role("order", "秩序维护", 2),
    ),
    target_group="elders",
    teams=("tongxing",),
    partners=("quantang-health-centre", "jingxing-care-station"),
    crew="tongxing",
    capacity=150,
    description="景星社区党总支联合居家养老服务站、泉塘街道卫生服务中心：测血糖、量血压，"
    "讲膳食营养、生活习惯、慢病预防和急救知识。",
    summaries=(
        "为{n}位老人测血糖、量血压，医生讲解膳食营养、生活习惯和急救知识，"
        "指标异常的老人已登记，由家庭医生跟进。",
    ),
)

RECURRING: Final = (
    Recurring(
        "wulaohong-kids-class",
        KIDS_CLASS,
        (6,),
        cancelled={"02-17": "春节假期暂停一次"},
    ),
    # Two series, not one on (2, 5): the service creates at most 100 occurrences at once.
    Recurring("wulaohong-civility-tue", CIVILITY, (2,)),
    Recurring("wulaohong-civility-fri", CIVILITY, (5,)),
    Recurring("wulaohong-clean-up", CLEAN_UP, (3,), cancelled={"06-20": "暴雨预警，改期进行"}),
    Recurring("wulaohong-hardship-visits", HARDSHIP, (4,)),
    Recurring("wulaohong-talks", TALK, (1,), interval_weeks=2),
    Recurring("linli-anti-fraud-clapper", CLAPPER, (3,)),
    *(
        Recurring(f"{plan.teams[0]}-monthly", plan, (day,), interval_weeks=4, offset_days=k * 4)
        for k, (plan, day) in enumerate(zip(HUIGUANJIA, (1, 6, 7, 2, 6, 7), strict=True))
    ),
    Recurring("fenghua-civility", FENGHUA_CIVILITY, (6,), interval_weeks=4, offset_days=3),
    Recurring("fenghua-green", FENGHUA_GREEN, (7,), interval_weeks=4, offset_days=17),
    Recurring("tongxing-health-hut", TONGXING_CHECK, (5,), interval_weeks=4, offset_days=9),
    Recurring("dianxi-repair-days", REPAIR_DAY, (6,), interval_weeks=4, offset_days=13),
)


FESTIVAL_ROLES: Final = (Role("performer", "表演", 6, "culture"), Role("crew", "场务", 3))
ONE_OFFS: Final = (
    OneOff(
        "tongxing-health-day",
        HEALTH_DAY,
        (5, 27),
        photo_refs=3,
    ),
    OneOff(
        "wulaohong-new-year-show",
        _wulaohong(
            title="迎新春文艺汇演·写春联送福字",
            activity_type="culture_show",
            place=f"{HAIDE}中心广场",
            summaries=("老党员写春联两百多副，合唱、快板、太极扇表演，{n}位居民观看。",),
            start=time(14, 30),
            minutes=150,
            roles=FESTIVAL_ROLES,
            participants=(120, 200),
        ),
        (1, 24),
        photo_refs=2,
    ),
    OneOff(
        "wulaohong-lei-feng-day",
        _wulaohong(
            title="学雷锋志愿服务日",
            activity_type="civility_campaign",
            place=f"{HAIDE}中心广场",
            summaries=("义剪、磨刀、量血压、政策咨询一条龙，服务居民{n}人次。",),
            start=time(14, 0),
            minutes=120,
            roles=(Role("stall", "服务摊位", 8),),
            participants=(60, 120),
        ),
        (3, 5),
    ),
    OneOff(
        "wulaohong-tree-day",
        _wulaohong(
            title="植树节：认养一棵树",
            activity_type="clean_up",
            place=f"{HAIDE}东侧绿化带",
            summaries=("补种桂花和紫薇三十株，{n}个家庭认养了树苗。",),
            start=time(14, 0),
            minutes=120,
            roles=(Role("planter", "种树", 8), Role("guide", "养护讲解", 1, "environment")),
            participants=(15, 30),
        ),
        (3, 12),
        photo_refs=1,
    ),
    OneOff(
        "wulaohong-childrens-day",
        _wulaohong(
            title="六一：自然笔记亲子赛",
            activity_type="science_class",
            place=f"{HAIDE}中心花园",
            summaries=("{n}组亲子家庭观察植物、完成自然笔记，评出十幅优秀作品。",),
            start=time(14, 30),
            minutes=120,
            roles=(Role("teacher", "评审老师", 3, "teaching"), Role("helper", "助教", 3)),
            target_group="children",
            capacity=40,
            participants=(25, 40),
        ),
        (6, 1),
    ),
    OneOff(
        "wulaohong-party-day",
        _wulaohong(
            title="七一：老党员讲党课",
            activity_type="talk",
            place=f"{HAIDE}小区党支部活动室",
            summaries=("老党员讲入党经历，{n}位党员和居民参加，重温入党誓词。",),
            start=time(14, 30),
            minutes=120,
            roles=(Role("speaker", "宣讲", 3, "talks"), Role("usher", "引导", 2)),
            participants=(40, 60),
        ),
        (7, 1),
    ),
    OneOff(
        "wulaohong-army-day",
        _wulaohong(
            title="八一：看望老战士",
            activity_type="hardship_visit",
            place=f"{HAIDE}老战士家中",
            summaries=("看望{n}位老战士，送上慰问品，听他们讲当年的故事。",),
            start=time(9, 0),
            minutes=120,
            roles=(Role("visitor", "走访", 4),),
            target_group="elders",
            participants=(5, 8),
        ),
        (8, 1),
    ),
    OneOff(
        "wulaohong-double-ninth",
        _wulaohong(
            title="重阳敬老文艺演出",
            activity_type="culture_show",
            place=f"{HAIDE}中心广场",
            summaries=("为小区老人表演合唱和快板，给八十岁以上老人送长寿面，{n}位居民参加。",),
            start=time(14, 30),
            minutes=120,
            roles=FESTIVAL_ROLES,
            target_group="elders",
            participants=(80, 150),
        ),
        (10, 25),
        photo_refs=2,
    ),
    OneOff("linli-clean-up-spring", LINLI_CLEAN_UP, (4, 9)),
    OneOff("linli-clean-up-summer", LINLI_CLEAN_UP, (7, 16)),
    OneOff("linli-clean-up-autumn", LINLI_CLEAN_UP, (10, 15)),
    OneOff("linli-talk-spring", LINLI_TALK, (3, 20)),
    OneOff("linli-talk-autumn", LINLI_TALK, (9, 18)),
)
