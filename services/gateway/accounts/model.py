"""Who is calling, and what their roles let them touch. Pure: no I/O."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    SUBDISTRICT_ADMIN = "subdistrict_admin"  # the whole subdistrict
    COMMUNITY_ADMIN = "community_admin"  # one or more communities
    TEAM_LEADER = "team_leader"  # teams, sub-squads included
    VOLUNTEER = "volunteer"  # themselves
    PARTNER = "partner"  # a partner unit (共建单位)
    INTEGRATION = "integration"  # an outside system, by API key


# Roles whose reach is the whole subdistrict (reads only, for integrations).
SUBDISTRICT_WIDE = frozenset({Role.SUBDISTRICT_ADMIN, Role.INTEGRATION})


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    kind: Literal["user", "api_key"]
    roles: frozenset[Role]
    communities: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    member_id: str | None = None
    partner_id: str | None = None
    # API keys: "read" by default; "write" lets an integration create (e.g. Open311 posts).
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"read"}))
    # When the access token it came from expires (Unix time); None for an API key.
    expires_at: float | None = None

    @property
    def subdistrict_wide(self) -> bool:
        return bool(self.roles & SUBDISTRICT_WIDE)

    def covers_community(self, community_id: str) -> bool:
        return self.subdistrict_wide or (
            Role.COMMUNITY_ADMIN in self.roles and community_id in self.communities
        )

    def may_write(self) -> bool:
        return self.kind == "user" or "write" in self.scopes


def caller_identity(caller: Principal) -> str:
    """Who is calling, as a stable id: the account (the token's `sub`) or the API key's id."""
    return f"{caller.kind}:{caller.id}"


class AccountError(ValueError):
    """A rule about accounts was broken; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_role_scopes(
    roles: set[Role],
    communities: set[str],
    teams: set[str],
    member_id: str | None,
    partner_id: str | None,
) -> None:
    """Each scoped role needs its scope, so nobody gets a role that reaches nothing."""
    if not roles:
        raise AccountError("roles", "an account needs at least one role")
    if Role.INTEGRATION in roles:
        raise AccountError("roles", "integration is the role of API keys, not of people")
    if Role.COMMUNITY_ADMIN in roles and not communities:
        raise AccountError("communities", "a community_admin needs at least one community")
    if Role.TEAM_LEADER in roles and not teams:
        raise AccountError("teams", "a team_leader needs at least one team")
    if Role.VOLUNTEER in roles and not member_id:
        raise AccountError("member_id", "a volunteer account is tied to a member")
    if Role.PARTNER in roles and not partner_id:
        raise AccountError("partner_id", "a partner account is tied to a partner unit")
