"""Notification rules: for each event type, who hears of it, how urgently, on which channels,
saying what (a zh-CN and an English template). The subdistrict's admins edit them; the
communities' admins read them (to know who is told what)."""

from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request

from services.gateway import service_rpc
from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.service_rpc import command
from shared.contracts.commands import notify as commands

router = APIRouter(prefix="/api/v1/notify/rules", tags=["notify"])

RULE: Final = "/{event_type}"
READERS: Final = frozenset({Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.INTEGRATION})


async def ask(request: Request, name: str, body: Any) -> Any:
    return await service_rpc.ask(request, commands.SERVICE, name, body)


def staff_only(request: Request) -> None:
    """Rules are one table for the whole subdistrict, not a community's: any admin reads
    them (the route's scope is "authenticated"; the role is checked here)."""
    caller: Principal = current_principal(request)
    if not caller.roles & READERS:
        raise HTTPException(403, "the rules are for the subdistrict's and communities' admins")


@router.get(
    "",
    summary="Every rule: event type, audiences, priority, channels, enabled, templates",
    description="Readable by subdistrict and community admins (and integrations).",
    **rule(scope=Scope.AUTHENTICATED),
)
async def list_rules(request: Request) -> Any:
    staff_only(request)
    return await ask(request, commands.LIST_RULES, commands.ListRules())


@router.get(
    RULE,
    summary="One event type's rule, with the template variables it may use",
    description="Readable by subdistrict and community admins (and integrations).",
    **rule(scope=Scope.AUTHENTICATED),
)
async def get_rule(event_type: str, request: Request) -> Any:
    staff_only(request)
    return await ask(request, commands.GET_RULE, command(commands.GetRule, event_type=event_type))


@router.put(
    RULE,
    summary="Change an event type's rule (audiences, priority, channels, templates)",
    description=(
        "Templates are Jinja2 in a sandbox: `{{ title }}`, `{{ starts_at | time }}`. A "
        "variable the event type does not have is refused with 422 naming the template "
        "(`templates.zh-CN.body`); GET the rule for the variables. `enabled: false` makes "
        "the event type silent. Applies to the next event at once, on every replica."
    ),
    **rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT, write=True),
)
async def put_rule(event_type: str, body: commands.RuleBody, request: Request) -> Any:
    change = command(commands.PutRule, event_type=event_type, **body.model_dump())
    return await ask(request, commands.PUT_RULE, change)


@router.post(
    RULE + "/reset",
    summary="Bring an event type's rule back to the built-in default",
    **rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT, write=True),
)
async def reset_rule(event_type: str, request: Request) -> Any:
    reset = command(commands.ResetRule, event_type=event_type)
    return await ask(request, commands.RESET_RULE, reset)
