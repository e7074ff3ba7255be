"""A request's closed loop (接诉即办): accept or return, dispatch, start, extension, resolve,
follow-up, reopen, and the side exits (transfer, duplicate, not responsible, cancel), notes,
and dispatch suggestions. Each transition is one command of the requests service, which
guards it (a 409 says why) and records it in the timeline.

Who may do what: the community's admins everything; the handler (the assigned member, the
leaders of the handling team) starts, asks for an extension, resolves and adds notes; the
volunteer who entered a request may cancel it. Who reaches what: request_targets.py.
Every body may carry `expected_revision`, the revision the caller saw: a change made since
(a concurrent dispatch, say) is a 409."""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from services.gateway import service_rpc
from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.request_targets import (
    find_request,
    handler_or_admin,
    request_admins,
    request_canceller,
)
from services.gateway.request_view import (
    handler_member,
    is_admin_of,
    leads_handling_team,
    shown_to,
)
from services.gateway.service_rpc import command
from services.gateway.targets import found_resource
from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import Command
from shared.contracts.rpc import FieldError, Forbidden, Invalid

router = APIRouter(prefix="/api/v1/requests/{request_id}", tags=["requests"])

ADMINS: Final = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
HANDLERS: Final = (*ADMINS, Role.TEAM_LEADER, Role.VOLUNTEER)
HANDLER_NOTE: Final = (
    "For the request's handler (the assigned member; the leaders of the handling team and "
    "of the teams above it) and the community's admins."
)


class Revision(Command):
    expected_revision: int | None = Field(
        default=None, ge=1, description="the revision you saw: a change made since is a 409"
    )


class ReturnBody(commands.ReturnRequestBody, Revision):
    pass


class ExtensionBody(commands.RequestExtensionBody, Revision):
    pass


class ResolveBody(commands.ResolveBody, Revision):
    pass


class FollowUpBody(commands.FollowUpBody, Revision):
    pass


class ReopenBody(commands.ReopenBody, Revision):
    pass


class TransferBody(commands.TransferBody, Revision):
    pass


class DuplicateBody(commands.DuplicateBody, Revision):
    pass


class NotResponsibleBody(commands.NotResponsibleBody, Revision):
    pass


class CancelBody(commands.CancelBody, Revision):
    pass


class NoteBody(commands.NoteBody, Revision):
    pass


Caller = Annotated[Principal, Depends(current_principal)]


async def _transition(
    request: Request,
    caller: Principal,
    name: str,
    model: type[BaseModel],
    request_id: str,
    body: BaseModel | None,
) -> Any:
    """One transition: the request found (else 404), the command sent as the caller, the
    answer shown as the caller may see it."""
    found_resource(request)
    fields = body.model_dump(exclude_unset=True) if body is not None else {}
    cmd = command(model, request_id=request_id, **fields)
    answer = await service_rpc.ask(request, commands.SERVICE, name, cmd)
    return shown_to(request, caller, answer)


# -- the community's admins --------------------------------------------------------------------


@router.post(
    "/accept",
    summary="Accept (受理): the deadline is fixed from the kind's time limit",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def accept_request(
    request_id: str, request: Request, caller: Caller, body: Revision | None = None
) -> Any:
    return await _transition(
        request, caller, commands.ACCEPT_REQUEST, commands.AcceptRequest, request_id, body
    )


@router.post(
    "/return",
    summary="Return (退单) with a reason: only within one working day of submission",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def return_request(
    request_id: str, body: ReturnBody, request: Request, caller: Caller
) -> Any:
    return await _transition(
        request, caller, commands.RETURN_REQUEST, commands.ReturnRequest, request_id, body
    )


@router.post(
    "/dispatch",
    summary="Dispatch (派单) to a team, a volunteer, the building head or grid worker, or "
    "the compound's party branch, owners' committee or property company",
    description="Two dispatches of one request at once: one wins, the other is a 409.",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def dispatch_request(
    request_id: str, body: commands.DispatchBody, request: Request, caller: Caller
) -> Any:
    return await _transition(
        request, caller, commands.DISPATCH_REQUEST, commands.DispatchRequest, request_id, body
    )


@router.get(
    "/suggestions",
    summary="Dispatch suggestions: volunteers and teams ranked, with the reasons for each",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins),
)
async def suggest_handlers(
    request_id: str,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Any:
    found_resource(request)
    cmd = command(commands.SuggestHandlers, request_id=request_id, limit=limit)
    return await service_rpc.ask(request, commands.SERVICE, commands.SUGGEST_HANDLERS, cmd)


@router.post(
    "/extension/approve",
    summary="Approve the pending extension: the deadline moves",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def approve_extension(
    request_id: str, request: Request, caller: Caller, body: Revision | None = None
) -> Any:
    return await _transition(
        request, caller, commands.APPROVE_EXTENSION, commands.ApproveExtension, request_id, body
    )


@router.post(
    "/follow-up",
    summary="Follow-up call (回访), from the day after resolution: satisfied closes it, "
    "unsatisfied reopens it",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def record_follow_up(
    request_id: str, body: FollowUpBody, request: Request, caller: Caller
) -> Any:
    return await _transition(
        request, caller, commands.RECORD_FOLLOW_UP, commands.RecordFollowUp, request_id, body
    )


@router.post(
    "/reopen",
    summary="Reopen a closed request, with the reason (a resolved one reopens by its follow-up)",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def reopen_request(
    request_id: str, body: ReopenBody, request: Request, caller: Caller
) -> Any:
    return await _transition(
        request, caller, commands.REOPEN_REQUEST, commands.ReopenRequest, request_id, body
    )


@router.post(
    "/transfer",
    summary="Transfer to another community or to a department outside the system",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def transfer_request(
    request_id: str, body: TransferBody, request: Request, caller: Caller
) -> Any:
    return await _transition(
        request, caller, commands.TRANSFER_REQUEST, commands.TransferRequest, request_id, body
    )


@router.post(
    "/duplicate",
    summary="Close as a duplicate of another request (linked to it)",
    description="The original must be a request the caller administers too.",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def mark_duplicate(
    request_id: str, body: DuplicateBody, request: Request, caller: Caller
) -> Any:
    found_resource(request)
    original = await find_request(request, body.original_id)
    if original is None or not is_admin_of(caller, original):
        # One answer for a missing original and one outside the caller's scope.
        msg = "no request you administer has this id"
        raise Invalid(msg, [FieldError(loc=["original_id"], msg=msg, type="not_found")])
    return await _transition(
        request, caller, commands.MARK_DUPLICATE, commands.MarkDuplicate, request_id, body
    )


@router.post(
    "/not-responsible",
    summary="Close as not the community's to handle (the reason is shown on the request)",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=request_admins, write=True),
)
async def mark_not_responsible(
    request_id: str, body: NotResponsibleBody, request: Request, caller: Caller
) -> Any:
    return await _transition(
        request,
        caller,
        commands.MARK_NOT_RESPONSIBLE,
        commands.MarkNotResponsible,
        request_id,
        body,
    )


@router.post(
    "/cancel",
    summary="Cancelled by the resident: by the community's admins, or the volunteer who "
    "entered it for them",
    **rule(*ADMINS, Role.VOLUNTEER, scope=Scope.SELF, target=request_canceller, write=True),
)
async def cancel_request(
    request_id: str, request: Request, caller: Caller, body: CancelBody | None = None
) -> Any:
    return await _transition(
        request, caller, commands.CANCEL_REQUEST, commands.CancelRequest, request_id, body
    )


# -- the handler ---------------------------------------------------------------------------------


@router.post(
    "/start",
    summary="The handler starts work",
    description=HANDLER_NOTE,
    **rule(*HANDLERS, scope=Scope.SELF, target=handler_or_admin, write=True),
)
async def start_request(
    request_id: str, request: Request, caller: Caller, body: Revision | None = None
) -> Any:
    return await _transition(
        request, caller, commands.START_REQUEST, commands.StartRequest, request_id, body
    )


@router.post(
    "/extension",
    summary="Ask for more working days, before the deadline (the reason is shown to the resident)",
    description=HANDLER_NOTE,
    **rule(*HANDLERS, scope=Scope.SELF, target=handler_or_admin, write=True),
)
async def request_extension(
    request_id: str, body: ExtensionBody, request: Request, caller: Caller
) -> Any:
    return await _transition(
        request, caller, commands.REQUEST_EXTENSION, commands.RequestExtension, request_id, body
    )


@router.post(
    "/resolve",
    summary="Resolve (办结) with notes and the hours spent",
    description=(
        HANDLER_NOTE + " `volunteer_member_ids` are credited `hours_spent` each: a "
        "volunteer names only themselves, a team leader the handling team's members; the "
        "community's admins anyone."
    ),
    **rule(*HANDLERS, scope=Scope.SELF, target=handler_or_admin, write=True),
)
async def resolve_request(
    request_id: str, body: ResolveBody, request: Request, caller: Caller
) -> Any:
    found = found_resource(request)
    check_credited(request, caller, found, body.volunteer_member_ids)
    return await _transition(
        request, caller, commands.RESOLVE_REQUEST, commands.ResolveRequest, request_id, body
    )


def check_credited(
    request: Request, caller: Principal, doc: dict[str, Any], member_ids: list[str]
) -> None:
    """Who a resolution may credit with hours: nobody credits strangers but the admins."""
    if not member_ids or is_admin_of(caller, doc):
        return
    allowed = {handler_member(doc)}
    if leads_handling_team(request, caller):
        allowed |= team_roster(getattr(request.state, "handling_team", None))
    for index, member_id in enumerate(member_ids):
        if member_id not in allowed:
            msg = "only the handler and the handling team's members may be credited"
            raise Forbidden(
                msg, [FieldError(loc=["volunteer_member_ids", index], msg=msg, type="forbidden")]
            )


def team_roster(team: Any) -> set[str | None]:
    """The team's current members, as GET_TEAM lists them."""
    if not isinstance(team, dict):
        return set()
    return {
        entry.get("member_id")
        for entry in team.get("members") or []
        if isinstance(entry, dict) and entry.get("left_on") is None
    }


@router.post(
    "/notes",
    summary="Add a note; a mediation note is seen only by the handler and the admins",
    description=HANDLER_NOTE,
    **rule(*HANDLERS, scope=Scope.SELF, target=handler_or_admin, write=True),
)
async def add_note(request_id: str, body: NoteBody, request: Request, caller: Caller) -> Any:
    return await _transition(request, caller, commands.ADD_NOTE, commands.AddNote, request_id, body)
