"""Micro-wishes (微心愿): submitted for a resident in need, reviewed by the community,
published on the wall with the resident masked, claimed by one member or partner unit,
fulfilled, confirmed, and the claimant credited. Who reaches what: wish_targets.py."""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request

from services.gateway import service_rpc
from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.service_rpc import command
from services.gateway.targets import found_resource, not_found
from services.gateway.wish_targets import (
    UNPUBLISHED,
    administers,
    as_admin,
    find_wish,
    is_claimant,
    masked,
    new_wish_community,
    visible,
    wish_admins,
    wish_claimer,
    wish_confirmer,
    wish_fulfiller,
)
from shared.contracts.commands import requests as commands
from shared.contracts.rpc import FieldError, Forbidden

router = APIRouter(prefix="/api/v1/wishes", tags=["wishes"])

ADMINS: Final = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
CLAIMANTS: Final = (*ADMINS, Role.TEAM_LEADER, Role.VOLUNTEER, Role.PARTNER)
WISH = "/{wish_id}"
Caller = Annotated[Principal, Depends(current_principal)]


async def ask(request: Request, name: str, body: Any) -> Any:
    return await service_rpc.ask(request, commands.SERVICE, name, body)


def _shown(answer: Any) -> Any:
    return masked(answer) if isinstance(answer, dict) else answer


@router.post(
    "",
    status_code=201,
    summary="Submit a wish for a resident in need (reviewed before it is published)",
    description=(
        "A community's admins submit wishes of their community; a volunteer or team "
        "leader one collected from a resident of any community (recorded as having "
        "entered it, so they may confirm it for the resident later)."
    ),
    **rule(
        *ADMINS,
        Role.TEAM_LEADER,
        Role.VOLUNTEER,
        scope=Scope.COMMUNITY,
        target=new_wish_community,
        write=True,
    ),
)
async def submit_wish(body: commands.SubmitWish, request: Request) -> Any:
    return _shown(await ask(request, commands.SUBMIT_WISH, body))


@router.get(
    "",
    summary="The wish wall: published, claimed, fulfilled and confirmed wishes, residents "
    "masked; cursor-paged",
    description=(
        "Submitted and rejected wishes (`status=submitted|rejected`) are for the "
        "community's admins: a community admin names their community."
    ),
    **rule(scope=Scope.AUTHENTICATED),
)
async def wish_wall(
    query: Annotated[commands.WishWall, Query()], request: Request, caller: Caller
) -> Any:
    if query.status in UNPUBLISHED and not _administers_listing(caller, query.community_id):
        msg = "submitted and rejected wishes are for the community's admins"
        raise Forbidden(msg, [FieldError(loc=["status"], msg=msg, type="forbidden")])
    page = await ask(request, commands.WISH_WALL, query)
    if isinstance(page, dict) and isinstance(page.get("items"), list):
        items = [_shown(item) for item in page["items"] if _on_wall(caller, item)]
        return {**page, "items": items}
    return page


def _administers_listing(caller: Principal, community_id: str | None) -> bool:
    if caller.kind != "user":
        return False
    if community_id is None:
        return Role.SUBDISTRICT_ADMIN in caller.roles
    return caller.covers_community(community_id)


def _on_wall(caller: Principal, item: Any) -> bool:
    """A wish the caller may see (the service filters by status; this holds it to it)."""
    return not isinstance(item, dict) or visible(caller, item)


@router.get(
    WISH,
    summary="One wish, the resident masked",
    description="A submitted or rejected wish is found by its community's admins only.",
    **rule(scope=Scope.AUTHENTICATED),
)
async def get_wish(wish_id: str, request: Request, caller: Caller) -> Any:
    found = await find_wish(request, wish_id)
    if found is None or not visible(caller, found):
        raise not_found()
    return _shown(found)


@router.post(
    WISH + "/review",
    summary="Publish a submitted wish (the resident masked) or reject it with a reason",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=wish_admins, write=True),
)
async def review_wish(wish_id: str, body: commands.ReviewWishBody, request: Request) -> Any:
    found_resource(request)
    cmd = command(commands.ReviewWish, wish_id=wish_id, **body.model_dump())
    return _shown(await ask(request, commands.REVIEW_WISH, cmd))


@router.post(
    WISH + "/claim",
    summary="Claim a published wish: one claimant only (a second claim is a 409)",
    description=(
        "A volunteer claims as themselves (`claimant_type=member`, their member id), a "
        "partner account as its partner unit; the community's admins for anyone."
    ),
    **rule(*CLAIMANTS, scope=Scope.COMMUNITY, target=wish_claimer, write=True),
)
async def claim_wish(
    wish_id: str, body: commands.ClaimWishBody, request: Request, caller: Caller
) -> Any:
    found_resource(request)
    if not as_admin(request) and not claims_as_themselves(caller, body):
        msg = "claim as yourself: your own member id, or your partner unit's id"
        raise Forbidden(msg, [FieldError(loc=["claimant_id"], msg=msg, type="forbidden")])
    cmd = command(commands.ClaimWish, wish_id=wish_id, **body.model_dump())
    return _shown(await ask(request, commands.CLAIM_WISH, cmd))


def claims_as_themselves(caller: Principal, body: commands.ClaimWishBody) -> bool:
    if body.claimant_type == "member":
        return caller.member_id is not None and body.claimant_id == caller.member_id
    return caller.partner_id is not None and body.claimant_id == caller.partner_id


@router.post(
    WISH + "/fulfil",
    summary="The claimant reports the wish fulfilled, with photo references",
    description="The claimant, or the community's admins.",
    **rule(*CLAIMANTS, scope=Scope.COMMUNITY, target=wish_fulfiller, write=True),
)
async def fulfil_wish(wish_id: str, body: commands.FulfilWishBody, request: Request) -> Any:
    found_resource(request)
    cmd = command(commands.FulfilWish, wish_id=wish_id, **body.model_dump())
    return _shown(await ask(request, commands.FULFIL_WISH, cmd))


@router.post(
    WISH + "/confirm",
    summary="The resident confirms (or the volunteer who entered it, for them): the "
    "claimant is credited",
    description=(
        "The community's admins, or the volunteer who entered the wish; never the "
        "claimant (nobody credits themselves)."
    ),
    **rule(*ADMINS, Role.VOLUNTEER, scope=Scope.COMMUNITY, target=wish_confirmer, write=True),
)
async def confirm_wish(
    wish_id: str, body: commands.ConfirmWishBody, request: Request, caller: Caller
) -> Any:
    found = found_resource(request)
    if is_claimant(caller, found) and not administers(caller, found):
        msg = "the claimant does not confirm their own wish"
        raise Forbidden(msg, [FieldError(loc=["wish_id"], msg=msg, type="forbidden")])
    cmd = command(commands.ConfirmWish, wish_id=wish_id, **body.model_dump())
    return _shown(await ask(request, commands.CONFIRM_WISH, cmd))
