"""The rules: which event types cause notices, to whom, how urgent, on which channels, saying
what. Rules are data: these defaults are seeded, a subdistrict admin edits them. Pure.

Every event type another service emits has a default rule here or is listed in SILENT
(tests/unit/test_notify_rules.py fails when a new event type has neither)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel

from shared.contracts.catalogue import EventData, catalogue
from shared.contracts.commands.notify import AudienceKind, ChannelName, Priority


class Text(BaseModel):
    title: str
    body: str


class Rule(BaseModel):
    event_type: str  # the event's name, e.g. "WishClaimed"
    audiences: list[AudienceKind]
    priority: Priority = "normal"
    channels: list[ChannelName] = ["inbox", "wecom_robot", "email", "sms", "webhook"]
    enabled: bool = True
    zh: Text
    en: Text
    # True once an admin changed it (a reset brings back the default).
    customised: bool = False
    updated_by: str | None = None
    updated_at: datetime | None = None


def event_models() -> dict[str, type[EventData]]:
    """Every event type by name (its class name, as rules and SILENT name it)."""
    return {spec.name: spec.model for spec in catalogue().values()}


def priority_of(rule: Rule, data: EventData | Mapping[str, Any]) -> Priority:
    """The rule's priority, raised to urgent by the event itself: a request's urgency
    (urgent, emergency), or what a posted notice's author chose."""
    fields = data if isinstance(data, Mapping) else data.__dict__
    if fields.get("urgency") in ("urgent", "emergency"):
        return "urgent"
    if rule.event_type == "NoticePosted" and fields.get("priority") in get_args(Priority):
        chosen: Priority = fields["priority"]
        return chosen
    return rule.priority


# Personal notices: never to a group robot (the fan-out keeps robots for group audiences).
PERSONAL: list[ChannelName] = ["inbox", "email", "sms", "webhook"]
# Group audiences and staff desks: the buildings', teams' and staff's WeChat Work groups too.
GROUP: list[ChannelName] = ["inbox", "wecom_robot", "email", "sms", "webhook"]
# Routine credits: no text message (it costs, and the inbox or a digest is enough).
ROUTINE: list[ChannelName] = ["inbox", "email", "webhook"]

_URGENT_PREFIX_ZH = "{% if urgency in ['urgent', 'emergency'] %}【紧急】{% endif %}"
_URGENT_PREFIX_EN = "{% if urgency in ['urgent', 'emergency'] %}[URGENT] {% endif %}"
# For request events that carry only the request's id: its title from notify's records.
_ABOUT_ZH = "{% if subject_title %}：{{ subject_title }}{% endif %}"
_ABOUT_EN = "{% if subject_title %}: {{ subject_title }}{% endif %}"
_QUOTED_ZH = "{% if subject_title %}「{{ subject_title }}」{% endif %}"
_QUOTED_EN = '{% if subject_title %} "{{ subject_title }}"{% endif %}'
_HANDLED_BY_ZH = "{% if handler and handler.name %}，承办：{{ handler.name }}{% endif %}"
_HANDLED_BY_EN = "{% if handler and handler.name %} (handled by {{ handler.name }}){% endif %}"


def _rule(
    event_type: str,
    audiences: list[AudienceKind],
    zh: tuple[str, str],
    en: tuple[str, str],
    *,
    priority: Priority = "normal",
    channels: list[ChannelName] = PERSONAL,
) -> Rule:
    return Rule(
        event_type=event_type,
        audiences=audiences,
        priority=priority,
        channels=list(channels),
        zh=Text(title=zh[0], body=zh[1]),
        en=Text(title=en[0], body=en[1]),
    )


_REQUESTS = [
    _rule(
        "RequestCreated",
        ["community_admins"],
        (
            _URGENT_PREFIX_ZH + "新诉求：{{ title }}",
            "社区收到一条新的居民诉求（{{ kind_name.zh if kind_name else kind }}），请及时受理。",
        ),
        (
            _URGENT_PREFIX_EN + "New request: {{ title }}",
            "A resident's request ({{ kind_name.en if kind_name else kind }}) arrived; "
            "please accept it in time.",
        ),
        channels=GROUP,
    ),
    _rule(
        "RequestAccepted",
        ["resident"],
        (
            "诉求已受理" + _ABOUT_ZH,
            "您的诉求已由社区受理，预计 {{ deadline | local }} 前办结。",
        ),
        (
            "Request accepted" + _ABOUT_EN,
            "The community accepted your request; it should be resolved by {{ deadline | local }}.",
        ),
    ),
    _rule(
        "RequestReturned",
        ["resident"],
        (
            "诉求已退回" + _ABOUT_ZH,
            "社区退回了您的诉求，原因：{{ reason }}。如有疑问请联系社区。",
        ),
        (
            "Request returned" + _ABOUT_EN,
            "The community returned your request: {{ reason }}. "
            "Please contact the community with any questions.",
        ),
    ),
    _rule(
        "RequestDispatched",
        ["handler"],
        (
            "新派单" + _ABOUT_ZH,
            "社区派给您一条居民诉求{% if handler.name %}（承办：{{ handler.name }}）{% endif %}"
            "{% if deadline %}，请于 {{ deadline | local }} 前办结{% endif %}。请尽快联系居民。",
        ),
        (
            "Request dispatched to you" + _ABOUT_EN,
            "The community dispatched a resident's request to you"
            "{% if handler.name %} ({{ handler.name }}){% endif %}"
            "{% if deadline %}; please resolve it by {{ deadline | local }}{% endif %}. "
            "Please contact the resident soon.",
        ),
    ),
    _rule(
        "VolunteerAssigned",
        ["member"],
        (
            "您有新的服务任务：{{ title }}",
            "社区请您承办居民诉求「{{ title }}」"
            "{% if deadline %}，请于 {{ deadline | local }} 前办结{% endif %}。"
            "请尽快联系居民，并在系统中更新进度。",
        ),
        (
            "A new task for you: {{ title }}",
            'The community asks you to handle the request "{{ title }}"'
            "{% if deadline %} by {{ deadline | local }}{% endif %}. "
            "Please contact the resident soon and record your progress.",
        ),
    ),
    _rule(
        "ExtensionRequested",
        ["community_admins"],
        (
            "延期申请" + _ABOUT_ZH,
            "承办方申请延期 {{ working_days }} 个工作日，理由：{{ reason }}。请及时审核。",
        ),
        (
            "Extension requested" + _ABOUT_EN,
            "The handler asks for {{ working_days }} more working day(s): {{ reason }}. "
            "Please review it.",
        ),
        channels=GROUP,
    ),
    _rule(
        "ExtensionApproved",
        ["resident"],
        (
            "诉求办理期限已延长",
            "您的诉求" + _QUOTED_ZH + "办理期限延至 {{ deadline | local }}，原因：{{ reason }}。",
        ),
        (
            "More time for your request",
            "Your request"
            + _QUOTED_EN
            + " will be resolved by {{ deadline | local }}, because: {{ reason }}.",
        ),
    ),
    _rule(
        "RequestResolved",
        ["resident"],
        (
            "诉求已办结：{{ title }}",
            "您反映的「{{ title }}」已于 {{ resolved_at | local }} 办结"
            "{% if notes %}：{{ notes }}{% endif %}。社区稍后会回访，欢迎评价。",
        ),
        (
            "Request resolved: {{ title }}",
            'Your request "{{ title }}" was resolved at {{ resolved_at | local }}'
            "{% if notes %}: {{ notes }}{% endif %}. "
            "The community will call to ask how it went.",
        ),
    ),
    _rule(
        "RequestClosed",
        ["resident"],
        (
            "诉求已结案" + _ABOUT_ZH,
            "{{ {'closed': '您的诉求已办结归档，感谢您的评价。',"
            " 'duplicate': '您的诉求与已登记的诉求重复，将合并办理。',"
            " 'not_responsible': '您的诉求不在社区职责范围内，已结案。',"
            " 'transferred': '您的诉求已转交外部门办理，社区这里结案。',"
            " 'cancelled': '您的诉求已撤销。'}.get(closed_as, '您的诉求已结案。') }}"
            "{% if reason %}说明：{{ reason }}。{% endif %}",
        ),
        (
            "Request closed" + _ABOUT_EN,
            "{{ {'closed': 'Your request is closed; thank you for your feedback.',"
            " 'duplicate': 'Your request repeats one already recorded; they are handled"
            " together.',"
            " 'not_responsible': 'Your request is not for the community to handle; it is"
            " closed.',"
            " 'transferred': 'Your request went to a department outside; it is closed"
            " here.',"
            " 'cancelled': 'Your request was cancelled.'}.get(closed_as,"
            " 'Your request is closed.') }}"
            "{% if reason %} Note: {{ reason }}{% endif %}",
        ),
    ),
    _rule(
        "RequestReopened",
        ["handler", "community_admins"],
        (
            "诉求重新办理" + _ABOUT_ZH,
            "诉求已重新打开，原因：{{ reason }}。请继续跟进办理。",
        ),
        (
            "Request reopened" + _ABOUT_EN,
            "The request is open again: {{ reason }}. Please follow it up.",
        ),
        channels=GROUP,
    ),
    _rule(
        "RequestTransferred",
        ["resident"],
        (
            "诉求已转办" + _ABOUT_ZH,
            "您的诉求已转交"
            "{% if to_outside %}{{ to_outside }}{% else %}其他社区{% endif %}"
            "办理，原因：{{ reason }}。",
        ),
        (
            "Request transferred" + _ABOUT_EN,
            "Your request went to "
            "{% if to_outside %}{{ to_outside }}{% else %}another community{% endif %}"
            ", because: {{ reason }}.",
        ),
    ),
    _rule(
        "RequestReminderDue",
        ["handler"],
        (
            "催办" + _ABOUT_ZH,
            "您承办的诉求将于 {{ deadline | local }} 到期，请抓紧办理。",
        ),
        (
            "Reminder" + _ABOUT_EN,
            "The request you handle is due at {{ deadline | local }}; please finish it in time.",
        ),
    ),
    _rule(
        "RequestOverdue",
        ["community_admins", "handler"],
        (
            "诉求已超期" + _ABOUT_ZH,
            "诉求已超过办理期限（{{ deadline | local }}）" + _HANDLED_BY_ZH + "。请督促办理。",
        ),
        (
            "Request overdue" + _ABOUT_EN,
            "The request is past its deadline of {{ deadline | local }}"
            + _HANDLED_BY_EN
            + ". Please see that it is done.",
        ),
        channels=GROUP,
    ),
    _rule(
        "RequestEscalated",
        ["community_admins"],
        (
            "督办" + _ABOUT_ZH,
            "诉求超期未办结（期限 {{ deadline | local }}）"
            + _HANDLED_BY_ZH
            + "，已转社区督办，请尽快处理。",
        ),
        (
            "Escalated" + _ABOUT_EN,
            "The request is still open past its deadline of {{ deadline | local }}"
            + _HANDLED_BY_EN
            + "; the community takes it up. Please act soon.",
        ),
        channels=GROUP,
    ),
]

_CLAIMANT_ZH = "{{ claimant.name or ('爱心单位' if claimant.type == 'partner' else '志愿者') }}"
_CLAIMANT_EN = (
    "{{ claimant.name or ('a partner unit' if claimant.type == 'partner' else 'a volunteer') }}"
)
_CLAIMANT_EN_START = (
    "{{ claimant.name or ('A partner unit' if claimant.type == 'partner' else 'A volunteer') }}"
)

_WISHES = [
    _rule(
        "WishSubmitted",
        ["community_admins"],
        (
            "新微心愿待审核：{{ title }}",
            "社区收到一条居民微心愿「{{ title }}」，请审核后发布到心愿墙。",
        ),
        (
            "A micro-wish to review: {{ title }}",
            'A resident\'s micro-wish "{{ title }}" arrived; please review it for the wish wall.',
        ),
        channels=GROUP,
    ),
    _rule(
        "WishPublished",
        ["entered_by"],
        (
            "微心愿已发布：{{ title }}",
            "您代居民提交的微心愿「{{ title }}」已通过审核，发布在心愿墙上"
            "（居民显示为 {{ display_name }}）。",
        ),
        (
            "Micro-wish published: {{ title }}",
            'The micro-wish "{{ title }}" you entered is on the wish wall '
            "(the resident shows as {{ display_name }}).",
        ),
    ),
    _rule(
        "WishClaimed",
        ["entered_by"],
        (
            "微心愿被认领：{{ title }}",
            "「{{ title }}」已被" + _CLAIMANT_ZH + "认领，请转告居民。",
        ),
        (
            "Micro-wish claimed: {{ title }}",
            '"{{ title }}" was claimed by ' + _CLAIMANT_EN + "; please tell the resident.",
        ),
    ),
    _rule(
        "WishFulfilled",
        ["entered_by"],
        (
            "微心愿已实现" + _ABOUT_ZH,
            _CLAIMANT_ZH + "已完成居民的微心愿" + _QUOTED_ZH + "，请陪同居民确认。",
        ),
        (
            "Micro-wish fulfilled" + _ABOUT_EN,
            _CLAIMANT_EN_START
            + " fulfilled the micro-wish"
            + _QUOTED_EN
            + "; please help the resident confirm it.",
        ),
    ),
    _rule(
        "WishConfirmed",
        ["member"],
        (
            "微心愿已确认：{{ title }}",
            "居民已确认您认领的微心愿「{{ title }}」已实现，谢谢您！"
            "{% if hours or points %}已为您记录"
            "{% if hours %}服务时长 {{ hours | num }} 小时{% endif %}"
            "{% if hours and points %}、{% endif %}"
            "{% if points %}积分 {{ points }} 分{% endif %}。{% endif %}",
        ),
        (
            "Micro-wish confirmed: {{ title }}",
            'The resident confirmed that "{{ title }}" came true. Thank you!'
            "{% if hours or points %} Credited:"
            "{% if hours %} {{ hours | num }} h of service{% endif %}"
            "{% if hours and points %} and{% endif %}"
            "{% if points %} {{ points }} point{{ '' if points == 1 else 's' }}{% endif %}"
            ".{% endif %}",
        ),
    ),
]

_ACTIVITIES = [
    _rule(
        "ActivityPublished",
        ["activity_audience"],
        (
            "活动报名：{{ activity.title }}",
            "{{ activity.starts_at | local }} 在{{ activity.place }}举办"
            "「{{ activity.title }}」，欢迎报名参加。",
        ),
        (
            "New activity: {{ activity.title }}",
            '"{{ activity.title }}" takes place at {{ activity.place }} on '
            "{{ activity.starts_at | local }}. Sign up now.",
        ),
        channels=GROUP,
    ),
    _rule(
        "ActivityUpdated",
        ["volunteers"],
        (
            "活动有变更：{{ activity.title }}",
            "您报名的活动「{{ activity.title }}」信息有更新：时间 "
            "{{ activity.starts_at | local }}，地点 {{ activity.place }}。请留意。",
        ),
        (
            "Activity changed: {{ activity.title }}",
            'The activity "{{ activity.title }}" you signed up for changed: it is at '
            "{{ activity.place }} on {{ activity.starts_at | local }}.",
        ),
    ),
    _rule(
        "ActivityCancelled",
        ["volunteers"],
        (
            "活动取消：{{ title }}",
            "原定 {{ starts_at | local }} 的活动「{{ title }}」已取消，原因：{{ reason }}。"
            "给您带来不便，敬请谅解。",
        ),
        (
            "Activity cancelled: {{ title }}",
            '"{{ title }}" on {{ starts_at | local }} is cancelled: {{ reason }}. '
            "Sorry for the trouble.",
        ),
    ),
    _rule(
        "VolunteerSignedUp",
        ["member"],
        (
            "{% if status == 'waitlisted' %}已进入候补{% else %}报名成功{% endif %}" + _ABOUT_ZH,
            "{% if status == 'waitlisted' %}岗位已满，您在候补第 {{ waitlist_position }} 位，"
            "有空位时会通知您。{% else %}您已报名成功"
            "{% if activity_starts_at %}，活动时间 {{ activity_starts_at | local }}{% endif %}"
            "{% if activity_place %}，地点 {{ activity_place }}{% endif %}。{% endif %}",
        ),
        (
            "{% if status == 'waitlisted' %}On the waitlist{% else %}Signed up{% endif %}"
            + _ABOUT_EN,
            "{% if status == 'waitlisted' %}The role is full: you are number "
            "{{ waitlist_position }} on the waitlist; we will tell you when a place frees."
            "{% else %}You are signed up"
            "{% if activity_starts_at %}; it starts at {{ activity_starts_at | local }}{% endif %}"
            "{% if activity_place %} at {{ activity_place }}{% endif %}.{% endif %}",
        ),
        priority="low",
        channels=ROUTINE,
    ),
    _rule(
        "WaitlistPromoted",
        ["member"],
        (
            "候补成功：{{ title }}",
            "有名额空出，您已从候补转为正式报名「{{ title }}」，活动时间 "
            "{{ starts_at | local }}{% if activity_place %}，地点 {{ activity_place }}{% endif %}。"
            "如不能参加，请及时取消。",
        ),
        (
            "You are in: {{ title }}",
            'A place came free: you moved from the waitlist into "{{ title }}", at '
            "{{ starts_at | local }}{% if activity_place %}, {{ activity_place }}{% endif %}. "
            "If you cannot come, please cancel in time.",
        ),
    ),
    _rule(
        "ActivityReminderDue",
        ["volunteers"],
        (
            "活动提醒：{{ title }}",
            "您报名的「{{ title }}」将于 {{ starts_at | local }} 在{{ place }}开始，请准时参加。",
        ),
        (
            "Reminder: {{ title }}",
            '"{{ title }}" starts at {{ starts_at | local }} at {{ place }}. See you there.',
        ),
    ),
]

_STATUS_ZH = "{'active': '正常', 'suspended': '暂停', 'left': '已退出', 'merged': '已合并'}"
_ROLE_ZH = "{'leader': '队长', 'deputy': '副队长', 'member': '队员'}"
_SIGNED_DELTA = "{{ '+' if delta > 0 else '' }}{{ delta }}"

_REGISTRY = [
    _rule(
        "MemberRegistered",
        ["member"],
        (
            "欢迎加入红马甲志愿服务",
            "{{ member.display_name }}，您好！您已完成登记，志愿者编号 {{ member.volunteer_no }}。"
            "欢迎参加社区活动、帮助有需要的居民，服务时长会自动记录。",
        ),
        (
            "Welcome to RedVest",
            "Hello {{ member.display_name }}, you are registered; your volunteer number is "
            "{{ member.volunteer_no }}. Join the community's activities and help residents in "
            "need: your service hours are recorded for you.",
        ),
        priority="low",
        channels=ROUTINE,
    ),
    _rule(
        "MemberStatusChanged",
        ["member"],
        (
            "志愿者状态变更",
            "{% set names = " + _STATUS_ZH + " %}"
            "您的志愿者状态已由「{{ names.get(previous, previous) }}」变更为"
            "「{{ names.get(status, status) }}」，{{ effective_on | date }}起生效"
            "{% if reason %}，原因：{{ reason }}{% endif %}。",
        ),
        (
            "Your volunteer status changed",
            "Your volunteer status changed from {{ previous }} to {{ status }} as of "
            "{{ effective_on | date('en') }}{% if reason %}: {{ reason }}{% endif %}.",
        ),
    ),
    _rule(
        "VolunteerJoinedTeam",
        ["member"],
        (
            "已加入志愿服务队{% if team_name %}：{{ team_name }}{% endif %}",
            "您已加入{{ team_name or '志愿服务队' }}，担任"
            "{{ " + _ROLE_ZH + ".get(role, role) }}，{{ joined_on | date }}起生效。",
        ),
        (
            "You joined a team{% if team_name %}: {{ team_name }}{% endif %}",
            "You joined {{ team_name or 'a volunteer team' }} as {{ role }}, as of "
            "{{ joined_on | date('en') }}.",
        ),
        priority="low",
        channels=ROUTINE,
    ),
    _rule(
        "ServiceHoursCredited",
        ["member"],
        (
            "服务时长已记录：{{ hours | num }} 小时",
            "{{ served_on | date }}「{{ content }}」"
            "{% if organiser %}（{{ organiser }}）{% endif %}"
            "记服务时长 {{ hours | num }} 小时，累计 {{ total_hours | num }} 小时。",
        ),
        (
            "Service hours recorded: {{ hours | num }} h",
            '{{ served_on | date("en") }}, "{{ content }}"'
            "{% if organiser %} ({{ organiser }}){% endif %}: {{ hours | num }} h recorded, "
            "{{ total_hours | num }} h in all.",
        ),
        priority="low",
        channels=ROUTINE,
    ),
    _rule(
        "ServiceRecordCorrected",
        ["member"],
        (
            "服务记录已更正",
            "您的服务记录「{{ content }}」已更正：{{ hours_before | num }} 小时 → "
            "{{ hours_after | num }} 小时，累计 {{ total_hours | num }} 小时。",
        ),
        (
            "Your service record was corrected",
            'The entry "{{ content }}" of your service record changed from '
            "{{ hours_before | num }} h to {{ hours_after | num }} h; "
            "{{ total_hours | num }} h in all.",
        ),
    ),
    _rule(
        "StarLevelReached",
        ["member"],
        (
            "恭喜您成为{{ level }}星志愿者",
            "您的累计服务时长已达 {{ total_hours | num }} 小时，达到{{ level }}星级"
            "（{{ threshold_hours | num }} 小时）。感谢您的奉献！",
        ),
        (
            "Congratulations: {{ level }}-star volunteer",
            "Your service hours reached {{ total_hours | num }} h, the {{ level }}-star level "
            "({{ threshold_hours | num }} h). Thank you!",
        ),
    ),
    _rule(
        "PointsChanged",
        ["member"],
        (
            "积分变动：" + _SIGNED_DELTA,
            "{{ reason }}：积分 " + _SIGNED_DELTA + "，当前余额 {{ balance }}。",
        ),
        (
            "Points: " + _SIGNED_DELTA,
            "{{ reason }}: " + _SIGNED_DELTA + " points; your balance is {{ balance }}.",
        ),
        priority="low",
        channels=ROUTINE,
    ),
]

_NOTICES = [
    # The author wrote the text; the priority they chose applies (priority_of).
    _rule(
        "NoticePosted",
        ["notice_scope"],
        ("{% if priority == 'urgent' %}【紧急】{% endif %}{{ title_zh }}", "{{ body_zh }}"),
        ("{% if priority == 'urgent' %}[URGENT] {% endif %}{{ title_en }}", "{{ body_en }}"),
        channels=GROUP,
    ),
]

DEFAULT_RULES: dict[str, Rule] = {
    rule.event_type: rule for rule in [*_REQUESTS, *_WISHES, *_ACTIVITIES, *_REGISTRY, *_NOTICES]
}

# Event types that cause no notice, each for a reason.
SILENT: dict[str, str] = {
    # registry
    "MemberUpdated": "profile edits are made by staff or the member; status changes have "
    "their own rule",
    "MembersMerged": "staff bookkeeping: the kept member's record reads the same to them",
    "OrgUnitCreated": "the organisation's structure: staff change it and see it in the console",
    "OrgUnitUpdated": "the organisation's structure: staff change it and see it in the console",
    "PartnerUnitRegistered": "staff register partner units; no member needs telling",
    "TeamCreated": "staff set up teams; members hear when they join (VolunteerJoinedTeam)",
    "TeamUpdated": "staff edit teams; nothing a member must act on",
    "VolunteerLeftTeam": "the member left, or was taken off, in person",
    # activities
    "ActivityDrafted": "a draft is not visible yet; ActivityPublished announces it",
    "SignUpCancelled": "the one who cancelled knows; a freed place reaches the waitlist by "
    "WaitlistPromoted",
    "ParticipantRegistered": "residents register in person or through a volunteer, who sees "
    "it at once",
    "VolunteerCheckedIn": "happens on site, in front of the volunteer",
    "VolunteerCheckedOut": "happens on site, in front of the volunteer",
    "ActivityCompleted": "ServiceHoursCredited tells each volunteer their hours",
    # requests
    "RequestStarted": "the handler started it themselves; the resident hears at resolution",
    "FollowUpRecorded": "RequestClosed (satisfied) or RequestReopened (unsatisfied) tells "
    "what follows",
    "RequestCancelled": "the resident cancelled it (or a volunteer for them); RequestClosed "
    "confirms it",
    # notify's own
    "NotificationSent": "never notify about notifications (it would loop)",
    "NotificationFailed": "never notify about notifications (it would loop); dead deliveries "
    "are listed for admins to retry",
}

# Notify's own records of notices: a rule for them would notify about notifying, for ever.
NEVER_NOTIFIED = frozenset({"NotificationSent", "NotificationFailed"})

# Events about an activity that tell nobody once it is over: there is nothing to come to.
_ACTIVITY_END = {"ActivityPublished": "ends_at", "ActivityUpdated": "ends_at"}
_ACTIVITY_START = {"ActivityCancelled", "ActivityReminderDue", "WaitlistPromoted"}


def outdated(event_type: str, data: Mapping[str, Any], now: datetime) -> bool:
    """An activity entered after the fact (last month's, from a paper list) is published and
    completed in one go: announcing it, or its reminder, would only be noise."""
    if event_type in _ACTIVITY_END:
        when = (data.get("activity") or {}).get(_ACTIVITY_END[event_type])
    elif event_type in _ACTIVITY_START:
        when = data.get("starts_at")
    else:
        return False
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return isinstance(when, datetime) and when < now
