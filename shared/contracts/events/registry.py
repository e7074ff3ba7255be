"""Events of the registry: the "1+3+N" organisation, members, teams, service records.

Each event carries what a subscriber needs to keep its own projection (an org unit, a
member's profile, a team) as a whole snapshot, so a consumer upserts instead of patching.
Personal data never travels unmasked: a member appears by id, volunteer number and masked
name (李**); phone and ID numbers are not carried at all.
"""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalogue import EventData, event

OrgUnitKind = Literal["community", "compound", "building", "grid"]
MemberStatus = Literal["active", "suspended", "left", "merged"]
# Tags that matter for reports: party member, "new organisations" party member (两新党员),
# and the five olds (五老): retired party member, cadre, expert, soldier, model worker.
Tag = Literal[
    "party_member",
    "new_org_party_member",
    "old_party_member",
    "old_cadre",
    "old_expert",
    "old_soldier",
    "old_model_worker",
]
# When a member can usually help (dispatch suggestions weigh it).
Availability = Literal[
    "weekday_morning",
    "weekday_afternoon",
    "weekday_evening",
    "weekend_morning",
    "weekend_afternoon",
    "weekend_evening",
]
TeamRole = Literal["leader", "deputy", "member"]
# Where credited hours come from: a completed activity, a resolved request, a fulfilled
# micro-wish, or a community admin's entry of hours served before the system (paper records).
RecordSource = Literal["activity", "request", "wish", "manual"]
PartnerKind = Literal["clinic", "college_team", "enterprise", "charity", "other"]


class _Snapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Home(_Snapshot):
    """Where a member lives, to the unit (单元); never the flat number."""

    community_id: str
    compound_id: str | None = None
    building_id: str | None = None
    unit: str | None = None


class MemberProfile(_Snapshot):
    """A member as other services may know them: no phone, no ID number, masked name."""

    member_id: str
    volunteer_no: str = Field(description="issued at registration; never the ID number")
    display_name: str = Field(description="the masked name, e.g. 李**")
    home: Home
    skills: list[str] = Field(description="codes from the registry's managed skill list")
    availability: list[Availability] = []
    tags: list[Tag] = []
    status: MemberStatus


class BranchView(_Snapshot):
    """A party branch: the community's general branch (党总支) or a compound's (党支部)."""

    name: str
    secretary_member_id: str | None = None
    deputy_member_id: str | None = None


class OrgUnitView(_Snapshot):
    """A community, compound, building or grid, with its "3" and its "N" roles by member id.

    Contacts of the owners' committee and the property company are carried by name only."""

    unit_id: str
    kind: OrgUnitKind
    name: str
    parent_id: str | None = Field(description="compound -> community, building -> compound")
    community_id: str
    compound_id: str | None = None
    party_branch: BranchView | None = None
    owners_committee: str | None = Field(default=None, description="its name")
    property_company: str | None = Field(default=None, description="its name")
    building_head_ids: list[str] = []
    property_staff_ids: list[str] = []
    grid_worker_id: str | None = None
    grid_building_ids: list[str] = Field(default=[], description="a grid: the buildings it covers")


class TeamView(_Snapshot):
    team_id: str
    name: str
    community_id: str | None = Field(description="None: a subdistrict-wide team")
    parent_id: str | None = Field(description="the team this sub-squad belongs to")
    path: list[str] = Field(description="ancestor team ids, the top team first")
    party_branch_unit_id: str | None = Field(
        default=None, description="the community or compound whose party branch it is under"
    )
    leader_ids: list[str] = []
    deputy_ids: list[str] = []


@event("registry", "member", "registered", version=1)
class MemberRegistered(EventData):
    """A person was registered (real-name) and given a volunteer number."""

    member: MemberProfile
    registered_at: datetime


@event("registry", "member", "updated", version=1)
class MemberUpdated(EventData):
    """A member's profile changed; `changed` names the fields (phone changes are named too,
    though the phone itself is never carried)."""

    member: MemberProfile
    changed: list[str]


@event("registry", "member", "status_changed", version=1)
class MemberStatusChanged(EventData):
    """Active, suspended or left. A left member keeps their history."""

    member_id: str
    volunteer_no: str
    status: MemberStatus
    previous: MemberStatus
    effective_on: date
    reason: str | None = None


@event("registry", "member", "merged", version=1)
class MembersMerged(EventData):
    """Two registrations were one person: `merged` now points at `kept`, whose record holds
    both histories. Subscribers should re-key anything they hold for `merged`."""

    kept_member_id: str
    kept_volunteer_no: str
    merged_member_id: str
    merged_volunteer_no: str
    total_hours: float


@event("registry", "org_unit", "created", version=1)
class OrgUnitCreated(EventData):
    """A community, compound, building or grid was added to the organisation."""

    unit: OrgUnitView


@event("registry", "org_unit", "updated", version=1)
class OrgUnitUpdated(EventData):
    """An org unit changed: its name, its "3", or who holds its "N" roles."""

    unit: OrgUnitView
    changed: list[str]


@event("registry", "partner", "registered", version=1)
class PartnerUnitRegistered(EventData):
    """A partner unit (共建单位) joined: a clinic, a college team, an enterprise, a charity."""

    partner_id: str
    name: str
    kind: PartnerKind
    community_ids: list[str]


@event("registry", "team", "created", version=1)
class TeamCreated(EventData):
    """A volunteer team or a sub-squad (when `parent_id` is set) was created."""

    team: TeamView


@event("registry", "team", "updated", version=1)
class TeamUpdated(EventData):
    team: TeamView
    changed: list[str]


@event("registry", "team", "member_joined", version=1)
class VolunteerJoinedTeam(EventData):
    team_id: str
    team_path: list[str] = Field(description="ancestor team ids, the top team first")
    member_id: str
    role: TeamRole
    joined_on: date


@event("registry", "team", "member_left", version=1)
class VolunteerLeftTeam(EventData):
    team_id: str
    member_id: str
    left_on: date
    reason: str | None = None


@event("registry", "record", "hours_credited", version=1)
class ServiceHoursCredited(EventData):
    """Hours entered on a volunteer's service record (once per source, however often the
    source's event arrives)."""

    member_id: str
    record_id: str
    source: RecordSource
    source_id: str
    served_on: date
    hours: float = Field(multiple_of=0.5, ge=0)
    content: str
    organiser: str | None = None
    total_hours: float


@event("registry", "record", "corrected", version=1)
class ServiceRecordCorrected(EventData):
    """An approved correction changed an entry of a volunteer's record."""

    member_id: str
    record_id: str
    correction_id: str
    hours_before: float
    hours_after: float
    content: str
    approved_by: str
    total_hours: float


@event("registry", "member", "star_level_reached", version=1)
class StarLevelReached(EventData):
    """A volunteer's cumulative hours reached a star level (exactly once per level)."""

    member_id: str
    volunteer_no: str
    level: int = Field(ge=1, le=5)
    threshold_hours: float
    total_hours: float
    approved_by: str | None = Field(
        default=None, description="who approved it, where the level needs manual approval"
    )


@event("registry", "points", "changed", version=1)
class PointsChanged(EventData):
    """Time-bank points moved: a deposit from hours, a withdrawal, or a correction."""

    member_id: str
    entry_id: str
    kind: Literal["deposit", "withdrawal", "correction"]
    delta: int
    balance: int
    reason: str
