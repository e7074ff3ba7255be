"""Residents' requests (诉求)."""

import hashlib
import json
from typing import Annotated, Any, Final, get_args

from fastapi import APIRouter, Depends, Query, Request, Response

from services.gateway.accounts.model import Principal, Role, caller_identity
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.deps import CorrelationId, Rpc
from services.gateway.idempotency import HEADER as IDEMPOTENCY_KEY
from services.gateway.request_targets import request_reader
from services.gateway.request_view import community_of, is_handler, shown_to
from services.gateway.reveal import (
    NO_STORE,
    REASON_MAX,
    check_may_reveal,
    fields_asked,
    record_or_refuse,
    reveal_reason,
)
from services.gateway.reveal import (
    may_reveal as may_reveal,  # re-exported: the requests' checks, tested there
)
from services.gateway.targets import (
    body_community_or_volunteer,
    found_resource,
    get_request_query,
)
from shared.bus.rpc import RpcClient
from shared.contracts.commands import requests as commands
from shared.contracts.rpc import Invalid

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])

ADMINS = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
# What the assigned handler sees unmasked without asking: how to reach the resident.
HANDLER_SEES: Final = ["phone"]
HANDLER_REASON: Final = "handler"

# The resident's fields a permitted caller may see unmasked: what GetRequest.reveal accepts
# (list[Literal[...]]), so the contract stays the one list. A request carries no exact
# address today (its location is community/compound/building ids), so there is none to reveal.
REVEALABLE: Final[tuple[str, ...]] = get_args(
    get_args(commands.GetRequest.model_fields["reveal"].annotation)[0]
)


@router.post(
    "",
    status_code=201,
    summary="Record a resident's request",
    description=(
        "A community's admins record requests of their community; a volunteer records one "
        "collected from a resident of any community (in a building's WeChat group, say), "
        "and is recorded as having entered it on the resident's behalf (`entered_by`). "
        "The kind's extra fields go in `extra` (GET /api/v1/request-kinds); an unknown or "
        "wrongly typed one is a 422 naming it."
    ),
    **rule(
        *ADMINS,
        Role.VOLUNTEER,
        Role.INTEGRATION,
        scope=Scope.COMMUNITY,
        target=body_community_or_volunteer,
        write=True,
    ),
)
async def create_request(
    body: commands.CreateRequestBody,
    rpc: Rpc,
    correlation_id: CorrelationId,
    request: Request,
    caller: Annotated[Principal, Depends(current_principal)],
) -> dict[str, Any]:
    command = commands.CreateRequest(
        **body.model_dump(),
        entered_by=entered_by(caller),
        client_ref=client_ref(caller, request.headers.get(IDEMPOTENCY_KEY)),
    )
    return await create(rpc, command, request, correlation_id)


def entered_by(caller: Principal, *, via: str = "api_key") -> str:
    """Who entered a request, from the caller the gateway signed in, never from the body:
    `user:<account id>`, or `<via>:<key id>` for an API key (`open311:` through Open311)."""
    if caller.kind == "user":
        return f"user:{caller.id}"[:64]
    return f"{via}:{caller.id}"[:64]


def client_ref(caller: Principal, idempotency_key: str | None) -> str | None:
    """The retry reference of a create that carries an Idempotency-Key: a digest of (caller,
    key), so one caller's key never finds another caller's request. The requests service
    makes at most one request per reference, even after the gateway answered 503 (whose
    response the idempotency middleware does not keep) and the client retried."""
    if not idempotency_key:
        return None
    pair = json.dumps([caller_identity(caller), idempotency_key])
    return hashlib.sha256(pair.encode()).hexdigest()


async def create(
    rpc: RpcClient, command: commands.CreateRequest, request: Request, correlation_id: str | None
) -> dict[str, Any]:
    """Send CreateRequest; the service's "reference reused" error names the header."""
    try:
        result: dict[str, Any] = await rpc.call(
            commands.SERVICE,
            commands.CREATE_REQUEST,
            command,
            correlation_id=correlation_id,
            traceparent=request.headers.get("traceparent"),
        )
    except Invalid as exc:
        if not any(d.loc == ["client_ref"] for d in exc.details):
            raise
        details = [
            d.model_copy(update={"loc": [IDEMPOTENCY_KEY]}) if d.loc == ["client_ref"] else d
            for d in exc.details
        ]
        raise Invalid(exc.message, details) from exc
    return result


@router.get(
    "/{request_id}",
    summary="One request with its timeline, personal data masked unless revealed",
    description=(
        "The resident's name and phone come back masked (`李**`, `138****1234`). "
        "A subdistrict_admin, or a community_admin of the request's community, may ask for "
        "them unmasked with `reveal=phone,name` and a `reason` (2-200 characters); each "
        "reveal is written to the audit log (`GET /api/v1/audit?action=reveal`) before the "
        "answer is sent, and if it cannot be written nothing is revealed (503). "
        "API keys may not reveal. "
        "Also readable by the request's handler (the assigned member, who sees the "
        "resident's phone unmasked without asking: audited as a reveal with reason "
        "`handler`), the leaders of the handling team and of the teams the assigned member "
        "is in, and the volunteer who entered it. Mediation notes are shown only to the "
        "handler and the community's admins."
    ),
    **rule(
        *ADMINS,
        Role.TEAM_LEADER,
        Role.VOLUNTEER,
        Role.INTEGRATION,
        scope=Scope.SELF,
        target=request_reader,
    ),
)
async def get_request(
    request_id: str,
    request: Request,
    response: Response,
    rpc: Rpc,
    correlation_id: CorrelationId,
    caller: Annotated[Principal, Depends(current_principal)],
    reveal: Annotated[
        str | None,
        Query(
            max_length=64,
            description=f"comma-separated fields to show unmasked: {', '.join(REVEALABLE)}",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        Query(max_length=REASON_MAX, description="why: required with `reveal`, for the audit"),
    ] = None,
) -> dict[str, Any]:
    found = found_resource(request)  # fetched (masked) by the rule's target lookup, or 404
    fields = revealed_fields(reveal)
    community = community_of(found)
    if fields:
        check_may_reveal(caller, community)
        why = reveal_reason(reason)
    elif is_handler(caller, found) and (found.get("resident") or {}).get("phone"):
        fields, why = HANDLER_SEES, HANDLER_REASON
    else:
        shown: dict[str, Any] = shown_to(request, caller, found)
        return shown
    revealed: dict[str, Any] = await rpc.call(
        commands.SERVICE,
        commands.GET_REQUEST,
        get_request_query(request_id, fields),
        correlation_id=correlation_id,
        traceparent=request.headers.get("traceparent"),
    )
    await record_or_refuse(
        request,
        "reveal",
        actor=caller,
        target=request_id,
        detail={
            "resource": "request",
            "request_id": request_id,
            "community_id": community,
            "fields": fields,
            "resident": found.get("resident"),  # whose, as masked identity
        },
        reason=why,
    )
    response.headers["Cache-Control"] = NO_STORE
    revealed_view: dict[str, Any] = shown_to(request, caller, revealed)
    return revealed_view


def revealed_fields(raw: str | None) -> list[str]:
    """`phone,name` -> the fields to reveal, deduplicated, in REVEALABLE order.

    Raises Invalid naming `reveal` for a field that cannot be revealed."""
    asked = {part.strip() for part in (raw or "").split(",")}
    hint = (
        " (requests carry no exact address, only community/compound/building ids)"
        if "address" in asked
        else ""
    )
    return fields_asked(raw, REVEALABLE, hint)
