"""Who a notification is for: an address, never contact data. Pure."""

from dataclasses import dataclass


def member(member_id: str) -> str:
    return f"member:{member_id}"


def account(account_id: str) -> str:
    return f"account:{account_id}"


def community_admins(community_id: str) -> str:
    return f"role:community_admin@community:{community_id}"


SUBDISTRICT_ADMINS = "role:subdistrict_admin"


def robot(robot_id: str) -> str:
    return f"robot:{robot_id}"


def webhook(webhook_id: str) -> str:
    return f"webhook:{webhook_id}"


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
