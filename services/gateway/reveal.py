"""Revealing personal data, one path for every resource: which fields a caller asks for, the
reason it must give, who may ask, and the audit record written before anything unmasked
leaves the gateway (no record, no data: 503).

Used by GET /api/v1/requests/{id}, GET /api/v1/members/{id} and the members' export."""

import logging
from typing import Any, Final

from fastapi import Request

from services.gateway.accounts.model import Principal, Role
from shared.contracts.rpc import FieldError, Forbidden, Invalid, Unavailable

log = logging.getLogger(__name__)

# Chinese says much in few characters: 「回访」 (a follow-up call) is a whole reason.
REASON_MIN, REASON_MAX = 2, 200
NO_STORE: Final = "no-store"


def fields_asked(raw: str | None, revealable: tuple[str, ...], hint: str = "") -> list[str]:
    """`phone,name` -> the fields to reveal, deduplicated, in `revealable` order.

    Raises Invalid naming `reveal` for a field that cannot be revealed (`hint` is added to
    the message when the caller asked for something the resource does not hold)."""
    asked = {part.strip() for part in (raw or "").split(",") if part.strip()}
    unknown = sorted(asked.difference(revealable))
    if unknown:
        msg = f"cannot reveal {', '.join(unknown)}; one of: {', '.join(revealable)}{hint}"
        raise Invalid(msg, [FieldError(loc=["reveal"], msg=msg, type="enum")])
    return [field for field in revealable if field in asked]


def reveal_reason(raw: str | None) -> str:
    """The reason a reveal must give (2-200 characters); raises Invalid naming `reason`."""
    reason = (raw or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        msg = f"a reveal needs a reason of {REASON_MIN}-{REASON_MAX} characters"
        raise Invalid(msg, [FieldError(loc=["reason"], msg=msg, type="value_error")])
    return reason


def may_reveal(caller: Principal, community_id: str | None) -> bool:
    """People, never API keys: a subdistrict_admin, or a community_admin of that community."""
    if caller.kind != "user":
        return False
    if Role.SUBDISTRICT_ADMIN in caller.roles:
        return True
    return Role.COMMUNITY_ADMIN in caller.roles and community_id in caller.communities


def check_may_reveal(caller: Principal, community_id: str | None) -> None:
    """Raises Forbidden naming `reveal` unless `may_reveal`."""
    if not may_reveal(caller, community_id):
        raise Forbidden(
            "your role may not reveal personal data: call without `reveal`",
            [FieldError(loc=["reveal"], msg="not permitted for this caller", type="forbidden")],
        )


async def record_or_refuse(
    request: Request,
    action: str,
    *,
    actor: Principal,
    target: str,
    detail: dict[str, Any],
    reason: str | None,
    refused: str = "nothing was revealed",
) -> None:
    """Write the audit record, or raise Unavailable (503) so the caller gets nothing: fail
    closed. Call it after fetching and before answering."""
    try:
        await request.app.state.audit.record(
            action, actor=actor, target=target, detail=detail, reason=reason
        )
    except Exception as exc:  # no audit record, no unmasked data
        log.exception("audit write failed; %s refused", action, extra={"target": target})
        raise Unavailable(f"the audit log could not be written, so {refused}") from exc
