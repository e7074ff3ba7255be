"""Accounts and API keys, managed by the subdistrict's administrators."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.gateway.accounts.model import AccountError, Principal, Role
from services.gateway.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    RolesUpdate,
    UserCreate,
    UserPublic,
)
from services.gateway.accounts.store import user_public
from services.gateway.authz import Scope, current_principal, rule
from shared.contracts.commands.common import MAX_PAGE_SIZE, Page
from shared.contracts.rpc import Conflict, FieldError, Invalid

router = APIRouter(prefix="/api/v1", tags=["accounts"])

ADMIN_READS = rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT)
ADMIN_WRITES = rule(Role.SUBDISTRICT_ADMIN, scope=Scope.SUBDISTRICT, write=True)
Caller = Annotated[Principal, Depends(current_principal)]


def invalid(exc: AccountError) -> Invalid:
    return Invalid(str(exc), [FieldError(loc=[exc.field], msg=str(exc), type="value_error")])


@router.post("/users", status_code=201, summary="Create an account", **ADMIN_WRITES)
async def create_user(body: UserCreate, request: Request, caller: Caller) -> UserPublic:
    try:
        user = await request.app.state.accounts.create_user(body)
    except AccountError as exc:
        raise invalid(exc) from exc
    await request.app.state.audit.record(
        "user_created", actor=caller, target=user["_id"], detail={"roles": user["roles"]}
    )
    return UserPublic(**user_public(user))


@router.get("/users", summary="Accounts, cursor-paged", **ADMIN_READS)
async def list_users(
    request: Request,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> Page:
    users = await request.app.state.accounts.list_users(cursor, limit + 1)
    page = users[:limit]
    return Page(
        items=[UserPublic(**user_public(u)).model_dump(mode="json") for u in page],
        next_cursor=page[-1]["_id"] if len(users) > limit else None,
    )


@router.put("/users/{user_id}/roles", summary="Change an account's roles", **ADMIN_WRITES)
async def set_roles(
    user_id: str, body: RolesUpdate, request: Request, caller: Caller
) -> UserPublic:
    accounts = request.app.state.accounts
    before = await accounts.get_user(user_id)
    try:
        user = await accounts.set_roles(user_id, body.roles, body.communities, body.teams)
    except AccountError as exc:
        raise invalid(exc) from exc
    await request.app.state.audit.record(
        "roles_changed",
        actor=caller,
        target=user_id,
        detail={
            "before": {k: before.get(k) for k in ("roles", "communities", "teams")},
            "after": body.model_dump(mode="json"),
        },
    )
    return UserPublic(**user_public(user))


@router.post("/api-keys", status_code=201, summary="Issue an API key", **ADMIN_WRITES)
async def create_api_key(body: ApiKeyCreate, request: Request, caller: Caller) -> ApiKeyCreated:
    key, record = await request.app.state.accounts.create_api_key(body, caller.id)
    await request.app.state.audit.record(
        "api_key_created", actor=caller, target=record["id"], detail={"scopes": record["scopes"]}
    )
    return ApiKeyCreated(id=record["id"], name=record["name"], scopes=record["scopes"], api_key=key)


@router.post(
    "/users/{user_id}/disable",
    summary="Disable an account (it cannot sign in or refresh; its sessions end)",
    **ADMIN_WRITES,
)
async def disable_user(user_id: str, request: Request, caller: Caller) -> UserPublic:
    if user_id == caller.id:
        raise Conflict("you cannot disable your own account; ask another administrator")
    user = await request.app.state.accounts.set_disabled(user_id, True)
    await request.app.state.audit.record("user_disabled", actor=caller, target=user_id)
    return UserPublic(**user_public(user))


@router.post("/users/{user_id}/enable", summary="Enable a disabled account", **ADMIN_WRITES)
async def enable_user(user_id: str, request: Request, caller: Caller) -> UserPublic:
    user = await request.app.state.accounts.set_disabled(user_id, False)
    await request.app.state.audit.record("user_enabled", actor=caller, target=user_id)
    return UserPublic(**user_public(user))


@router.delete(
    "/api-keys/{key_id}",
    status_code=204,
    summary="Revoke an API key (it stops working at once)",
    **ADMIN_WRITES,
)
async def revoke_api_key(key_id: str, request: Request, caller: Caller) -> Response:
    record = await request.app.state.accounts.revoke_api_key(key_id)
    await request.app.state.audit.record(
        "api_key_revoked",
        actor=caller,
        target=key_id,
        detail={"name": record["name"], "scopes": record["scopes"]},
    )
    return Response(status_code=204)
