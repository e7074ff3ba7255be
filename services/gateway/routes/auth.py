"""Sign in, refresh, sign out, and who am I."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from services.gateway.accounts.model import Principal
from services.gateway.accounts.schemas import LoginBody, Me, RefreshBody, TokenPair
from services.gateway.accounts.security import TokenError
from services.gateway.accounts.store import LockedOut, LoginFailed, principal_of
from services.gateway.authz import Scope, current_principal, rule, unauthorized

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/login", summary="Sign in with a username and password", **rule(scope=Scope.PUBLIC))
async def login(body: LoginBody, request: Request) -> TokenPair:
    state = request.app.state
    try:
        user, tokens = await state.accounts.login(body.username, body.password)
    except LockedOut as exc:
        await state.audit.record("login_locked", actor=None, target=body.username)
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after_s)}) from exc
    except LoginFailed as exc:
        await state.audit.record("login_failed", actor=None, target=body.username)
        raise unauthorized("wrong username or password") from exc
    await state.audit.record("login", actor=principal_of(user), target=user["_id"])
    return tokens  # type: ignore[no-any-return]


@router.post("/refresh", summary="Trade a refresh token for new tokens", **rule(scope=Scope.PUBLIC))
async def refresh(body: RefreshBody, request: Request) -> TokenPair:
    try:
        _, tokens = await request.app.state.accounts.refresh(body.refresh_token)
    except TokenError as exc:
        raise unauthorized(str(exc)) from exc
    return tokens  # type: ignore[no-any-return]


@router.post(
    "/logout",
    status_code=204,
    summary="Revoke a refresh token",
    **rule(scope=Scope.PUBLIC),  # holding the refresh token is the credential
)
async def logout(body: RefreshBody, request: Request) -> Response:
    await request.app.state.accounts.logout(body.refresh_token)
    return Response(status_code=204)


@router.get("/me", summary="The signed-in caller", **rule(scope=Scope.AUTHENTICATED))
async def me(principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    return Me(
        id=principal.id,
        name=principal.name,
        kind=principal.kind,
        roles=sorted(principal.roles),
        communities=sorted(principal.communities),
        teams=sorted(principal.teams),
        member_id=principal.member_id,
        partner_id=principal.partner_id,
        scopes=sorted(principal.scopes),
    )
