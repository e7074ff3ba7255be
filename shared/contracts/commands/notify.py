"""Commands and queries served by the notify service.

Who is reading travels in the RPC headers (`CallContext.actor`); which addresses a reader
may read (`audiences`: `member:m1`, `account:a1`, `role:community_admin@community:c1`, …)
is decided by the gateway from the signed-in account and put in the query, never taken from
a caller's body.
"""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from shared.contracts.commands.common import Command, PageQuery

SERVICE = "notify"

Id = Annotated[str, Field(min_length=1, max_length=64)]
Address = Annotated[str, Field(min_length=3, max_length=160)]
EventName = Annotated[str, Field(pattern=r"^[A-Z][A-Za-z]{2,63}$", description="e.g. WishClaimed")]
Language = Literal["zh-CN", "en"]
Priority = Literal["urgent", "normal", "low"]
ChannelName = Literal["inbox", "wecom_robot", "email", "sms", "webhook"]
PersonalChannel = Literal["inbox", "email", "sms"]
DeliveryStatus = Literal["pending", "sent", "dead"]
Clock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, local")]
# Who a rule speaks to, resolved from the event and notify's own projections:
# - member: the one member the event names (member_id, a member claimant, a handling member);
# - volunteers: the members the event lists (volunteers, those signed up or confirmed);
# - resident: the request's resident if a member, else whoever entered it for them;
# - entered_by: whoever entered the request or wish on the resident's behalf;
# - handler: the member handling a request, else the leaders of the team handling it;
# - community_admins / subdistrict_admins: the staff desks (every admin's inbox);
# - activity_audience: an activity's target residents (the compound's or community's members
#   at home there) and its organiser teams' members;
# - team_leaders: the leaders of the teams the event names;
# - notice_scope: a posted notice's building, compound, community (members at home there) or
#   team (its members, sub-squads included).
AudienceKind = Literal[
    "member",
    "volunteers",
    "resident",
    "entered_by",
    "handler",
    "community_admins",
    "subdistrict_admins",
    "activity_audience",
    "team_leaders",
    "notice_scope",
]
MAX_AUDIENCES = 60

# --- The inbox ------------------------------------------------------------------------------

LIST_NOTIFICATIONS = "list_notifications"
MY_INBOX = "my_inbox"
UNREAD_COUNT = "unread_count"
MARK_READ = "mark_read"


class ListNotifications(PageQuery):
    """A staff desk: every inbox notification of a community (admins)."""

    audience: str | None = Field(
        default=None, max_length=128, description="e.g. role:community_admin@community:c1"
    )
    community_id: str | None = Field(default=None, max_length=64)


class Reader(Command):
    """Set by the gateway: the reader (an account id) and every address they read."""

    reader: Id
    audiences: list[Address] = Field(min_length=1, max_length=MAX_AUDIENCES)


class MyInbox(PageQuery, Reader):
    unread_only: bool = False


class UnreadCount(Reader):
    pass


class MarkReadBody(Command):
    """Mark some notifications read, or all of them (`all`)."""

    notification_ids: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default=[], max_length=100
    )
    all: bool = False


class MarkRead(MarkReadBody, Reader):
    pass


# --- Rules and templates --------------------------------------------------------------------

LIST_RULES = "list_rules"
GET_RULE = "get_rule"
PUT_RULE = "put_rule"
RESET_RULE = "reset_rule"


class Template(Command):
    """One language's message. Jinja2 syntax in a sandbox: `{{ title }}`, filters; the
    variables a rule may use are listed by GET /api/v1/notify/rules/{event_type}."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    body: Annotated[str, Field(min_length=1, max_length=2000)]


class Templates(Command):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    zh_CN: Template = Field(alias="zh-CN")
    en: Template


class RuleBody(Command):
    """What an event type causes: who hears of it, how urgently, on which channels, saying
    what. `enabled: false` makes the event type silent."""

    audiences: list[AudienceKind] = Field(min_length=1, max_length=9)
    priority: Priority = "normal"
    channels: list[ChannelName] = Field(
        default=["inbox", "wecom_robot", "email", "sms", "webhook"], min_length=1
    )
    enabled: bool = True
    templates: Templates


class PutRule(RuleBody):
    event_type: EventName


class ListRules(Command):
    pass


class GetRule(Command):
    event_type: EventName


class ResetRule(Command):
    """Back to the built-in default."""

    event_type: EventName


# --- Preferences ----------------------------------------------------------------------------

GET_PREFERENCES = "get_preferences"
PUT_PREFERENCES = "put_preferences"


class QuietHours(Command):
    """Non-urgent messages wait until `end`; urgent ones go through."""

    start: Clock = "21:00"
    end: Clock = "08:00"


class PreferencesBody(Command):
    """How a member is reached. Addresses are kept by notify for these channels only,
    shown masked, and never carried in events."""

    channels: list[PersonalChannel] = Field(default=["inbox"], max_length=3)
    email: (
        Annotated[
            str,
            Field(
                pattern=r"^[^@\s*]{1,64}@[^@\s*]{1,190}\.[^@\s*]{2,}$",
                description="left out: the stored one is kept (views show it masked)",
            ),
        ]
        | None
    ) = None
    phone: (
        Annotated[
            str, Field(pattern=r"^1[3-9]\d{9}$", description="mainland mobile; left out: kept")
        ]
        | None
    ) = None
    language: Language = "zh-CN"
    quiet_hours: QuietHours | None = Field(
        default_factory=QuietHours, description="null: any hour is fine"
    )
    digest: bool = Field(
        default=False, description="low-priority messages come once a day, together"
    )
    via_member_id: Id | None = Field(
        default=None,
        description="reached by proxy: this volunteer's inbox also gets their messages",
    )


class PutPreferences(PreferencesBody):
    member_id: Id


class GetPreferences(Command):
    member_id: Id


# --- Deliveries -----------------------------------------------------------------------------

LIST_DELIVERIES = "list_deliveries"
RETRY_DELIVERY = "retry_delivery"


class ListDeliveries(PageQuery):
    """The delivery log, newest first: per cause event, per recipient, or the dead ones."""

    event_id: Id | None = None
    recipient: Address | None = None
    status: DeliveryStatus | None = None
    channel: ChannelName | None = None
    community_id: Id | None = None


class RetryDelivery(Command):
    """A dead delivery goes back to pending, attempts reset (an admin fixed the cause)."""

    delivery_id: Annotated[str, Field(min_length=1, max_length=300)]


# --- Notices posted by staff ----------------------------------------------------------------

POST_NOTICE = "post_notice"
Scope = Annotated[
    str,
    Field(
        pattern=r"^(building|compound|community|team):[A-Za-z0-9_.:-]{1,64}$",
        description="building:<id>, compound:<id>, community:<id> or team:<id>",
    ),
]


class PostNoticeBody(Command):
    """A notice to the residents of a building, compound or community, or to a team. The
    English text may be left out: readers who chose English then read the Chinese."""

    community_id: Id
    scope: Scope
    priority: Priority = "normal"
    title_zh: Annotated[str, Field(min_length=1, max_length=100)]
    body_zh: Annotated[str, Field(min_length=1, max_length=1000)]
    title_en: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    body_en: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


class PostNotice(PostNoticeBody):
    notice_id: Id | None = Field(default=None, description="set by the gateway from its key")
