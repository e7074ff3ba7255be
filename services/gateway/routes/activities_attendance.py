"""Sign-ups, participants, attendance and hours of an activity, and its attendance export.

A volunteer acts for themselves only (their account's member): signing up, giving up their
place, checking in with the activity's code and out; a body naming another member is a 403
naming `member_id`. The activity's organisers act for anyone, and check in without a code."""

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Request, Response

from services.gateway.accounts.model import Principal, Role
from services.gateway.activity_targets import (
    activity_or_open,
    activity_team,
    as_organiser,
    volunteer_member,
)
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.reveal import NO_STORE, record_or_refuse
from services.gateway.routes.activities import ACTIVITY, MANAGERS, ask
from services.gateway.routes.members import MEDIA_TYPES, attachment
from services.gateway.service_rpc import command
from services.gateway.targets import found_resource, not_found
from shared.contracts.commands import activities as commands
from shared.contracts.rpc import FieldError, Forbidden, Unavailable

router = APIRouter(tags=["activities"])

PEOPLE: Final = (*MANAGERS, Role.VOLUNTEER)
SELF_NOTE: Final = (
    "A volunteer acts for themselves only (a published activity); its organisers for anyone."
)


def _check_self(request: Request, member_id: str | None) -> None:
    """A volunteer names only themselves; organisers anyone."""
    if as_organiser(request):
        return
    if member_id is None or member_id != volunteer_member(request):
        msg = "a volunteer acts for themselves only: give your own member_id"
        raise Forbidden(msg, [FieldError(loc=["member_id"], msg=msg, type="forbidden")])


# -- sign-ups and participants ---------------------------------------------------------------


@router.post(
    ACTIVITY + "/signups",
    status_code=201,
    summary="Sign a volunteer up for a role: confirmed, or waitlisted when it is full",
    description=(
        SELF_NOTE + " Refused (409) for a suspended or left member, an overlapping "
        "activity (named), a missing required skill, or an activity not open."
    ),
    **rule(*PEOPLE, scope=Scope.TEAM, target=activity_or_open, write=True),
)
async def sign_up(activity_id: str, body: commands.SignUpBody, request: Request) -> Any:
    found_resource(request)
    _check_self(request, body.member_id)
    cmd = command(commands.SignUp, activity_id=activity_id, **body.model_dump())
    return await ask(request, commands.SIGN_UP, cmd)


@router.post(
    ACTIVITY + "/signups/{signup_id}/cancel",
    summary="Give up a place (a volunteer's or a participant's); the first waitlisted moves up",
    description="A volunteer gives up their own places only: another's is not found for them.",
    **rule(*PEOPLE, scope=Scope.TEAM, target=activity_or_open, write=True),
)
async def cancel_sign_up(
    activity_id: str, signup_id: str, body: commands.CancelSignUpBody, request: Request
) -> Any:
    found = found_resource(request)
    if not as_organiser(request) and not _holds(found, signup_id, volunteer_member(request)):
        raise not_found()
    cmd = command(
        commands.CancelSignUp, activity_id=activity_id, signup_id=signup_id, **body.model_dump()
    )
    return await ask(request, commands.CANCEL_SIGN_UP, cmd)


def _holds(activity: dict[str, Any], signup_id: str, member_id: str | None) -> bool:
    """Whether the sign-up (a volunteer's on a role, or a participant's) is the member's."""
    participants = activity.get("participants")
    groups = [
        *(activity.get("roles") or []),
        participants if isinstance(participants, dict) else {},
    ]
    return member_id is not None and any(
        isinstance(entry, dict)
        and entry.get("signup_id") == signup_id
        and entry.get("member_id") == member_id
        for group in groups
        if isinstance(group, dict)
        for place in ("confirmed", "waitlist")
        for entry in group.get(place) or []
    )


@router.post(
    ACTIVITY + "/participants",
    status_code=201,
    summary="Register a resident as a participant, perhaps by proxy",
    description=(
        "A member (`member_id`) or a name and optional phone. A volunteer registering "
        "anyone but themselves registers them by proxy (marked so, with who entered it); "
        "organisers say whether it is by proxy."
    ),
    **rule(*PEOPLE, scope=Scope.TEAM, target=activity_or_open, write=True),
)
async def register_participant(
    activity_id: str, body: commands.RegisterParticipantBody, request: Request
) -> Any:
    found_resource(request)
    fields = body.model_dump()
    if not as_organiser(request) and body.member_id != volunteer_member(request):
        fields["proxy"] = True
    cmd = command(commands.RegisterParticipant, activity_id=activity_id, **fields)
    return await ask(request, commands.REGISTER_PARTICIPANT, cmd)


# -- attendance ------------------------------------------------------------------------------


@router.get(
    ACTIVITY + "/check-in-code",
    summary="The check-in code and a QR-friendly token, shown on site by the organisers",
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team),
)
async def check_in_code(activity_id: str, request: Request, response: Response) -> Any:
    found_resource(request)
    response.headers["Cache-Control"] = NO_STORE
    cmd = command(commands.GetCheckInCode, activity_id=activity_id)
    return await ask(request, commands.GET_CHECK_IN_CODE, cmd)


@router.post(
    ACTIVITY + "/check-in",
    summary="Check a volunteer in: themselves with the activity's code, or by an organiser",
    **rule(*PEOPLE, scope=Scope.TEAM, target=activity_or_open, write=True),
)
async def check_in(activity_id: str, body: commands.CheckInBody, request: Request) -> Any:
    found_resource(request)
    _check_self(request, body.member_id)
    # Who is an organiser comes from the caller (a body can never say so): the service lets
    # them check a volunteer in without the code, and asks everyone else for it.
    cmd = command(
        commands.CheckIn,
        activity_id=activity_id,
        by_organiser=as_organiser(request),
        **body.model_dump(),
    )
    return await ask(request, commands.CHECK_IN, cmd)


@router.post(
    ACTIVITY + "/check-out",
    summary="Check a volunteer out (themselves, or by an organiser)",
    **rule(*PEOPLE, scope=Scope.TEAM, target=activity_or_open, write=True),
)
async def check_out(activity_id: str, body: commands.CheckOutBody, request: Request) -> Any:
    found_resource(request)
    _check_self(request, body.member_id)
    cmd = command(commands.CheckOut, activity_id=activity_id, **body.model_dump())
    return await ask(request, commands.CHECK_OUT, cmd)


@router.post(
    ACTIVITY + "/no-shows",
    summary="Mark a volunteer who did not come",
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team, write=True),
)
async def mark_no_show(activity_id: str, body: commands.MarkNoShowBody, request: Request) -> Any:
    found_resource(request)
    cmd = command(commands.MarkNoShow, activity_id=activity_id, **body.model_dump())
    return await ask(request, commands.MARK_NO_SHOW, cmd)


@router.post(
    ACTIVITY + "/roster",
    summary="Enter a paper roster: who came, with their hours or times",
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team, write=True),
)
async def enter_roster(activity_id: str, body: commands.EnterRosterBody, request: Request) -> Any:
    found_resource(request)
    cmd = command(commands.EnterRoster, activity_id=activity_id, **body.model_dump())
    return await ask(request, commands.ENTER_ROSTER, cmd)


@router.post(
    ACTIVITY + "/hours/approvals",
    summary="Approve volunteers' hours (as they stand, or as given)",
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team, write=True),
)
async def approve_hours(activity_id: str, body: commands.ApproveHoursBody, request: Request) -> Any:
    found_resource(request)
    cmd = command(commands.ApproveHours, activity_id=activity_id, **body.model_dump())
    return await ask(request, commands.APPROVE_HOURS, cmd)


# -- the export ------------------------------------------------------------------------------


@router.get(
    ACTIVITY + "/attendance.{format}",
    summary="The roster and attendance as a file (.xlsx or .csv); always audited",
    description=(
        "Volunteers with their hours, participants with proxy marks; phones masked. Every "
        "export is written to the audit log (`action=export`) before the file is sent; if "
        "that write fails, nothing is exported (503)."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "the file, as an attachment",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in (MEDIA_TYPES["xlsx"], "text/csv")
            },
        }
    },
    **rule(*MANAGERS, scope=Scope.TEAM, target=activity_team),
)
async def export_attendance(
    activity_id: str,
    format: Literal["xlsx", "csv"],
    request: Request,
    caller: Annotated[Principal, Depends(current_principal)],
) -> Response:
    found = found_resource(request)
    cmd = command(commands.ExportAttendance, activity_id=activity_id, format=format)
    exported: dict[str, Any] = await ask(request, commands.EXPORT_ATTENDANCE, cmd)
    try:
        content = base64.b64decode(exported["content_base64"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise Unavailable("the activities service's export could not be read") from exc
    await record_or_refuse(
        request,
        "export",
        actor=caller,
        target=activity_id,
        detail={
            "resource": "attendance",
            "activity_id": activity_id,
            "title": found.get("title"),
            "community_id": found.get("community_id"),
            "format": format,
            "rows": exported.get("rows"),
        },
        reason=None,
        refused="nothing was exported",
    )
    day = datetime.now(UTC).strftime("%Y%m%d")
    filename = str(exported.get("filename") or f"签到表-{activity_id}-{day}.{format}")
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": attachment(filename), "Cache-Control": NO_STORE},
    )
