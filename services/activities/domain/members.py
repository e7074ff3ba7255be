"""Who may take a volunteer role, judged on the service's projection of the registry's
members (never on the registry's database)."""

from services.activities.domain.signups import Document, invalid
from shared.contracts.rpc import Conflict, Invalid


def unknown(member_id: str, field: str = "member_id") -> Invalid:
    return invalid(
        field,
        f"member {member_id} is not registered (or not yet known to activities)",
        "not_found",
    )


def ensure_may_serve(member: Document | None, member_id: str, field: str = "member_id") -> Document:
    if member is None:
        raise unknown(member_id, field)
    if member["status"] != "active":
        merged = f" into {member['merged_into']}" if member.get("merged_into") else ""
        raise Conflict(f"member {member_id} is {member['status']}{merged}; only active members")
    return member


def ensure_skill(member: Document, role: Document) -> None:
    skill = role.get("required_skill")
    if skill and skill not in member.get("skills", []):
        raise Conflict(
            f"role {role['role_id']} needs the skill {skill}, "
            f"which member {member['_id']} does not have"
        )
