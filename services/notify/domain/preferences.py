"""A member's preferences, with the defaults of one who never chose. Pure."""

from pydantic import BaseModel

from shared.contracts.commands.notify import PreferencesBody


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
