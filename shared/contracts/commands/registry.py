"""Commands and queries served by the registry service.

A command whose target comes from an HTTP path is two models: `XxxBody` (what a caller
sends) and `Xxx` (the body plus the target id: what travels on the bus). Who is acting is
never in a body: the gateway sends it in the RPC headers (`CallContext.actor`).
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator

from shared.contracts.commands.common import Command, PageQuery
from shared.contracts.events.registry import (
    Availability,
    OrgUnitKind,
    PartnerKind,
    Tag,
    TeamRole,
)

SERVICE = "registry"

# Ids a caller may choose (demo data and imports use readable ones: "quanyun", "haide"),
# else the registry makes a UUIDv7.
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=50)]
Mobile = Annotated[str, Field(pattern=r"^1\d{10}$", description="a mainland mobile number")]
Phone = Annotated[
    str, Field(pattern=r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", description="mobile or landline")
]
SkillCode = Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,31}$")]
Hours = Annotated[float, Field(ge=0, le=24, multiple_of=0.5, description="0.5 h steps")]
Reason = Annotated[str, Field(min_length=2, max_length=200)]
MAX_IDS = 100

# --- Organisation -----------------------------------------------------------------------

CREATE_ORG_UNIT = "create_org_unit"
UPDATE_ORG_UNIT = "update_org_unit"
GET_ORG_UNIT = "get_org_unit"
GET_ORG_TREE = "get_org_tree"


class Branch(Command):
    name: Name
    secretary_member_id: Id | None = None
    deputy_member_id: Id | None = None


class OrgContact(Command):
    """The owners' committee or the property company, and whom to call there."""

    name: Name
    contact_name: Name | None = None
    contact_phone: Phone | None = None


class OrgUnitChanges(Command):
    """The parts of an org unit that change; fields left out stay as they are. Which
    parts a kind has: community -> party_branch (the general branch); compound ->
    party_branch, owners_committee, property_company, property_staff_ids; building ->
    building_head_ids; grid -> grid_worker_id, grid_building_ids."""

    name: Name | None = None
    party_branch: Branch | None = None
    owners_committee: OrgContact | None = None
    property_company: OrgContact | None = None
    building_head_ids: list[Id] | None = Field(default=None, max_length=20)
    property_staff_ids: list[Id] | None = Field(default=None, max_length=MAX_IDS)
    grid_worker_id: Id | None = None
    grid_building_ids: list[Id] | None = Field(default=None, max_length=MAX_IDS)


class CreateOrgUnit(OrgUnitChanges):
    """Add a community, a compound (in a community), a building (in a compound) or a grid
    (in a community, over some of its buildings)."""

    kind: OrgUnitKind
    name: Name
    unit_id: Slug | None = None
    parent_id: Id | None = Field(
        default=None, description="required except for a community: its community or compound"
    )


class UpdateOrgUnitBody(OrgUnitChanges):
    expected_revision: int | None = Field(default=None, ge=1)


class UpdateOrgUnit(UpdateOrgUnitBody):
    unit_id: Id


class GetOrgUnit(Command):
    unit_id: Id


class GetOrgTree(Command):
    """Communities -> compounds -> buildings, grids beside them, with their "1+3+N"."""

    community_id: Id | None = None


# --- Partner units ------------------------------------------------------------------------

REGISTER_PARTNER = "register_partner"
LIST_PARTNERS = "list_partners"


class RegisterPartner(Command):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: PartnerKind
    partner_id: Slug | None = None
    contact_name: Name
    contact_phone: Phone
    community_ids: list[Id] = Field(min_length=1, max_length=MAX_IDS)


class ListPartners(Command):
    community_id: Id | None = None


# --- Skills (a managed list) --------------------------------------------------------------

LIST_SKILLS = "list_skills"
DEFINE_SKILL = "define_skill"


class ListSkills(Command):
    pass


class SkillNames(Command):
    zh: Annotated[str, Field(min_length=1, max_length=20)]
    en: Annotated[str, Field(min_length=1, max_length=40)]


class DefineSkill(SkillNames):
    """Add a skill to the managed list, or rename one."""

    code: SkillCode


# --- Members ------------------------------------------------------------------------------

REGISTER_MEMBER = "register_member"
UPDATE_MEMBER = "update_member"
CHANGE_MEMBER_STATUS = "change_member_status"
MERGE_MEMBERS = "merge_members"
GET_MEMBER = "get_member"
SEARCH_MEMBERS = "search_members"

IdType = Literal[
    "resident_id",  # 居民身份证 (18 characters, checked with its check digit)
    "passport",
    "hk_macao_permit",  # 港澳居民来往内地通行证
    "taiwan_permit",  # 台湾居民来往大陆通行证
    "foreign_permanent_resident",  # 外国人永久居留身份证
]
Revealable = Literal["name", "phone", "id_number"]


class HomeIn(Command):
    community_id: Id
    compound_id: Id | None = None
    building_id: Id | None = None
    unit: Annotated[str, Field(min_length=1, max_length=16)] | None = None


class MemberFields(Command):
    """What a member's profile holds beyond identity: the minimum the work needs."""

    phone: Mobile | None = None
    home: HomeIn
    skills: list[SkillCode] = Field(default=[], max_length=20)
    availability: list[Availability] = Field(default=[], max_length=6)
    tags: list[Tag] = Field(default=[], max_length=7)


class RegisterMember(MemberFields):
    """Real-name registration. The ID number is stored encrypted with a keyed hash beside it;
    an ID number already registered is a conflict naming that member's volunteer number."""

    name: Name
    id_type: IdType = "resident_id"
    id_number: Annotated[str, Field(min_length=5, max_length=32)]

    @field_validator("id_number")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


class UpdateMemberBody(Command):
    """Fields left out stay as they are. The ID number is not changed here: a wrong one is a
    new registration and a merge, so the record of who was registered stays true."""

    name: Name | None = None
    phone: Mobile | None = None
    home: HomeIn | None = None
    skills: list[SkillCode] | None = Field(default=None, max_length=20)
    availability: list[Availability] | None = Field(default=None, max_length=6)
    tags: list[Tag] | None = Field(default=None, max_length=7)
    expected_revision: int | None = Field(default=None, ge=1)


class UpdateMember(UpdateMemberBody):
    member_id: Id


class ChangeMemberStatusBody(Command):
    status: Literal["active", "suspended", "left"]
    effective_on: date | None = Field(default=None, description="default: today")
    reason: Reason | None = Field(default=None, description="required for suspended and left")


class ChangeMemberStatus(ChangeMemberStatusBody):
    member_id: Id


class MergeMembers(Command):
    """Two registrations are one person: `merged` points at `kept` from now on, and its
    records, points and team memberships are shown with `kept`'s (both histories kept)."""

    kept_member_id: Id
    merged_member_id: Id
    reason: Reason


class GetMember(Command):
    member_id: Id
    reveal: list[Revealable] = Field(default=[], max_length=3)


class SearchMembers(PageQuery):
    """Members by name, cursor-paged; filters combine. Personal data masked."""

    community_id: Id | None = None
    compound_id: Id | None = None
    building_id: Id | None = None
    team_id: Id | None = Field(default=None, description="current members of the team")
    tag: Tag | None = None
    skill: SkillCode | None = None
    status: Literal["active", "suspended", "left", "merged"] | None = None
    name_prefix: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    volunteer_no: Annotated[str, Field(min_length=1, max_length=32)] | None = None


# --- Teams --------------------------------------------------------------------------------

CREATE_TEAM = "create_team"
UPDATE_TEAM = "update_team"
JOIN_TEAM = "join_team"
LEAVE_TEAM = "leave_team"
GET_TEAM = "get_team"
GET_TEAM_TREE = "get_team_tree"


class CreateTeam(Command):
    """A team in a community (or, without one, of the whole subdistrict), or a sub-squad of
    `parent_id` (to any depth; it takes its parent's community)."""

    name: Annotated[str, Field(min_length=1, max_length=50)]
    team_id: Slug | None = None
    community_id: Id | None = None
    parent_id: Id | None = None
    party_branch_unit_id: Id | None = None
    description: Annotated[str, Field(max_length=500)] = ""


class UpdateTeamBody(Command):
    name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    party_branch_unit_id: Id | None = None
    description: Annotated[str, Field(max_length=500)] | None = None
    expected_revision: int | None = Field(default=None, ge=1)


class UpdateTeam(UpdateTeamBody):
    team_id: Id


class JoinTeamBody(Command):
    member_id: Id
    role: TeamRole = "member"
    joined_on: date | None = Field(default=None, description="default: today")


class JoinTeam(JoinTeamBody):
    """Add a member to a team, or change their role in it."""

    team_id: Id


class LeaveTeamBody(Command):
    left_on: date | None = Field(default=None, description="default: today")
    reason: Reason | None = None


class LeaveTeam(LeaveTeamBody):
    team_id: Id
    member_id: Id


class GetTeam(Command):
    """A team with its sub-squads (ids) and its members (masked), current and past."""

    team_id: Id


class GetTeamTree(Command):
    """Teams with their sub-squads nested, and member counts."""

    community_id: Id | None = None
    team_id: Id | None = Field(default=None, description="only this team and its sub-squads")


# --- Service records, stars, points, proof ------------------------------------------------

GET_RECORD = "get_record"
CREDIT_HOURS = "credit_hours"
REQUEST_CORRECTION = "request_correction"
DECIDE_CORRECTION = "decide_correction"
LIST_CORRECTIONS = "list_corrections"
APPROVE_STAR = "approve_star"
REDEEM_POINTS = "redeem_points"
POINTS_STATEMENT = "points_statement"
GET_PROOF = "get_proof"


class Period(Command):
    served_from: date | None = Field(default=None, description="inclusive")
    served_to: date | None = Field(default=None, description="inclusive")


class GetRecordBody(Period):
    pass


class GetRecord(GetRecordBody):
    """A volunteer's service record: entries, total hours, star level, points balance."""

    member_id: Id


class CreditHoursBody(Command):
    """Hours served before the system (a paper record), entered by a community admin."""

    served_on: date
    hours: Hours = Field(gt=0)
    content: Annotated[str, Field(min_length=1, max_length=200)]
    organiser: Annotated[str, Field(min_length=1, max_length=100)]
    reference: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="the paper record's reference: the same reference twice credits once"
    )


class CreditHours(CreditHoursBody):
    member_id: Id


class RequestCorrectionBody(Command):
    """A volunteer or a team leader asks to correct an entry (hours, content or both)."""

    record_id: Id
    hours: Hours | None = None
    content: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    reason: Reason


class RequestCorrection(RequestCorrectionBody):
    member_id: Id


class DecideCorrectionBody(Command):
    decision: Literal["approve", "reject"]
    note: Annotated[str, Field(max_length=200)] | None = None


class DecideCorrection(DecideCorrectionBody):
    member_id: Id
    correction_id: Id


class ListCorrections(PageQuery):
    community_id: Id | None = None
    status: Literal["pending", "approved", "rejected"] | None = "pending"


class ApproveStar(Command):
    """Approve a star level that needs manual approval (5★ by default configuration)."""

    member_id: Id
    level: int = Field(ge=1, le=5)


class RedeemPointsBody(Command):
    points: int = Field(gt=0, le=1_000_000)
    reason: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="what the points were exchanged for"
    )
    reference: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="the exchange's reference: the same reference twice withdraws once"
    )


class RedeemPoints(RedeemPointsBody):
    member_id: Id


class PointsStatementBody(Command):
    from_date: date | None = None
    to_date: date | None = None


class PointsStatement(PointsStatementBody):
    """Deposits and withdrawals with the running balance; opening + movements = closing."""

    member_id: Id


class GetProofBody(Period):
    pass


class GetProof(GetProofBody):
    """The data of a volunteer service proof (志愿服务证明) for a period, with a new proof
    number; the handler is the caller (from the RPC headers)."""

    member_id: Id


# --- Stats ----------------------------------------------------------------------------------

GET_STATS = "get_stats"


class GetStats(Command):
    """Members by tag and status, hours and star levels, per community (or one community, or
    one team and its sub-squads), and hours per month within the period."""

    community_id: Id | None = None
    team_id: Id | None = None
    month_from: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    month_to: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None


# --- Roster import and export -------------------------------------------------------------

IMPORT_MEMBERS = "import_members"
EXPORT_MEMBERS = "export_members"
MAX_ROSTER_BYTES = 700_000  # base64 of it stays under NATS's default 1 MiB message

RosterFormat = Literal["xlsx", "csv"]


class ImportMembers(Command):
    """Register the members of a roster file (the export's columns). Every row is checked
    first; `all_or_nothing` writes nothing if any row is wrong, `valid_rows_only` writes the
    good ones. The report names each bad row, field and reason."""

    content_base64: Annotated[str, Field(min_length=4, max_length=MAX_ROSTER_BYTES * 4 // 3 + 4)]
    format: RosterFormat
    mode: Literal["all_or_nothing", "valid_rows_only"] = "all_or_nothing"
    dry_run: bool = False
    community_id: Id | None = Field(
        default=None, description="if set, every row's home must be in this community"
    )


class ExportMembers(Command):
    format: RosterFormat = "xlsx"
    community_id: Id | None = None
    team_id: Id | None = None
    status: Literal["active", "suspended", "left", "merged"] | None = None
    reveal: bool = Field(
        default=False, description="phone and ID numbers unmasked (the gateway audits)"
    )
