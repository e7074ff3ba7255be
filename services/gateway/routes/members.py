"""Members (实名志愿者): registration, search, the profile (masked unless revealed), status,
merging two registrations, and the roster's import and export."""

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal, get_args
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import Field

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.problems import field_error, problem
from services.gateway.registry_rpc import ask, command
from services.gateway.registry_targets import (
    home_community,
    home_of_new_member,
    member_community,
    member_self,
    merged_members_community,
    query_community_or_team,
)
from services.gateway.reveal import (
    NO_STORE,
    REASON_MAX,
    check_may_reveal,
    fields_asked,
    record_or_refuse,
    reveal_reason,
)
from services.gateway.targets import found_resource, query_community
from shared.contracts.commands import registry as commands
from shared.contracts.rpc import FieldError, Invalid, Unavailable

router = APIRouter(prefix="/api/v1/members", tags=["members"])

ADMINS = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)

# What GetMember.reveal accepts (list[Literal[...]]): the contract stays the one list.
REVEALABLE: Final[tuple[str, ...]] = get_args(
    get_args(commands.GetMember.model_fields["reveal"].annotation)[0]
)
MEDIA_TYPES: Final[dict[str, str]] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# What an uploaded roster's content type says, when its name has no known extension.
FORMAT_OF_TYPE: Final[dict[str, str]] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/csv": "csv",
    "application/csv": "csv",
}


@router.post(
    "",
    status_code=201,
    summary="Register a member (real name); a volunteer number is issued",
    description=(
        "The ID number is stored encrypted with a keyed hash beside it; one already "
        "registered is a 409 naming that member's volunteer number. The answer is masked."
    ),
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=home_of_new_member, write=True),
)
async def register_member(body: commands.RegisterMember, request: Request) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.REGISTER_MEMBER, body)
    return result


@router.get(
    "",
    summary="Members by community, team, tag, skill, status, name prefix; cursor-paged",
    **rule(*ADMINS, Role.INTEGRATION, scope=Scope.COMMUNITY, target=query_community_or_team),
)
async def search_members(
    query: Annotated[commands.SearchMembers, Query()], request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.SEARCH_MEMBERS, query)
    return result


@router.post(
    "/merge",
    summary="Two registrations are one person: keep one, both histories stay",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=merged_members_community, write=True),
)
async def merge_members(body: commands.MergeMembers, request: Request) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.MERGE_MEMBERS, body)
    return result


# -- import and export -----------------------------------------------------------------------


def roster_format(filename: str | None, content_type: str | None) -> str:
    """`xlsx` or `csv`, from the file's name, else its content type; Invalid naming `file`."""
    name = (filename or "").lower()
    for extension in ("xlsx", "csv"):
        if name.endswith("." + extension):
            return extension
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in FORMAT_OF_TYPE and "." not in name:
        return FORMAT_OF_TYPE[declared]
    msg = "upload the roster as .xlsx or .csv"
    raise Invalid(msg, [FieldError(loc=["file"], msg=msg, type="file_type")])


@router.post(
    "/import",
    summary="Import members from a roster (.xlsx or .csv): a report per row",
    description=(
        "A multipart upload (`file`, at most 700 000 bytes) with the export's columns. "
        "Every row is checked first; `mode=all_or_nothing` (default) writes nothing if any "
        "row is wrong, `valid_rows_only` writes the good ones; `dry_run=true` only checks. "
        "The answer is the report (200 even when rows are wrong: it says whether anything "
        "was written, and names each bad row, field and reason). A community admin names "
        "their community (`community_id`), and every row must live in it."
    ),
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=query_community, write=True),
)
async def import_members(
    request: Request,
    file: Annotated[UploadFile, File(description="the roster: .xlsx or .csv")],
    mode: Literal["all_or_nothing", "valid_rows_only"] = "all_or_nothing",
    dry_run: bool = False,
    community_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> Any:
    kind = roster_format(file.filename, file.content_type)
    content = await file.read(commands.MAX_ROSTER_BYTES + 1)
    if len(content) > commands.MAX_ROSTER_BYTES:
        msg = f"the roster is larger than {commands.MAX_ROSTER_BYTES} bytes: split it"
        return problem(
            413,
            msg,
            instance=request.url.path,
            errors=[field_error(["file"], msg, "too_large")],
        )
    if not content:
        msg = "the file is empty"
        raise Invalid(msg, [FieldError(loc=["file"], msg=msg, type="missing")])
    cmd = commands.ImportMembers(
        content_base64=base64.b64encode(content).decode(),
        format=kind,  # type: ignore[arg-type]
        mode=mode,
        dry_run=dry_run,
        community_id=community_id,
    )
    return await ask(request, commands.IMPORT_MEMBERS, cmd, timeout_s=60)


class ExportQuery(commands.ExportMembers):
    reason: Annotated[str, Field(max_length=REASON_MAX)] | None = Field(
        default=None, description="why: required with `reveal=true`, for the audit"
    )


@router.get(
    "/export",
    summary="The roster as a file (.xlsx or .csv), the import's columns; always audited",
    description=(
        "Phone and ID numbers are masked unless `reveal=true` with a `reason` (2-200 "
        "characters), for a subdistrict admin or an admin of the named community. Every "
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
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=query_community_or_team),
)
async def export_members(
    query: Annotated[ExportQuery, Query()],
    request: Request,
    caller: Annotated[Principal, Depends(current_principal)],
) -> Response:
    why = None
    if query.reveal:
        check_may_reveal(caller, query.community_id)
        why = reveal_reason(query.reason)
    cmd = commands.ExportMembers(**query.model_dump(exclude={"reason"}))
    exported: dict[str, Any] = await ask(request, commands.EXPORT_MEMBERS, cmd)
    try:
        content = base64.b64decode(exported["content_base64"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise Unavailable("the registry's export could not be read") from exc
    await record_or_refuse(
        request,
        "export",
        actor=caller,
        target=query.community_id or query.team_id or "all",
        detail={
            "resource": "members",
            "format": query.format,
            "community_id": query.community_id,
            "team_id": query.team_id,
            "status": query.status,
            "revealed": query.reveal,
            "fields": ["phone", "id_number"] if query.reveal else [],
            "rows": exported.get("rows"),
        },
        reason=why,
        refused="nothing was exported",
    )
    return Response(
        content,
        media_type=MEDIA_TYPES[query.format],
        headers={
            "Content-Disposition": attachment(
                str(exported.get("filename") or export_filename(query))
            ),
            "Cache-Control": NO_STORE,
        },
    )


def export_filename(query: commands.ExportMembers) -> str:
    scope = query.team_id or query.community_id or "all"
    day = datetime.now(UTC).strftime("%Y%m%d")
    return f"志愿者名册-{scope}-{day}.{query.format}"


def attachment(filename: str) -> str:
    """Content-Disposition for a download, its name in UTF-8 (RFC 6266 / 5987) with an
    ASCII fallback for old clients."""
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# -- one member ------------------------------------------------------------------------------


@router.get(
    "/{member_id}",
    summary="One member, personal data masked unless revealed",
    description=(
        "Name, phone and ID number come back masked (`李**`, `138****1234`, "
        "`110101********123X`). A subdistrict admin, or an admin of the member's home "
        "community, may ask for them with `reveal=name,phone,id_number` and a `reason` "
        "(2-200 characters); each reveal is written to the audit log before the answer is "
        "sent, and if it cannot be written nothing is revealed (503). API keys, team "
        "leaders and volunteers may not reveal. A volunteer reads only themselves; a team "
        "leader the members of their teams and sub-squads."
    ),
    **rule(
        *ADMINS,
        Role.TEAM_LEADER,
        Role.VOLUNTEER,
        Role.INTEGRATION,
        scope=Scope.SELF,
        target=member_self,
    ),
)
async def get_member(
    member_id: str,
    request: Request,
    response: Response,
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
    fields = fields_asked(reveal, REVEALABLE)
    if not fields:
        return found
    community = home_community(found)
    check_may_reveal(caller, community)
    why = reveal_reason(reason)
    revealed: dict[str, Any] = await ask(
        request,
        commands.GET_MEMBER,
        command(commands.GetMember, member_id=member_id, reveal=fields),
    )
    await record_or_refuse(
        request,
        "reveal",
        actor=caller,
        target=member_id,
        detail={
            "resource": "member",
            "member_id": member_id,
            "community_id": community,
            "fields": fields,
            # whose, without writing it out again
            "member": {"volunteer_no": found.get("volunteer_no"), "name": found.get("name")},
        },
        reason=why,
    )
    response.headers["Cache-Control"] = NO_STORE
    return revealed


@router.patch(
    "/{member_id}",
    summary="Change a member's profile; fields left out stay as they are",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community, write=True),
)
async def update_member(
    member_id: str, body: commands.UpdateMemberBody, request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.UpdateMember, member_id=member_id, **body.model_dump(exclude_unset=True))
    result: dict[str, Any] = await ask(request, commands.UPDATE_MEMBER, cmd)
    return result


@router.post(
    "/{member_id}/status",
    summary="Active, suspended or left (with the date and the reason); history kept",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community, write=True),
)
async def change_member_status(
    member_id: str, body: commands.ChangeMemberStatusBody, request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.ChangeMemberStatus, member_id=member_id, **body.model_dump())
    result: dict[str, Any] = await ask(request, commands.CHANGE_MEMBER_STATUS, cmd)
    return result
