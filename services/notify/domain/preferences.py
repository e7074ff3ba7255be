"""A member's preferences, with the defaults of one who never chose, and what applies to one
notice (`effective`). Pure."""

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from shared.contracts.commands.notify import PreferencesBody
from shared.contracts.privacy import mask_phone

# The channels a member may choose, in the order they are tried and shown.
PERSONAL_CHANNELS = ("inbox", "email", "sms")


class Preferences(PreferencesBody):
    """Stored per member in notify's own `preferences` collection (`_id`: the member id)."""

    member_id: str


def defaults(member_id: str) -> Preferences:
    """Inbox only, zh-CN, quiet 21:00–08:00, no digest."""
    return Preferences(member_id=member_id)


class Effective(BaseModel):
    """What applies to one notice for one member: the channels the rule allows and the
    member chose (with an address), their language, quiet hours, digest."""

    channels: list[str]
    language: str
    quiet_start: str | None
    quiet_end: str | None
    digest: bool


def effective(
    prefs: Preferences | None,
    rule_channels: Iterable[str],
    configured: Iterable[str],
    default_quiet: tuple[str, str],
) -> Effective:
    """The rule's channels the member chose, that can reach them (e-mail only with an address,
    SMS only with a phone) and that this subdistrict has set up; the inbox needs no set-up and
    is on unless they opted out of it. Someone who never chose gets the inbox, in Chinese,
    quiet during the subdistrict's default quiet hours."""
    allowed = set(rule_channels)
    available = {"inbox", *configured}
    if prefs is None:
        chosen: set[str] = {"inbox"}
        quiet: tuple[str | None, str | None] = default_quiet
        language, digest = "zh-CN", False
    else:
        chosen = set(prefs.channels)
        hours = prefs.quiet_hours
        quiet = (hours.start, hours.end) if hours else (None, None)
        language, digest = prefs.language, prefs.digest
    reachable = {
        "inbox": True,
        "email": bool(prefs and prefs.email),
        "sms": bool(prefs and prefs.phone),
    }
    channels = [
        c
        for c in PERSONAL_CHANNELS
        if c in allowed and c in chosen and c in available and reachable[c]
    ]
    return Effective(
        channels=channels,
        language=language,
        quiet_start=quiet[0],
        quiet_end=quiet[1],
        digest=digest,
    )


def address_for(prefs: Preferences | None, channel: str) -> str | None:
    """The channel's own address of a member: their e-mail address or mobile number."""
    if prefs is None:
        return None
    return {"email": prefs.email, "sms": prefs.phone}.get(channel)


def mask_email(email: str | None) -> str | None:
    """zhang.san@example.com -> zh***@example.com: enough to tell two addresses apart (the
    gateway masks the same way, and a masked address masks to itself)."""
    if not email:
        return email
    local, _, domain = email.rpartition("@")
    return f"{local[:2]}***@{domain}"


def missing_addresses(prefs: Preferences) -> list[str]:
    """The chosen channels the member cannot be reached on (no address given)."""
    return [c for c in ("email", "sms") if c in prefs.channels and not address_for(prefs, c)]


def view(
    prefs: Preferences, *, stored: bool, changed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """As callers see them: addresses masked, with whether one is kept."""
    shown = prefs.model_dump(mode="json")
    return {
        **shown,
        "email": mask_email(prefs.email),
        "phone": mask_phone(prefs.phone),
        "has_email": bool(prefs.email),
        "has_phone": bool(prefs.phone),
        "stored": stored,
        **(changed or {}),
    }
