"""Addresses of notification recipients: what notify writes an inbox item to, and what the
gateway says a signed-in account reads. Never contact data.

member:<id> | account:<id> | role:community_admin@community:<id> | role:subdistrict_admin |
robot:<id> (a WeChat Work group robot) | webhook:<id> (an integrator's endpoint)
"""

from typing import Final

SUBDISTRICT_ADMINS: Final = "role:subdistrict_admin"


def member(member_id: str) -> str:
    return f"member:{member_id}"


def account(account_id: str) -> str:
    return f"account:{account_id}"


def community_admins(community_id: str) -> str:
    return f"role:community_admin@community:{community_id}"


def robot(robot_id: str) -> str:
    return f"robot:{robot_id}"


def webhook(webhook_id: str) -> str:
    return f"webhook:{webhook_id}"
