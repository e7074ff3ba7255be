"""Notices posted by staff (停水通知, a meeting): to the residents of a building, compound or
community, or to a team. The notify service fans a notice out like any event (its rule:
NoticePosted), each member on the channels they chose, outside their quiet hours unless
urgent, and to the groups' robots."""

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.gateway import service_rpc
from services.gateway.accounts.model import Principal, Role, caller_identity
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.idempotency import HEADER as IDEMPOTENCY_KEY
from services.gateway.notify_targets import check_notice_community, notice_target
from services.gateway.targets import found_resource
from shared.contracts.commands import notify as commands
from shared.contracts.ids import new_id

router = APIRouter(prefix="/api/v1/notify/notices", tags=["notify"])
Caller = Annotated[Principal, Depends(current_principal)]


def notice_id(caller: Principal, idempotency_key: str | None) -> str:
    """A retry with the same Idempotency-Key names the same notice (the service posts it
    once), even after an answer the client never got; without a key, a new one."""
    if not idempotency_key:
        return new_id()
    pair = json.dumps([caller_identity(caller), idempotency_key])
    return hashlib.sha256(pair.encode()).hexdigest()


@router.post(
    "",
    status_code=201,
    summary="Post a notice to a building's, compound's or community's residents, or a team",
    description=(
        "`scope`: `building:<id>`, `compound:<id>`, `community:<id>` or `team:<id>`, lying "
        "in `community_id` (else 422). A community's admins post in their community; a team "
        "leader to their team and its sub-squads. `priority: urgent` goes through quiet "
        "hours. The English text may be left out. Send an `Idempotency-Key` to post once "
        "however often the call is repeated."
    ),
    **rule(
        Role.SUBDISTRICT_ADMIN,
        Role.COMMUNITY_ADMIN,
        Role.TEAM_LEADER,
        scope=Scope.TEAM,
        target=notice_target,
        write=True,
    ),
)
async def post_notice(body: commands.PostNoticeBody, request: Request, caller: Caller) -> Any:
    check_notice_community(body, found_resource(request))
    posted_id = notice_id(caller, request.headers.get(IDEMPOTENCY_KEY))
    notice = commands.PostNotice(**body.model_dump(), notice_id=posted_id)
    answer = await service_rpc.ask(request, commands.SERVICE, commands.POST_NOTICE, notice)
    if isinstance(answer, dict):
        return {"notice_id": posted_id, **answer}
    return {"notice_id": posted_id}
