"""The audit log: logins, account and role changes, API keys, reveals of personal data, and
every roster export (masked or not).

Read by subdistrict_admin only."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from shared.contracts.commands.common import MAX_PAGE_SIZE, Page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get(
    "",
    summary="The audit log, newest first, cursor-paged",
    description=(
        "Who did what to whose data, when and why. Actions so far: `login`, "
        "`login_failed`, `login_locked`, `user_created`, `roles_changed`, "
        "`api_key_created`, `reveal` (with the fields, the request and the reason)."
    ),
    **rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT),
)
async def list_audit(
    request: Request,
    action: Annotated[
        str | None, Query(max_length=32, pattern=r"^[a-z_]+$", description="only this action")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> Page:
    entries = await request.app.state.audit.page(cursor, limit + 1, action)
    page = entries[:limit]
    return Page(
        items=[audit_item(e) for e in page],
        next_cursor=page[-1]["_id"] if len(entries) > limit else None,
    )


def audit_item(entry: dict[str, Any]) -> dict[str, Any]:
    at = entry["at"]
    return {
        "id": entry["_id"],
        "at": at.isoformat() if isinstance(at, datetime) else at,
        "action": entry["action"],
        "actor_id": entry.get("actor_id"),
        "actor_name": entry.get("actor_name"),
        "target": entry.get("target"),
        "detail": entry.get("detail") or {},
        "reason": entry.get("reason"),
    }
