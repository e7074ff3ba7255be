"""The rules: which event types cause notices, to whom, how urgent, on which channels, saying
what. Rules are data: these defaults are seeded, a subdistrict admin edits them. Pure.

Every event type another service emits has a default rule here or is listed in SILENT
(tests/unit/test_notify_rules.py fails when a new event type has neither)."""

from pydantic import BaseModel

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


# Filled by the rules work: event name -> default rule.
DEFAULT_RULES: dict[str, Rule] = {}

# Event types that cause no notice, each for a reason (see the comments at each).
SILENT: dict[str, str] = {}
