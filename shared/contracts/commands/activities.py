"""Commands and queries served by the activities service.

As in the registry's: a command whose target comes from an HTTP path is `XxxBody` (what a
caller sends) and `Xxx` (the body plus the ids: what travels on the bus). Who is acting
travels in the RPC headers (`CallContext.actor`), never in a body.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.commands.common import Command, PageQuery
from shared.contracts.events.activities import TargetGroup

SERVICE = "activities"

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")]
Id = Annotated[str, Field(min_length=1, max_length=64)]
TypeCode = Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,31}$")]
SkillCode = Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,31}$")]
Hours = Annotated[float, Field(ge=0, le=24, multiple_of=0.5, description="0.5 h steps")]
Reason = Annotated[str, Field(min_length=2, max_length=200)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
MAX_IDS = 20

# --- Activity types (a managed list) --------------------------------------------------------

LIST_ACTIVITY_TYPES = "list_activity_types"
DEFINE_ACTIVITY_TYPE = "define_activity_type"


class ListActivityTypes(Command):
    pass


class ActivityTypeNames(Command):
    zh: Annotated[str, Field(min_length=1, max_length=20)]
    en: Annotated[str, Field(min_length=1, max_length=40)]


class DefineActivityType(ActivityTypeNames):
    """Add an activity type to the managed list, or rename one."""

    code: TypeCode


# --- Activities and their lifecycle ---------------------------------------------------------

CREATE_ACTIVITY = "create_activity"
UPDATE_ACTIVITY = "update_activity"
PUBLISH_ACTIVITY = "publish_activity"
CANCEL_ACTIVITY = "cancel_activity"
COMPLETE_ACTIVITY = "complete_activity"
CREATE_SERIES = "create_series"


class RoleIn(Command):
    """A volunteer role: e.g. 4 × 量血压 needing `medical`."""

    role_id: Slug | None = Field(default=None, description="made from the position if absent")
    name: Annotated[str, Field(min_length=1, max_length=30)]
    head_count: int = Field(ge=1, le=500)
    required_skill: SkillCode | None = None


class ActivityFields(Command):
    title: Annotated[str, Field(min_length=1, max_length=100)]
    activity_type: TypeCode
    community_id: Id
    compound_id: Id | None = None
    place: Annotated[str, Field(min_length=1, max_length=100)]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    target_group: TargetGroup = "all_residents"
    organiser_team_ids: list[Id] = Field(default=[], max_length=MAX_IDS)
    partner_unit_ids: list[Id] = Field(default=[], max_length=MAX_IDS)
    description: Annotated[str, Field(max_length=2000)] = ""
    roles: list[RoleIn] = Field(default=[], max_length=20)
    participant_capacity: int = Field(default=0, ge=0, le=10_000)


class CreateActivity(ActivityFields):
    """Plan an activity (a draft), or plan and publish it at once with `publish`."""

    activity_id: Slug | None = None
    publish: bool = False


class UpdateActivityBody(Command):
    """Fields left out stay as they are. A capacity or head count below those already
    confirmed is refused. For an occurrence of a series, `apply_to` says whether the change
    is for this one or for this and every later occurrence."""

    title: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    activity_type: TypeCode | None = None
    compound_id: Id | None = None
    place: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    target_group: TargetGroup | None = None
    organiser_team_ids: list[Id] | None = Field(default=None, max_length=MAX_IDS)
    partner_unit_ids: list[Id] | None = Field(default=None, max_length=MAX_IDS)
    description: Annotated[str, Field(max_length=2000)] | None = None
    roles: list[RoleIn] | None = Field(default=None, max_length=20)
    participant_capacity: int | None = Field(default=None, ge=0, le=10_000)
    apply_to: Literal["this", "all_future"] = "this"
    expected_revision: int | None = Field(default=None, ge=1)


class UpdateActivity(UpdateActivityBody):
    activity_id: Id


class PublishActivity(Command):
    activity_id: Id


class CancelActivityBody(Command):
    reason: Reason


class CancelActivity(CancelActivityBody):
    activity_id: Id


class CompleteActivityBody(Command):
    """The organiser completes it; the hours approved (APPROVE_HOURS) travel in
    ActivityCompleted. `approve_remaining` approves the hours not yet approved as they stand."""

    summary: Annotated[str, Field(min_length=1, max_length=2000)]
    photo_refs: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default=[], max_length=30
    )
    participant_count: int | None = Field(
        default=None, ge=0, description="default: the participants checked in"
    )
    approve_remaining: bool = True


class CompleteActivity(CompleteActivityBody):
    activity_id: Id


class SeriesRule(Command):
    """Weekly (every `interval` weeks on `weekdays`, 1 = Monday) until a date or a count;
    without either the series runs on, created ahead by the service's scheduler."""

    interval_weeks: int = Field(default=1, ge=1, le=4)
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)
    until: date | None = None
    count: int | None = Field(default=None, ge=1, le=200)


class CreateSeries(ActivityFields):
    """A recurring activity: `starts_at`/`ends_at` are the first occurrence's; the rule makes
    the others, created ahead (settings.series_horizon_days)."""

    series_id: Slug | None = None
    rule: SeriesRule
    publish: bool = False


# --- Sign-ups and participants --------------------------------------------------------------

SIGN_UP = "sign_up"
CANCEL_SIGN_UP = "cancel_sign_up"
REGISTER_PARTICIPANT = "register_participant"


class SignUpBody(Command):
    member_id: Id
    role_id: Id


class SignUp(SignUpBody):
    """A volunteer takes a role: confirmed, or waitlisted in arrival order when it is full.
    Refused (409) for a suspended or left member, an overlapping activity (named), a
    missing required skill, or an activity not published."""

    activity_id: Id


class CancelSignUpBody(Command):
    reason: Annotated[str, Field(max_length=200)] | None = None


class CancelSignUp(CancelSignUpBody):
    """Give up a volunteer's or a participant's place; the first waitlisted is promoted."""

    activity_id: Id
    signup_id: Id


class RegisterParticipantBody(Command):
    """A resident: a member (`member_id`) or a name and optional phone. `proxy`: entered by a
    volunteer for someone without a phone (who entered it comes from the caller)."""

    member_id: Id | None = None
    name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    phone: Annotated[str, Field(pattern=r"^1\d{10}$")] | None = None
    proxy: bool = False


class RegisterParticipant(RegisterParticipantBody):
    activity_id: Id


# --- Attendance and hours -------------------------------------------------------------------

GET_CHECK_IN_CODE = "get_check_in_code"
CHECK_IN = "check_in"
CHECK_OUT = "check_out"
MARK_NO_SHOW = "mark_no_show"
ENTER_ROSTER = "enter_roster"
APPROVE_HOURS = "approve_hours"


class GetCheckInCode(Command):
    """The activity's check-in code and a QR-friendly token (organisers show it on site)."""

    activity_id: Id


class CheckInBody(Command):
    member_id: Id
    code: Annotated[str, Field(min_length=4, max_length=64)] | None = Field(
        default=None, description="required for a self check-in; an organiser needs none"
    )


class CheckIn(CheckInBody):
    """`by_organiser` is set by the gateway from the caller's role (a body can never set
    it): an organiser checks a volunteer in without the code."""

    activity_id: Id
    by_organiser: bool = False


class CheckOutBody(Command):
    member_id: Id


class CheckOut(CheckOutBody):
    activity_id: Id


class MarkNoShowBody(Command):
    member_id: Id


class MarkNoShow(MarkNoShowBody):
    activity_id: Id


class RosterLine(Command):
    """One line of a paper roster: who came, and their hours or their times."""

    member_id: Id
    role_id: Id | None = None
    hours: Hours | None = None
    checked_in_at: AwareDatetime | None = None
    checked_out_at: AwareDatetime | None = None
    no_show: bool = False


class EnterRosterBody(Command):
    lines: list[RosterLine] = Field(min_length=1, max_length=500)


class EnterRoster(EnterRosterBody):
    """A leader enters a paper roster (members not signed up are added to the roles given)."""

    activity_id: Id


class HoursApproval(Command):
    member_id: Id
    hours: Hours | None = Field(default=None, description="default: the hours as they stand")


class ApproveHoursBody(Command):
    approvals: list[HoursApproval] = Field(min_length=1, max_length=500)


class ApproveHours(ApproveHoursBody):
    activity_id: Id


# --- Queries ---------------------------------------------------------------------------------

GET_ACTIVITY = "get_activity"
CALENDAR = "calendar"
MEMBER_ACTIVITIES = "member_activities"
EXPORT_ATTENDANCE = "export_attendance"
ACTIVITY_STATS = "activity_stats"


class GetActivity(Command):
    """One activity with its roster: volunteers by role, participants (masked, proxy marks),
    waitlists in order, attendance and hours."""

    activity_id: Id


class Calendar(PageQuery):
    """Activities by start time within [starts_from, starts_to), filters combine."""

    community_id: Id | None = None
    team_id: Id | None = Field(default=None, description="organised by it or its sub-squads")
    starts_from: AwareDatetime | None = None
    starts_to: AwareDatetime | None = None
    status: Literal["draft", "published", "completed", "cancelled"] | None = None


class MemberActivitiesBody(PageQuery):
    when: Literal["upcoming", "past"] = "upcoming"


class MemberActivities(MemberActivitiesBody):
    """A volunteer's activities (signed up or attended), upcoming or past."""

    member_id: Id


class ExportAttendanceBody(Command):
    format: Literal["xlsx", "csv"] = "xlsx"


class ExportAttendance(ExportAttendanceBody):
    """The roster and attendance as a file: volunteers with hours, participants with proxy
    marks; phones masked."""

    activity_id: Id


class ActivityStats(Command):
    """Activities, volunteer-hours and participants per month, per community or per team."""

    community_id: Id | None = None
    team_id: Id | None = None
    month_from: Month | None = None
    month_to: Month | None = None
