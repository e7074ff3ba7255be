"""Volunteer service records (志愿服务记录): hours credited, corrections, star levels,
time-bank points and the service proof (志愿服务证明), JSON and a printable page."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from services.gateway.accounts.model import Role
from services.gateway.authz import Scope, rule
from services.gateway.proof_page import render_proof
from services.gateway.registry_rpc import ask, command
from services.gateway.registry_targets import member_community, member_self
from services.gateway.reveal import NO_STORE
from services.gateway.targets import found_resource, query_community
from shared.contracts.commands import registry as commands

router = APIRouter(tags=["service records"])

ADMINS = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
MEMBER = "/api/v1/members/{member_id}"


@router.get(
    MEMBER + "/record",
    summary="A volunteer's service record: entries, hours, star level, points balance",
    **rule(
        *ADMINS,
        Role.TEAM_LEADER,
        Role.VOLUNTEER,
        Role.INTEGRATION,
        scope=Scope.SELF,
        target=member_self,
    ),
)
async def get_record(
    member_id: str, query: Annotated[commands.GetRecordBody, Query()], request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.GetRecord, member_id=member_id, **query.model_dump())
    result: dict[str, Any] = await ask(request, commands.GET_RECORD, cmd)
    return result


@router.post(
    MEMBER + "/record/credits",
    status_code=201,
    summary="Credit hours served before the system (a paper record); once per reference",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community, write=True),
)
async def credit_hours(
    member_id: str, body: commands.CreditHoursBody, request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.CreditHours, member_id=member_id, **body.model_dump())
    result: dict[str, Any] = await ask(request, commands.CREDIT_HOURS, cmd)
    return result


@router.post(
    MEMBER + "/corrections",
    status_code=201,
    summary="Ask to correct an entry of the record (the volunteer, a leader or an admin)",
    **rule(
        *ADMINS,
        Role.TEAM_LEADER,
        Role.VOLUNTEER,
        scope=Scope.SELF,
        target=member_self,
        write=True,
    ),
)
async def request_correction(
    member_id: str, body: commands.RequestCorrectionBody, request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.RequestCorrection, member_id=member_id, **body.model_dump())
    result: dict[str, Any] = await ask(request, commands.REQUEST_CORRECTION, cmd)
    return result


@router.post(
    MEMBER + "/corrections/{correction_id}/decision",
    summary="Approve or reject a correction (an admin of the member's community)",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community, write=True),
)
async def decide_correction(
    member_id: str,
    correction_id: Annotated[str, Path(max_length=64)],
    body: commands.DecideCorrectionBody,
    request: Request,
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(
        commands.DecideCorrection,
        member_id=member_id,
        correction_id=correction_id,
        **body.model_dump(),
    )
    result: dict[str, Any] = await ask(request, commands.DECIDE_CORRECTION, cmd)
    return result


@router.get(
    "/api/v1/corrections",
    summary="Corrections waiting for a decision (or decided), of a community; cursor-paged",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=query_community),
)
async def list_corrections(
    query: Annotated[commands.ListCorrections, Query()], request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await ask(request, commands.LIST_CORRECTIONS, query)
    return result


@router.post(
    MEMBER + "/stars/{level}/approve",
    summary="Approve a star level that waits for approval (5★ by default)",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community, write=True),
)
async def approve_star(
    member_id: str, level: Annotated[int, Path(ge=1, le=5)], request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.ApproveStar, member_id=member_id, level=level)
    result: dict[str, Any] = await ask(request, commands.APPROVE_STAR, cmd)
    return result


@router.post(
    MEMBER + "/points/redemptions",
    status_code=201,
    summary="Withdraw time-bank points exchanged for something; once per reference",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community, write=True),
)
async def redeem_points(
    member_id: str, body: commands.RedeemPointsBody, request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.RedeemPoints, member_id=member_id, **body.model_dump())
    result: dict[str, Any] = await ask(request, commands.REDEEM_POINTS, cmd)
    return result


@router.get(
    MEMBER + "/points",
    summary="The time-bank statement: deposits, withdrawals, running balance",
    **rule(*ADMINS, Role.TEAM_LEADER, Role.VOLUNTEER, scope=Scope.SELF, target=member_self),
)
async def points_statement(
    member_id: str, query: Annotated[commands.PointsStatementBody, Query()], request: Request
) -> dict[str, Any]:
    found_resource(request)
    cmd = command(commands.PointsStatement, member_id=member_id, **query.model_dump())
    result: dict[str, Any] = await ask(request, commands.POINTS_STATEMENT, cmd)
    return result


async def issue_proof(member_id: str, query: commands.GetProofBody, request: Request) -> Any:
    """A new proof (its number recorded by the registry), for the JSON, page and PDF routes."""
    found_resource(request)
    cmd = command(commands.GetProof, member_id=member_id, **query.model_dump())
    return await ask(request, commands.GET_PROOF, cmd)


def proof_rule() -> dict[str, Any]:
    """A volunteer their own; admins of the member's community (team leaders do not issue)."""
    return rule(*ADMINS, Role.VOLUNTEER, scope=Scope.SELF, target=member_self)


@router.get(
    MEMBER + "/proof",
    summary="The data of a volunteer service proof (志愿服务证明) for a period",
    description="Each call issues a new proof number; the handler is the caller.",
    **proof_rule(),
)
async def get_proof(
    member_id: str, query: Annotated[commands.GetProofBody, Query()], request: Request
) -> dict[str, Any]:
    result: dict[str, Any] = await issue_proof(member_id, query, request)
    return result


@router.get(
    MEMBER + "/proof.html",
    summary="The volunteer service proof (志愿服务证明) as a printable page",
    response_class=HTMLResponse,
    **proof_rule(),
)
async def get_proof_page(
    member_id: str, query: Annotated[commands.GetProofBody, Query()], request: Request
) -> HTMLResponse:
    proof = await issue_proof(member_id, query, request)
    return HTMLResponse(render_proof(proof), headers={"Cache-Control": NO_STORE})
