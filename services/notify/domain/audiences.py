"""Who hears of an event: a rule's audience kinds (shared/contracts/commands/notify.py,
AudienceKind) turned into recipients' addresses, and the group scopes the notice touches
(for the group robots). Pure: the fan-out looks up what `lookups` asks for in its
projections and passes the answers in as `Facts`.

Group notices (an activity's audience, a posted notice) reach only active members; personal
ones (your own star, your own request) reach a member whatever their status, and a merged
registration's notices go to the registration it was merged into."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.notify.domain import recipients
from services.notify.domain.recipients import Recipient

Data = Mapping[str, Any]
# A place members live: ("building", id), ("compound", id) or ("community", id).
HomeScope = tuple[str, str]
HOME_KINDS = ("building", "compound", "community")
# Members listed by these fields of an event are "the volunteers" it names.
VOLUNTEER_LISTS = ("volunteer_member_ids", "participant_member_ids", "signed_up_member_ids")
# Audience kinds that tell a group: inactive members are left out, robots may post them.
GROUP_KINDS = frozenset({"activity_audience", "notice_scope"})
ACTIVE = "active"


@dataclass(frozen=True)
class Subject:
    """The request, wish or activity an event is about, as the projections know it."""

    request: Data | None = None
    wish: Data | None = None
    activity: Data | None = None


@dataclass(frozen=True)
class Lookups:
    """What the fan-out must look up: the members at home in these places, the members of
    these teams (sub-squads included), these teams (their leaders), these members."""

    homes: tuple[HomeScope, ...] = ()
    member_teams: tuple[str, ...] = ()
    leader_teams: tuple[str, ...] = ()
    member_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facts:
    """The answers: member documents by id ({display_name, status, merged_into, …}), the
    member ids at home per place, per team (with its sub-squads), and team documents
    ({leader_ids, deputy_ids, path, …})."""

    members: Mapping[str, Data] = field(default_factory=dict)
    at_home: Mapping[HomeScope, tuple[str, ...]] = field(default_factory=dict)
    team_members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    teams: Mapping[str, Data] = field(default_factory=dict)


@dataclass(frozen=True)
class Audience:
    recipients: tuple[Recipient, ...]
    # building:/compound:/community:/team:<id>, staff:<community id>: the group robots whose
    # scopes meet these post the notice once.
    scopes: frozenset[str]


# -- reading the event ---------------------------------------------------------------------


def _dict(value: Any) -> Data:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def activity_of(data: Data, subject: Subject) -> Data:
    """The activity's snapshot from the event itself, else from the projection."""
    return _dict(data.get("activity")) or _dict(subject.activity)


def community_of(data: Data, subject: Subject) -> str | None:
    return (
        _str(data.get("community_id"))
        or _str(activity_of(data, subject).get("community_id"))
        or _str(_dict(data.get("location")).get("community_id"))
        or _str(_dict(subject.request).get("community_id"))
        or _str(_dict(subject.wish).get("community_id"))
        or _str(_dict(_dict(data.get("member")).get("home")).get("community_id"))
    )


def _named_member(data: Data, subject: Subject) -> str | None:
    """The one member the event names: `member_id`, a profile's, a member claimant, a
    handling member."""
    claimant = _dict(data.get("claimant")) or _dict(_dict(subject.wish).get("claimant"))
    return (
        _str(data.get("member_id"))
        or _str(_dict(data.get("member")).get("member_id"))
        or (_str(claimant.get("id")) if claimant.get("type") == "member" else None)
        or _str(_handler(data, subject).get("member_id"))
    )


def _volunteers(data: Data) -> list[str]:
    named = [m for key in VOLUNTEER_LISTS for m in data.get(key) or [] if _str(m)]
    approved = [_str(_dict(v).get("member_id")) for v in data.get("volunteers") or []]
    return list(dict.fromkeys([*named, *(m for m in approved if m)]))


def _handler(data: Data, subject: Subject) -> Data:
    return _dict(data.get("handler")) or _dict(_dict(subject.request).get("handler"))


def _handler_team(data: Data, subject: Subject) -> str | None:
    handler = _handler(data, subject)
    if handler.get("type") == "team" and not handler.get("member_id"):
        return _str(handler.get("id"))
    return None


def _resident_member(data: Data, subject: Subject) -> str | None:
    return _str(data.get("resident_member_id")) or _str(
        _dict(subject.request).get("resident_member_id")
    )


def _entered_by(data: Data, subject: Subject) -> str | None:
    return (
        _str(data.get("entered_by"))
        or _str(_dict(subject.request).get("entered_by"))
        or _str(_dict(subject.wish).get("entered_by"))
    )


def _organiser_teams(data: Data, subject: Subject) -> list[str]:
    teams = [
        *(data.get("organiser_team_ids") or []),
        *(activity_of(data, subject).get("organiser_team_ids") or []),
        _str(data.get("team_id")),
        _str(_dict(data.get("team")).get("team_id")),
    ]
    return list(dict.fromkeys(t for t in teams if _str(t)))


def _activity_home(data: Data, subject: Subject) -> HomeScope | None:
    """An activity for a compound is for the residents at home there, else the community's.
    (Its target group, children or elders, cannot be told apart: all residents hear.)"""
    activity = activity_of(data, subject)
    compound, community = _str(activity.get("compound_id")), _str(activity.get("community_id"))
    if compound:
        return ("compound", compound)
    return ("community", community) if community else None


def _notice_scope(data: Data) -> tuple[str, str] | None:
    kind, _, scope_id = str(data.get("scope") or "").partition(":")
    if kind in (*HOME_KINDS, "team") and scope_id:
        return (kind, scope_id)
    return None


# -- what to look up -----------------------------------------------------------------------


def lookups(kinds: Iterable[str], data: Data, subject: Subject) -> Lookups:
    kinds = set(kinds)
    homes: list[HomeScope] = []
    member_teams: list[str] = []
    leader_teams: list[str] = []
    members: list[str] = []
    if "member" in kinds:
        members += [m for m in [_named_member(data, subject)] if m]
    if "volunteers" in kinds:
        members += _volunteers(data)
    if "resident" in kinds:
        members += [m for m in [_resident_member(data, subject)] if m]
    if "handler" in kinds:
        members += [m for m in [_str(_handler(data, subject).get("member_id"))] if m]
        leader_teams += [t for t in [_handler_team(data, subject)] if t]
    if "team_leaders" in kinds:
        leader_teams += _organiser_teams(data, subject)
    if "activity_audience" in kinds:
        homes += [h for h in [_activity_home(data, subject)] if h]
        member_teams += list(activity_of(data, subject).get("organiser_team_ids") or [])
    if "notice_scope" in kinds and (scope := _notice_scope(data)):
        if scope[0] == "team":
            member_teams.append(scope[1])
        else:
            homes.append(scope)
    return Lookups(
        homes=tuple(dict.fromkeys(homes)),
        member_teams=tuple(dict.fromkeys(member_teams)),
        leader_teams=tuple(dict.fromkeys(leader_teams)),
        member_ids=tuple(dict.fromkeys(members)),
    )


# -- who is told ---------------------------------------------------------------------------


def resolve(kinds: Sequence[str], data: Data, subject: Subject, facts: Facts) -> Audience:
    community = community_of(data, subject)
    found: list[Recipient] = []
    scopes: set[str] = set()

    def person(member_id: str | None) -> None:
        if member_id:
            kept = _kept(member_id, facts)
            # An event without a community (a star) files under the member's home one.
            home = _str(_dict(facts.members.get(kept)).get("home_community_id"))
            where = community or home
            found.append(Recipient(recipients.member(kept), where, member_id=kept))

    def group(member_ids: Iterable[str]) -> None:
        for member_id in member_ids:
            doc = facts.members.get(member_id)
            # A member seen only through a team (no profile yet) counts as active.
            if doc is None or doc.get("status", ACTIVE) == ACTIVE:
                found.append(Recipient(recipients.member(member_id), community, member_id))

    def leaders(team_ids: Iterable[str]) -> None:
        for team_id in team_ids:
            team = facts.teams.get(team_id) or {}
            for member_id in [*team.get("leader_ids", []), *team.get("deputy_ids", [])]:
                person(member_id)

    for kind in kinds:
        if kind == "member":
            person(_named_member(data, subject))
        elif kind == "volunteers":
            for member_id in _volunteers(data):
                person(member_id)
        elif kind == "resident":
            resident = _resident_member(data, subject)
            if resident:
                person(resident)
            else:
                _account(found, _entered_by(data, subject), community)
        elif kind == "entered_by":
            _account(found, _entered_by(data, subject), community)
        elif kind == "handler":
            handling = _str(_handler(data, subject).get("member_id"))
            if handling:
                person(handling)
            else:
                leaders([t for t in [_handler_team(data, subject)] if t])
        elif kind == "team_leaders":
            leaders(_organiser_teams(data, subject))
        elif kind == "community_admins" and community:
            found.append(Recipient(recipients.community_admins(community), community))
            scopes.add(f"staff:{community}")
        elif kind == "subdistrict_admins":
            found.append(Recipient(recipients.SUBDISTRICT_ADMINS, community))
        elif kind == "activity_audience":
            home = _activity_home(data, subject)
            teams = list(activity_of(data, subject).get("organiser_team_ids") or [])
            if home:
                group(facts.at_home.get(home, ()))
                scopes.add(f"{home[0]}:{home[1]}")
            for team_id in teams:
                group(facts.team_members.get(team_id, ()))
                scopes.add(f"team:{team_id}")
        elif kind == "notice_scope" and (scope := _notice_scope(data)):
            if scope[0] == "team":
                group(facts.team_members.get(scope[1], ()))
            else:
                group(facts.at_home.get(scope, ()))
            scopes.add(f"{scope[0]}:{scope[1]}")
    return Audience(recipients=dedupe(found), scopes=frozenset(scopes))


def _account(found: list[Recipient], actor: str | None, community: str | None) -> None:
    address = recipients.from_actor(actor)
    if address:
        found.append(Recipient(address, community))


def _kept(member_id: str, facts: Facts) -> str:
    """A merged registration's notices go to the one it was merged into."""
    seen = {member_id}
    while (kept := _str(_dict(facts.members.get(member_id)).get("merged_into"))) and (
        kept not in seen
    ):
        seen.add(kept)
        member_id = kept
    return member_id


def dedupe(found: Iterable[Recipient]) -> tuple[Recipient, ...]:
    """One recipient per address, in first-seen order; told directly beats told by proxy."""
    chosen: dict[str, Recipient] = {}
    for recipient in found:
        before = chosen.get(recipient.address)
        if before is None or (before.proxy_for and not recipient.proxy_for):
            chosen[recipient.address] = recipient
    return tuple(chosen.values())


def with_proxies(found: Sequence[Recipient], via: Mapping[str, str]) -> tuple[Recipient, ...]:
    """A resident reached by proxy (`via`: resident member id -> volunteer member id) is also
    told in their volunteer's inbox, on their behalf."""
    proxies = [
        Recipient(recipients.member(volunteer), r.community_id, volunteer, proxy_for=r.member_id)
        for r in found
        if r.member_id
        and not r.proxy_for
        and (volunteer := via.get(r.member_id))
        and volunteer != r.member_id
    ]
    return dedupe([*found, *proxies])
