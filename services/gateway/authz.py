"""Authorization in one place. Every route declares a rule:

    @router.get("/things/{id}", **rule(Role.COMMUNITY_ADMIN, scope=Scope.COMMUNITY,
                                       target=thing_community))

`rule` adds a dependency that runs before the handler (401 without credentials, 403 for a
role or scope the caller lacks, 404 for a resource outside the caller's scope, so its
existence does not leak) and records the rule in the OpenAPI document (`x-redvest-rule`),
where a test reads every route's rule. `create_app` refuses to start if a route has none.

The scope's target comes from the resource (a path id, looked up) or from the scope the
request names (a query parameter, or the location in a body that creates something) and
never from a role the caller claims.
"""

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any, Final

from fastapi import Depends, HTTPException, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from services.gateway.accounts.model import Principal, Role
from services.gateway.accounts.security import TokenError, principal_from_token

RULE_KEY: Final = "x-redvest-rule"


class Scope(StrEnum):
    PUBLIC = "public"  # anyone, no credentials
    AUTHENTICATED = "authenticated"  # any signed-in caller
    SUBDISTRICT = "subdistrict"  # the role alone decides
    COMMUNITY = "community"  # the target community must be the caller's
    TEAM = "team"  # the target team must be the caller's
    SELF = "self"  # the target member must be the caller


class Target:
    """What a request touches, as a target resolver found it.

    `value` is the community (COMMUNITY scope), the team (TEAM) or the member (SELF).
    A team or member target may say more, so that the people above it reach it too:
    `community` (its community's admins reach it) and `teams` (the team and the teams above
    it, for TEAM, default `(value,)`; the teams a member is in and those above them, for
    SELF: their leaders reach it, so a team leader's scope covers their sub-squads)."""

    def __init__(
        self,
        value: str | None,
        *,
        from_resource: bool = False,
        community: str | None = None,
        teams: tuple[str, ...] | None = None,
    ) -> None:
        self.value = value
        self.from_resource = from_resource
        self.community = community
        self.teams = teams


# A body the validator will reject anyway: no scope to check, and the 422 says why.
UNCHECKABLE = Target(None)

TargetResolver = Callable[..., Awaitable[Target]]


async def no_target() -> Target:
    return Target(None)


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="redvest"'})


# Declared as FastAPI security schemes so the OpenAPI document (and /docs) shows them.
_bearer = HTTPBearer(auto_error=False, description="an access token from /api/v1/auth/login")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="an integration's key")


async def authenticate(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal | None:
    """The caller, from `Authorization: Bearer <access token>` or `X-API-Key`.

    An access token is checked here every time (a signature and a few claims: cheap), with
    its audience, the gateway's subdistrict: a token another deployment signed is refused
    even if the two share a secret. Only an API key (or no credentials) is taken from what
    the idempotency middleware found already, which saves a database read."""
    if not request.headers.get("authorization") and hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    try:
        principal = await principal_from_head(request.app, request.headers, api_key)
    except BadCredentials as exc:
        raise unauthorized(str(exc)) from exc
    request.state.principal = principal
    return principal


class BadCredentials(Exception):
    """Credentials were sent but are not valid; the message says why."""


async def principal_from_head(
    app: Any, headers: Mapping[str, str], api_key: str | None
) -> Principal | None:
    """Who a request's head says is calling: the bearer token if there is one (with its
    audience, the gateway's subdistrict, so a token another deployment signed is refused even
    if the two share a secret), else the API key; None without credentials. The one place
    that decides it, for `authenticate` and for the middlewares that run before it."""
    header = headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise BadCredentials("use 'Authorization: Bearer <access token>'")
        settings = app.state.settings
        try:
            return principal_from_token(
                token, settings.jwt_secret, getattr(settings, "subdistrict", None)
            )
        except TokenError as exc:
            raise BadCredentials(str(exc)) from exc
    if api_key:
        principal: Principal | None = await app.state.accounts.principal_of_api_key(api_key)
        if principal is None:
            raise BadCredentials("the API key is not valid")
        return principal
    return None


def authorize(
    principal: Principal | None,
    roles: frozenset[Role],
    scope: Scope,
    target: Target,
    write: bool,
) -> None:
    if scope is Scope.PUBLIC:
        return
    if principal is None:
        raise unauthorized("sign in first (POST /api/v1/auth/login) or send an API key")
    if write and not principal.may_write():  # before AUTHENTICATED: it writes too
        raise HTTPException(403, "this API key may only read")
    if scope is Scope.AUTHENTICATED:
        return
    if not principal.roles & roles:
        raise HTTPException(403, f"this needs one of the roles: {', '.join(sorted(roles))}")
    if scope is Scope.SUBDISTRICT or target is UNCHECKABLE:
        return
    allowed = _covers(principal, scope, target)
    if not allowed and target.from_resource:
        raise HTTPException(
            404, "not found"
        )  # outside the caller's scope: do not confirm it exists
    if not allowed:
        what = {"community": "community", "team": "team", "self": "member"}[scope.value]
        if target.value is None:
            raise HTTPException(403, f"name the {what} (your role reaches only some)")
        raise HTTPException(403, f"the {what} {target.value!r} is outside your scope")


def _covers(principal: Principal, scope: Scope, target: Target) -> bool:
    if target.value is None:  # the request names no target: only subdistrict-wide roles reach all
        return principal.subdistrict_wide
    if scope is Scope.COMMUNITY:
        return principal.covers_community(target.value)
    if principal.subdistrict_wide:
        return True
    if target.community is not None and principal.covers_community(target.community):
        return True
    teams = (
        target.teams
        if target.teams is not None
        else ((target.value,) if scope is Scope.TEAM else ())
    )
    if Role.TEAM_LEADER in principal.roles and principal.teams.intersection(teams):
        return True
    return scope is Scope.SELF and principal.member_id == target.value


def rule(
    *roles: Role,
    scope: Scope,
    target: TargetResolver = no_target,
    write: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the dependency and its OpenAPI record."""
    allowed = frozenset(roles)

    async def check(
        principal: Annotated[Principal | None, Depends(authenticate)],
        resolved: Annotated[Target, Depends(target)],
    ) -> None:
        authorize(principal, allowed, scope, resolved, write)

    record = {"scope": scope.value, "roles": sorted(allowed), "write": write}
    dependencies = [] if scope is Scope.PUBLIC else [Depends(check)]
    return {"dependencies": dependencies, "openapi_extra": {RULE_KEY: record}}


# Public, and not ours to annotate: probes and metrics from shared plumbing
# (shared/runtime/health.py), and the API docs pages the framework adds.
INFRASTRUCTURE = frozenset(
    {"/healthz/live", "/healthz/ready", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc"}
)


def routes_without_rule(routes: list[Any]) -> list[str]:
    return [
        f"{sorted(r.methods or ())} {r.path}"
        for r in routes
        if isinstance(r, APIRoute)
        and r.path not in INFRASTRUCTURE
        and RULE_KEY not in (r.openapi_extra or {})
    ]


def current_principal(request: Request) -> Principal:
    """For handlers, after the rule ran: the caller (never None on a non-public route)."""
    principal: Principal = request.state.principal
    return principal
