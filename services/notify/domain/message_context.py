"""The variables a rule's templates read besides the event's own fields (CONTEXT_VARIABLES of
domain/templates.py), filled from what notify knows; and how a message told on a resident's
behalf is marked. Pure."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.notify.domain.audiences import Data, Subject, activity_of
from services.notify.domain.recipients import SUBDISTRICT_ADMINS, Recipient

# Who a desk or an account is, where a member would be named (李**).
DESK_NAMES = {
    "community": {"zh-CN": "社区工作人员", "en": "Community staff"},
    "subdistrict": {"zh-CN": "街道工作人员", "en": "Subdistrict staff"},
    "account": {"zh-CN": "经办人", "en": "Case worker"},
    "group": {"zh-CN": "各位", "en": "Everyone"},
}
# Names a template may hold per recipient; templates without them render once per language.
PER_RECIPIENT = ("recipient_name", "proxy_for")


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str) else ""


def link(data: Data, subject: Subject) -> str:
    """The console page of what the event is about (docs/console.md lists them)."""
    if isinstance(data.get("request_id"), str):
        return f"/console/requests/{data['request_id']}"
    if isinstance(data.get("wish_id"), str):
        return "/console/wishes"  # the wall: a wish has no page of its own
    if isinstance(data.get("notice_id"), str):
        return "/console/inbox"  # a notice is read where it arrived
    activity_id = data.get("activity_id") or activity_of(data, subject).get("activity_id")
    if isinstance(activity_id, str) and activity_id:
        return f"/console/activities/{activity_id}"
    member = data.get("member")
    member_id = member.get("member_id") if isinstance(member, Mapping) else data.get("member_id")
    if isinstance(member_id, str) and member_id:
        return f"/console/org/members/{member_id}"
    return "/console/"


def event_context(
    data: Data,
    subject: Subject,
    *,
    subdistrict: str,
    occurred_at: datetime,
    tz: str,
    community_name: str | None,
    team_name: str | None,
) -> dict[str, Any]:
    """The event's fields and the context that is the same for every recipient."""
    activity = activity_of(data, subject)
    about = subject.request or subject.wish or subject.activity or {}
    local = occurred_at.astimezone(ZoneInfo(tz))
    return {
        **data,
        "community_name": community_name or "",
        "subdistrict": subdistrict,
        "event_time": local.strftime("%Y-%m-%d %H:%M"),
        "link": link(data, subject),
        "subject_title": _text(about.get("title")),
        "activity_place": _text(activity.get("place")),
        "activity_starts_at": _text(activity.get("starts_at")),
        "team_name": team_name or "",
        "recipient_name": "",
        "proxy_for": "",
    }


def recipient_name(recipient: Recipient, language: str, names: Mapping[str, str]) -> str:
    """A member's masked name; a desk's or an account's description."""
    address = recipient.address
    if recipient.member_id:
        return names.get(recipient.member_id, "")
    if address == SUBDISTRICT_ADMINS:
        kind = "subdistrict"
    elif address.startswith("role:"):
        kind = "community"
    elif address.startswith("account:"):
        kind = "account"
    else:
        kind = "group"
    return DESK_NAMES[kind].get(language, DESK_NAMES[kind]["zh-CN"])


def recipient_context(
    recipient: Recipient, language: str, names: Mapping[str, str]
) -> dict[str, str]:
    proxy = names.get(recipient.proxy_for, "") if recipient.proxy_for else ""
    return {"recipient_name": recipient_name(recipient, language, names), "proxy_for": proxy}


def proxy_title(title: str, resident_name: str, language: str) -> str:
    """A message a volunteer receives for a resident: 【代收】王**：… / [For 王**] …"""
    name = resident_name or ("居民" if language == "zh-CN" else "a resident")
    if language == "zh-CN":
        return f"【代收】{name}：{title}"
    return f"[For {name}] {title}"


def uses_recipient(texts: list[str]) -> bool:
    """Whether templates must be rendered per recipient (they name who reads them)."""
    return any(name in text for text in texts for name in PER_RECIPIENT)
