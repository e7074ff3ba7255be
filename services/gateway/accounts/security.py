"""Password hashes (Argon2), access tokens (JWT, HS256), refresh tokens and API keys."""

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.gateway.accounts.model import Principal, Role

_hasher = PasswordHasher()
# Verified when the user does not exist, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password")

API_KEY_PREFIX = "rvk_"


class TokenError(Exception):
    """The token is missing, malformed, tampered with, or expired; the message says which."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def opaque_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Refresh tokens and API keys are stored only as this digest."""
    return hashlib.sha256(token.encode()).hexdigest()


def access_token(
    principal: Principal,
    secret: str,
    ttl: timedelta,
    *,
    audience: str | None = None,
    version: int = 0,
) -> str:
    """`audience` is the subdistrict id (claim `aud`): a deployment accepts only its own
    tokens even if another one shares its secret. `version` is the account's
    `token_version` (claim `ver`), bumped when its roles, status or password change."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": principal.id,
        "name": principal.name,
        "roles": sorted(principal.roles),
        "communities": sorted(principal.communities),
        "teams": sorted(principal.teams),
        "member_id": principal.member_id,
        "partner_id": principal.partner_id,
        "typ": "access",
        "iat": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
        "ver": version,
    }
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


def principal_from_token(token: str, secret: str, audience: str | None = None) -> Principal:
    """With `audience` (the gateway's subdistrict id) the token must carry it as `aud`;
    without, `aud` is not checked (only for callers that merely identify, never authorize)."""
    required = ["exp", "sub", "typ"] + (["aud"] if audience is not None else [])
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=audience,
            options={"require": required, "verify_aud": audience is not None},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("the access token has expired; refresh it") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("the access token is not valid") from exc
    if claims["typ"] != "access":
        raise TokenError("not an access token")
    return Principal(
        id=claims["sub"],
        name=claims.get("name", ""),
        kind="user",
        roles=frozenset(Role(r) for r in claims.get("roles", [])),
        communities=frozenset(claims.get("communities", [])),
        teams=frozenset(claims.get("teams", [])),
        member_id=claims.get("member_id"),
        partner_id=claims.get("partner_id"),
        expires_at=float(claims["exp"]),
    )
