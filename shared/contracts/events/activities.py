"""Events of the activities service: plan, publish, sign up, attend, complete.

Lifecycle events carry the activity as a whole snapshot (`ActivityView`), so a subscriber
upserts its projection. People appear by member id; a resident participant who is not a
member appears by a participant id and a masked name, never a phone number.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalogue import EventData, event

TargetGroup = Literal["children", "elders", "all_residents"]
ActivityStatus = Literal["draft", "published", "completed", "cancelled"]
SignUpStatus = Literal["confirmed", "waitlisted"]
CheckInMethod = Literal["code", "roster"]


class _Snapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class VolunteerRole(_Snapshot):
    role_id: str
    name: str = Field(description="e.g. 量血压 / blood pressure")
    head_count: int = Field(ge=1)
    required_skill: str | None = Field(
        default=None, description="a skill code from the registry's list, e.g. medical"
    )


class ActivityView(_Snapshot):
    activity_id: str
    title: str
    activity_type: str = Field(description="a code from the managed list, e.g. health_check")
    status: ActivityStatus
    community_id: str
    compound_id: str | None = None
    place: str
    starts_at: datetime
    ends_at: datetime
    target_group: TargetGroup
    organiser_team_ids: list[str] = Field(default=[])
    partner_unit_ids: list[str] = Field(default=[])
    roles: list[VolunteerRole] = Field(default=[])
    participant_capacity: int = Field(ge=0)
    series_id: str | None = Field(default=None, description="set for an occurrence of a series")


@event("activities", "activity", "drafted", version=1)
class ActivityDrafted(EventData):
    """An activity was planned (not yet visible to volunteers and residents)."""

    activity: ActivityView


@event("activities", "activity", "published", version=1)
class ActivityPublished(EventData):
    """An activity is open for sign-ups: its target audience may be told."""

    activity: ActivityView


@event("activities", "activity", "updated", version=1)
class ActivityUpdated(EventData):
    """A draft or published activity changed. For a published one, `signed_up_member_ids`
    are the volunteers and member participants to tell."""

    activity: ActivityView
    changed: list[str]
    signed_up_member_ids: list[str] = Field(default=[])


@event("activities", "activity", "cancelled", version=1)
class ActivityCancelled(EventData):
    activity_id: str
    title: str
    starts_at: datetime
    reason: str
    signed_up_member_ids: list[str] = Field(default=[])


@event("activities", "signup", "volunteer_signed_up", version=1)
class VolunteerSignedUp(EventData):
    """A volunteer took a role: confirmed, or waitlisted (in arrival order) when it is full."""

    activity_id: str
    member_id: str
    role_id: str
    status: SignUpStatus
    waitlist_position: int | None = Field(default=None, ge=1)


@event("activities", "signup", "cancelled", version=1)
class SignUpCancelled(EventData):
    """A volunteer's or a participant's place was given up (by them or an organiser)."""

    activity_id: str
    signup_id: str
    member_id: str | None = None
    role_id: str | None = Field(default=None, description="None for a participant")
    was: SignUpStatus
    reason: str | None = None


@event("activities", "signup", "waitlist_promoted", version=1)
class WaitlistPromoted(EventData):
    """A place came free and the first on the waitlist got it."""

    activity_id: str
    signup_id: str
    member_id: str | None = None
    role_id: str | None = Field(default=None, description="None for a participant")
    title: str
    starts_at: datetime


@event("activities", "signup", "participant_registered", version=1)
class ParticipantRegistered(EventData):
    """A resident registered to take part, perhaps by proxy (entered by a volunteer for an
    elder without a phone)."""

    activity_id: str
    signup_id: str
    member_id: str | None = None
    display_name: str = Field(description="masked, e.g. 王**")
    proxy: bool
    entered_by: str | None = None
    status: SignUpStatus
    waitlist_position: int | None = Field(default=None, ge=1)


@event("activities", "attendance", "checked_in", version=1)
class VolunteerCheckedIn(EventData):
    activity_id: str
    member_id: str
    at: datetime
    method: CheckInMethod


@event("activities", "attendance", "checked_out", version=1)
class VolunteerCheckedOut(EventData):
    activity_id: str
    member_id: str
    at: datetime


@event("activities", "activity", "reminder_due", version=1)
class ActivityReminderDue(EventData):
    """The day before: everyone confirmed should be reminded (once per activity)."""

    activity_id: str
    title: str
    place: str
    starts_at: datetime
    community_id: str
    volunteer_member_ids: list[str] = Field(default=[])
    participant_member_ids: list[str] = Field(default=[])
    participant_count: int = Field(default=0, ge=0, description="incl. non-members")


class ApprovedHours(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: str
    role: str | None = Field(default=None, description="the volunteer role they filled")
    hours: float = Field(
        ge=0, le=24, multiple_of=0.5, description="actual service, travel excluded, 0.5 h steps"
    )


@event("activities", "activity", "completed", version=1)
class ActivityCompleted(EventData):
    """The organiser completed an activity; each volunteer's approved hours are carried so
    the registry credits them to the service record."""

    activity_id: str
    title: str
    activity_type: str
    community_id: str
    organiser_team_ids: list[str] = Field(default=[])
    organiser: str = Field(description="the organising team's or unit's name, for the record")
    starts_at: datetime
    ends_at: datetime
    completed_at: datetime
    approved_by: str = Field(description="who approved the hours (an account id)")
    summary: str = ""
    photo_refs: list[str] = Field(default=[])
    participant_count: int = Field(default=0, ge=0)
    volunteers: list[ApprovedHours] = Field(default=[])
