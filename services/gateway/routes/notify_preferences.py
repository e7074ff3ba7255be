"""Members' notification preferences: channels, language, quiet hours, the daily digest,
and a volunteer who receives a resident's notices for them (elders without smartphones).

A volunteer sets their own (`/me`); a resident reached by proxy has theirs set by the admins
of their home community (`/members/{member_id}/notify-preferences`). Contact addresses come
back masked."""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request

from services.gateway import service_rpc
from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.notify_targets import member_of
from services.gateway.notify_view import preferences_view
from services.gateway.registry_targets import member_community
from services.gateway.service_rpc import command
from services.gateway.targets import found_resource
from shared.contracts.commands import notify as commands
from shared.contracts.rpc import FieldError, Forbidden

router = APIRouter(tags=["notify"])

ME: Final = "/api/v1/notify/preferences/me"
OF_MEMBER: Final = "/api/v1/members/{member_id}/notify-preferences"
ADMINS: Final = (Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN)
Caller = Annotated[Principal, Depends(current_principal)]


async def _get(request: Request, member_id: str) -> Any:
    query = command(commands.GetPreferences, member_id=member_id)
    return await service_rpc.ask(request, commands.SERVICE, commands.GET_PREFERENCES, query)


async def _put(request: Request, member_id: str, body: commands.PreferencesBody) -> Any:
    # Left-out addresses stay as stored (views show them masked): send only what was given.
    given = body.model_dump(exclude_unset=True)
    change = command(commands.PutPreferences, member_id=member_id, **given)
    return await service_rpc.ask(request, commands.SERVICE, commands.PUT_PREFERENCES, change)


@router.get(
    ME,
    summary="My notification preferences (defaults until I choose), addresses masked",
    description="For an account tied to a member (a volunteer).",
    **rule(scope=Scope.AUTHENTICATED),
)
async def my_preferences(request: Request, caller: Caller) -> Any:
    return preferences_view(await _get(request, member_of(caller)))


@router.put(
    ME,
    summary="Set my notification preferences",
    description=(
        "Channels (inbox, email, sms: an address is needed for the last two), language, "
        "quiet hours (null: any hour; urgent messages always go through), the daily digest "
        "of low-priority messages. Who receives one's notices by proxy (`via_member_id`) "
        "is for the community's admins to set: here it may only stay as it is."
    ),
    **rule(scope=Scope.AUTHENTICATED, write=True),
)
async def set_my_preferences(
    body: commands.PreferencesBody, request: Request, caller: Caller
) -> Any:
    member_id = member_of(caller)
    if body.via_member_id is not None:
        current = await _get(request, member_id)
        if not isinstance(current, dict) or current.get("via_member_id") != body.via_member_id:
            msg = "a proxy is set by your community's admins"
            raise Forbidden(msg, [FieldError(loc=["via_member_id"], msg=msg, type="forbidden")])
    return preferences_view(await _put(request, member_id, body))


@router.get(
    OF_MEMBER,
    summary="A member's notification preferences, addresses masked",
    description="For a resident reached by proxy: their home community's admins.",
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community),
)
async def member_preferences(member_id: str, request: Request) -> Any:
    found_resource(request)
    return preferences_view(await _get(request, member_id))


@router.put(
    OF_MEMBER,
    summary="Set a member's notification preferences (e.g. reached through a volunteer)",
    description=(
        "`via_member_id`: the volunteer whose inbox also gets this member's notices, "
        "titled 【代收】 with the member's masked name."
    ),
    **rule(*ADMINS, scope=Scope.COMMUNITY, target=member_community, write=True),
)
async def set_member_preferences(
    member_id: str, body: commands.PreferencesBody, request: Request
) -> Any:
    found_resource(request)
    return preferences_view(await _put(request, member_id, body))
