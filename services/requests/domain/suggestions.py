"""Who could handle a request, best first, and why. Pure.

A candidate (a volunteer, or a team with its current members' skills, homes and times)
scores points for each of:
- a skill useful for the request's kind (KIND_SKILLS)                   +40
- nearness: same building +30, else same compound +20, else same community +10
- availability now (weekday/weekend morning/afternoon/evening)         +10
- open load: -5 per open request it handles, at most -25
Ties go to the candidate with fewer open requests. Every point scored or lost comes with a
reason in Chinese and English.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from services.requests.domain.calendar import is_working_day

Document = dict[str, Any]
Reason = dict[str, str]

# The skills (codes of the registry's managed list) that help with each kind of request.
KIND_SKILLS: Final[Mapping[str, tuple[str, ...]]] = {
    "emergency": ("medical", "elder_care"),
    "repair": ("repair",),
    "hardship_help": ("elder_care", "psychological"),
    "neighbour_dispute": ("mediation", "legal"),
    "health": ("medical", "psychological"),
    "environment": ("environment",),
    "suggestion": (),
    "complaint": ("mediation",),
}
SKILL_NAMES: Final[Mapping[str, tuple[str, str]]] = {
    "medical": ("医疗", "medical"),
    "elder_care": ("助老", "elder care"),
    "repair": ("维修", "repair"),
    "psychological": ("心理疏导", "psychological support"),
    "mediation": ("矛盾调解", "mediation"),
    "legal": ("法律咨询", "legal advice"),
    "environment": ("环境整治", "environment"),
}
DAY_PART_NAMES: Final[Mapping[str, tuple[str, str]]] = {
    "weekday_morning": ("工作日上午", "weekday morning"),
    "weekday_afternoon": ("工作日下午", "weekday afternoon"),
    "weekday_evening": ("工作日晚上", "weekday evening"),
    "weekend_morning": ("休息日上午", "weekend morning"),
    "weekend_afternoon": ("休息日下午", "weekend afternoon"),
    "weekend_evening": ("休息日晚上", "weekend evening"),
}

SKILL_POINTS: Final = 40
NEAR_POINTS: Final = {"building": 30, "compound": 20, "community": 10}
AVAILABLE_POINTS: Final = 10
LOAD_PENALTY: Final = 5
MAX_LOAD_PENALTY: Final = 25
# The status of a request still in someone's hands.
OPEN_STATUSES: Final = ("accepted", "dispatched", "in_progress")

_NEAR_REASONS: Final = {
    "building": {"zh": "同一楼栋", "en": "same building"},
    "compound": {"zh": "同一小区", "en": "same compound"},
    "community": {"zh": "同一社区", "en": "same community"},
}


@dataclass(frozen=True)
class Candidate:
    """`homes`: where the volunteer lives, or where the team's current members live."""

    type: Literal["volunteer", "team"]
    id: str
    name: str | None
    skills: frozenset[str] = frozenset()
    homes: tuple[Mapping[str, str | None], ...] = ()
    community_id: str | None = None
    availability: frozenset[str] = frozenset()
    open_requests: int = 0


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    score: int
    skill_match: bool
    reasons: list[Reason] = field(default_factory=list)

    def view(self) -> Document:
        c = self.candidate
        return {
            "type": c.type,
            "id": c.id,
            "name": c.name,
            "score": self.score,
            "skill_match": self.skill_match,
            "open_requests": c.open_requests,
            "reasons": list(self.reasons),
        }


def day_part(at: datetime, tz: ZoneInfo) -> str:
    """weekday_/weekend_ + morning (before 12), afternoon (before 18), evening. A weekday is
    a working day of the official calendar: an adjusted working Saturday is a weekday."""
    local = at.astimezone(tz)
    days = "weekday" if is_working_day(local.date()) else "weekend"
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 18 else "evening"
    return f"{days}_{part}"


def nearness(location: Mapping[str, Any], candidate: Candidate) -> str | None:
    """The closest level the candidate shares with the request's location."""
    levels = (("building", "building_id"), ("compound", "compound_id"))
    for level, key in levels:
        wanted = location.get(key)
        if wanted and any(home.get(key) == wanted for home in candidate.homes):
            return level
    community = location.get("community_id")
    if community and (
        candidate.community_id == community
        or any(home.get("community_id") == community for home in candidate.homes)
    ):
        return "community"
    return None


def score(request: Mapping[str, Any], candidate: Candidate, part: str | None) -> Suggestion:
    points, reasons = 0, []
    useful = [s for s in KIND_SKILLS.get(request["kind"], ()) if s in candidate.skills]
    if useful:
        points += SKILL_POINTS
        zh = "、".join(SKILL_NAMES.get(s, (s, s))[0] for s in useful)
        en = ", ".join(SKILL_NAMES.get(s, (s, s))[1] for s in useful)
        reasons.append({"zh": f"技能对口：{zh}", "en": f"useful skill: {en}"})
    near = nearness(request.get("location") or {}, candidate)
    if near:
        points += NEAR_POINTS[near]
        reasons.append(dict(_NEAR_REASONS[near]))
    if part and part in candidate.availability:
        points += AVAILABLE_POINTS
        zh, en = DAY_PART_NAMES[part]
        reasons.append({"zh": f"当前时段有空（{zh}）", "en": f"available now ({en})"})
    load = candidate.open_requests
    if load:
        points -= min(load * LOAD_PENALTY, MAX_LOAD_PENALTY)
        reasons.append({"zh": f"在办诉求 {load} 件", "en": f"{load} open requests"})
    else:
        reasons.append({"zh": "暂无在办诉求", "en": "no open requests"})
    return Suggestion(candidate, points, bool(useful), reasons)


def rank(
    request: Mapping[str, Any], candidates: Sequence[Candidate], part: str | None = None
) -> list[Suggestion]:
    """Best first; ties: fewer open requests, then volunteers before teams, then by id."""
    scored = [score(request, c, part) for c in candidates]
    return sorted(
        scored,
        key=lambda s: (
            -s.score,
            s.candidate.open_requests,
            s.candidate.type != "volunteer",
            s.candidate.id,
        ),
    )


def best(
    request: Mapping[str, Any], candidates: Sequence[Candidate], part: str | None = None
) -> Suggestion | None:
    """Whom to auto-dispatch to: the best-ranked candidate with a useful skill for the kind
    (any candidate when the kind needs none); None when nobody fits."""
    needs_skill = bool(KIND_SKILLS.get(request["kind"]))
    return next(
        (s for s in rank(request, candidates, part) if s.skill_match or not needs_skill), None
    )
