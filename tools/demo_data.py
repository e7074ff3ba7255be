"""Demo requests (诉求) for Quantang subdistrict (泉塘街道), and the demo accounts, loaded by
`make up`; the registry's organisation, people and teams are in tools/demo_registry_data.py.

`make up` loads them once per data folder, and only into its embedded NATS and MongoDB
(RV_DEMO=1 forces, RV_DEMO=0 skips them): see tools/up.py.

Plain data, each request a body for `POST /api/v1/requests`. Teams and places are the real
ones from the handbook; people and phone numbers are invented (138 0000 xxxx is never
handed out). The handbook names the 高林仕家 compound but not its community, so
`gaolin` is a demo id. Compound and building ids are the registry demo's.
"""

from typing import Any

DEMO_REQUESTS: list[dict[str, Any]] = [
    {
        "kind": "repair",
        "title": "3栋2单元楼道声控灯不亮",
        "description": ("2单元三至六楼的声控灯已经坏了一周，晚上老人上下楼看不清台阶，担心摔倒。"),
        "location": {
            "community_id": "quanyun",
            "compound_id": "haide_gongyuan",
            "building_id": "haide_gongyuan-3",
        },
        "channel": "wechat_group",
        "urgency": "normal",
        "resident_name": "刘女士",
        "resident_phone": "13800000101",
    },
    {
        "kind": "hardship_help",
        "title": "独居老人需要有人定期代买药品",
        "description": (
            "8栋的陈爷爷今年82岁，腿脚不便，子女在外地。"
            "每月需要去药店买降压药，希望志愿者帮忙代购并送上门。"
        ),
        "location": {
            "community_id": "quanyun",
            "compound_id": "haide_gongyuan",
            "building_id": "haide_gongyuan-8",
        },
        "channel": "via_volunteer",
        "urgency": "normal",
        "resident_name": "陈爷爷",
        "resident_phone": "13800000102",
    },
    {
        "kind": "environment",
        "title": "儿童游乐区旁绿化带有建筑垃圾",
        "description": (
            "有住户装修后把碎瓷砖和废木板堆在游乐区旁的绿化带里，"
            "孩子们玩耍时容易划伤，请物业尽快清运。"
        ),
        "location": {"community_id": "quanyun", "compound_id": "haide_gongyuan"},
        "channel": "app",
        "urgency": "normal",
        "resident_name": "罗先生",
        "resident_phone": "13800000103",
    },
    {
        "kind": "neighbour_dispute",
        "title": "楼上卫生间渗水到楼下天花板",
        "description": (
            "5栋402的天花板出现水渍并开始掉漆，怀疑是502卫生间防水层老化。"
            "两家沟通过两次没有结果，希望社区出面协调。"
        ),
        "location": {
            "community_id": "xinggang",
            "compound_id": "pingguo",
            "building_id": "pingguo-5",
        },
        "channel": "in_person",
        "urgency": "normal",
        "resident_name": "张阿姨",
        "resident_phone": "13800000104",
    },
    {
        "kind": "health",
        "title": "老两口想预约上门测量血压",
        "description": (
            "两位老人都有高血压，最近头晕次数增多，"
            "但行动不方便去卫生服务中心，想请医生或志愿者上门测一次血压。"
        ),
        "location": {
            "community_id": "xinggang",
            "compound_id": "pingguo",
            "building_id": "pingguo-12",
        },
        "channel": "phone",
        "urgency": "normal",
        "resident_name": "黄爷爷",
        "resident_phone": "13800000105",
    },
    {
        "kind": "health",
        "title": "义诊后血糖偏高，希望得到饮食指导",
        "description": (
            "上次义诊时测出空腹血糖偏高，老人不会用智能手机查资料，"
            "想请医生再复查一次并讲讲平时怎么安排三餐。"
        ),
        "location": {
            "community_id": "jingxing",
            "compound_id": "shengli_huayuan",
            "building_id": "shengli_huayuan-6",
        },
        "channel": "via_volunteer",
        "urgency": "normal",
        "resident_name": "李奶奶",
        "resident_phone": "13800000106",
    },
    {
        "kind": "emergency",
        "title": "暴雨后地下车库入口积水",
        "description": (
            "今早暴雨后地下车库入口积水已没过脚踝，水还在往里流，"
            "车库里停着不少车，需要马上安排抽水并设置警示。"
        ),
        "location": {"community_id": "gaolin", "compound_id": "gaolin_shijia"},
        "channel": "wechat_group",
        "urgency": "urgent",
        "resident_name": "赵先生",
        "resident_phone": "13800000107",
    },
    {
        "kind": "neighbour_dispute",
        "title": "夜间犬吠影响邻居休息",
        "description": (
            "9栋有住户养的狗经常在深夜叫，同楼几户居民在楼栋群里反映，"
            "希望惠管家先上门沟通，避免矛盾升级。"
        ),
        "location": {
            "community_id": "gaolin",
            "compound_id": "gaolin_shijia",
            "building_id": "gaolin_shijia-9",
        },
        "channel": "wechat_group",
        "urgency": "normal",
        "resident_name": "吴女士",
        "resident_phone": "13800000108",
    },
]

# One community_admin per demo community (`make up` creates them through the API, as the
# subdistrict's `admin`, and prints their passwords): username -> (display name, community).
DEMO_COMMUNITY_ADMINS: dict[str, tuple[str, str]] = {
    f"{community}_admin": (f"{community} 社区管理员（演示）", community)
    for community in dict.fromkeys(r["location"]["community_id"] for r in DEMO_REQUESTS)
}

# The registry demo's team accounts (`make up` creates them once the registry's demo is in):
# username -> (display name, role, the team it leads or, for a volunteer, the member's key in
# tools/demo_members.py).
DEMO_TEAM_ACCOUNTS: dict[str, tuple[str, str, str]] = {
    "huiguanjia_leader": ("惠管家队长（演示）", "team_leader", "huiguanjia"),
    "xianfeng_leader": ("惠管家先锋管家小分队长（演示）", "team_leader", "huiguanjia-xianfeng"),
    "wulaohong_volunteer": ("五老红志愿者（演示）", "volunteer", "wulaohong-03"),
}
