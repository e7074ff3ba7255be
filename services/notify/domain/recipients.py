"""Who a notification is for: an address (shared/contracts/addresses.py), never contact
data. Pure."""

from dataclasses import dataclass

from shared.contracts.addresses import (
    SUBDISTRICT_ADMINS,
    account,
    community_admins,
    member,
    robot,
    webhook,
)

__all__ = [
    "SUBDISTRICT_ADMINS",
    "Recipient",
    "account",
    "community_admins",
    "from_actor",
    "member",
    "robot",
    "webhook",
]


def from_actor(actor: str | None) -> str | None:
    """`user:<account id>` (who entered something, as the gateway names callers) becomes
    that account's inbox; an API key has no inbox."""
    if actor and actor.startswith("user:"):
        return account(actor.removeprefix("user:"))
    return None


@dataclass(frozen=True)
class Recipient:
    """One recipient of one notice. `member_id` is set for a member (their preferences
    apply); `proxy_for` when they get it on behalf of a resident they look after."""

    address: str
    community_id: str | None = None
    member_id: str | None = None
    proxy_for: str | None = None
