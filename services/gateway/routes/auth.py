"""Sign in, refresh, sign out, change one's password, and who am I."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from services.gateway.accounts.model import Principal
from services.gateway.accounts.schemas import (
    LoginBody,
    Me,
    PasswordChange,
    RefreshBody,
    TokenPair,
)
from services.gateway.accounts.security import TokenError
from services.gateway.accounts.store import AccountDisabled, LockedOut, LoginFailed, principal_of
from services.gateway.authz import Scope, current_principal, rule, unauthorized
from shared.contracts.rpc import FieldError, Invalid

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def client_ip(request: Request) -> str:
    """Failed logins are counted per username and this address."""
    return request.client.host if request.client else "unknown"


def locked(exc: LockedOut) -> HTTPException:
    return HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after_s)})


@router.post("/login", summary="Sign in with a username and password", **rule(scope=Scope.PUBLIC))
async def login(body: LoginBody, request: Request) -> TokenPair:
    state = request.app.state
    ip = client_ip(request)
    try:
        user, tokens = await state.accounts.login(
            body.username, body.password, ip, audience=state.settings.subdistrict
        )
    except LockedOut as exc:
        await state.audit.record(
            "login_locked", actor=None, target=body.username, detail={"client": ip}
        )
        raise locked(exc) from exc
    except LoginFailed as exc:
        await state.audit.record(
            "login_failed", actor=None, target=body.username, detail={"client": ip}
        )
        raise unauthorized("wrong username or password") from exc
    await state.audit.record("login", actor=principal_of(user), target=user["_id"])
    return tokens  # type: ignore[no-any-return]


@router.post("/refresh", summary="Trade a refresh token for new tokens", **rule(scope=Scope.PUBLIC))
async def refresh(body: RefreshBody, request: Request) -> TokenPair:
    state = request.app.state
    try:
        _, tokens = await state.accounts.refresh(
            body.refresh_token, audience=state.settings.subdistrict
        )
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


@router.put(
    "/password",
    summary="Change one's own password (ends every other session)",
    **rule(scope=Scope.AUTHENTICATED, write=True),
)
async def change_password(
    body: PasswordChange,
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
) -> TokenPair:
    """Wrong current passwords count towards the lockout, as failed logins do. The answer
    is a fresh pair of tokens for the caller: every earlier refresh token is revoked."""
    if principal.kind != "user":
        raise HTTPException(403, "an API key has no password; revoke it and issue another")
    state = request.app.state
    try:
        user, tokens = await state.accounts.change_password(
            principal.id,
            body.current_password,
            body.new_password,
            client_ip(request),
            audience=state.settings.subdistrict,
        )
    except LockedOut as exc:
        raise locked(exc) from exc
    except LoginFailed as exc:
        message = "the current password is wrong"
        raise Invalid(
            message, [FieldError(loc=["current_password"], msg=message, type="value_error")]
        ) from exc
    except AccountDisabled as exc:
        raise HTTPException(403, "the account is disabled") from exc
    await state.audit.record("password_changed", actor=principal, target=user["_id"])
    return tokens  # type: ignore[no-any-return]


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
