"""The gateway's own database: accounts, refresh tokens, API keys, failed logins, audit."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.gateway.accounts import security
from services.gateway.accounts.model import Principal, Role, check_role_scopes
from services.gateway.accounts.schemas import ApiKeyCreate, TokenPair, UserCreate
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, NotFound

Doc = dict[str, Any]


class LoginFailed(Exception):
    """Wrong username or password (never saying which)."""


class LockedOut(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class TokenPolicy:
    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta
    max_failures: int
    lockout: timedelta


def principal_of(user: Doc) -> Principal:
    return Principal(
        id=user["_id"],
        name=user["display_name"],
        kind="user",
        roles=frozenset(Role(r) for r in user["roles"]),
        communities=frozenset(user.get("communities", [])),
        teams=frozenset(user.get("teams", [])),
        member_id=user.get("member_id"),
        partner_id=user.get("partner_id"),
    )


def user_public(user: Doc) -> dict[str, Any]:
    keys = (
        "username",
        "display_name",
        "roles",
        "communities",
        "teams",
        "member_id",
        "partner_id",
        "created_at",
    )
    return {"id": user["_id"], **{k: user.get(k) for k in keys}}


class AccountStore:
    def __init__(self, db: AsyncDatabase[Doc], policy: TokenPolicy) -> None:
        self.users = db["users"]
        self.refresh_tokens = db["refresh_tokens"]
        self.api_keys = db["api_keys"]
        self.failures = db["login_failures"]
        self.policy = policy

    async def create_indexes(self) -> None:
        await self.users.create_index([("username", ASCENDING)], unique=True)
        await self.refresh_tokens.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
        await self.refresh_tokens.create_index([("user_id", ASCENDING)])

    # -- users ---------------------------------------------------------------------------

    async def create_user(self, body: UserCreate) -> Doc:
        check_role_scopes(
            set(body.roles),
            set(body.communities),
            set(body.teams),
            body.member_id,
            body.partner_id,
        )
        user = {
            "_id": new_id(),
            **body.model_dump(exclude={"password"}, mode="json"),
            "password_hash": security.hash_password(body.password),
            "created_at": datetime.now(UTC),
        }
        try:
            await self.users.insert_one(user)
        except DuplicateKeyError as exc:
            raise Conflict(f"username {body.username!r} is taken") from exc
        return user

    async def set_roles(
        self, user_id: str, roles: list[Role], communities: list[str], teams: list[str]
    ) -> Doc:
        user = await self.get_user(user_id)
        check_role_scopes(
            set(roles),
            set(communities),
            set(teams),
            user.get("member_id"),
            user.get("partner_id"),
        )
        changes = {"roles": list(roles), "communities": communities, "teams": teams}
        await self.users.update_one({"_id": user_id}, {"$set": changes})
        # New roles take effect at the next login or refresh; end the old sessions now.
        await self.refresh_tokens.delete_many({"user_id": user_id})
        return {**user, **changes}

    async def get_user(self, user_id: str) -> Doc:
        user: Doc | None = await self.users.find_one({"_id": user_id})
        if user is None:
            raise NotFound(f"user {user_id} not found")
        return user

    async def list_users(self, cursor: str | None, limit: int) -> list[Doc]:
        filters = {"_id": {"$gt": cursor}} if cursor else {}
        return await self.users.find(filters, sort=[("_id", ASCENDING)], limit=limit).to_list()

    # -- sessions ------------------------------------------------------------------------

    async def login(self, username: str, password: str) -> tuple[Doc, TokenPair]:
        now = datetime.now(UTC)
        record: Doc | None = await self.failures.find_one({"_id": username})
        if record and record.get("locked_until") and record["locked_until"] > now:
            raise LockedOut(int((record["locked_until"] - now).total_seconds()) + 1)
        user: Doc | None = await self.users.find_one({"username": username})
        if not security.verify_password(user["password_hash"] if user else None, password):
            await self._count_failure(username, record, now)
            raise LoginFailed()
        assert user is not None
        if record:
            await self.failures.delete_one({"_id": username})
        return user, await self._issue(user)

    async def _count_failure(self, username: str, record: Doc | None, now: datetime) -> None:
        window_start = now - self.policy.lockout
        fresh = record is None or record["first_at"] < window_start
        failures = 1 if fresh else record["failures"] + 1  # type: ignore[index]
        doc = {
            "_id": username,
            "failures": failures,
            "first_at": now if fresh else record["first_at"],  # type: ignore[index]
            "locked_until": now + self.policy.lockout
            if failures >= self.policy.max_failures
            else None,
        }
        await self.failures.replace_one({"_id": username}, doc, upsert=True)

    async def refresh(self, refresh_token: str) -> tuple[Doc, TokenPair]:
        # Single use: taking it out is the check, so a stolen copy cannot be reused after.
        stored: Doc | None = await self.refresh_tokens.find_one_and_delete(
            {"_id": security.digest(refresh_token)}
        )
        if stored is None or stored["expires_at"] <= datetime.now(UTC):
            raise security.TokenError("the refresh token is not valid or has expired")
        user = await self.get_user(stored["user_id"])
        return user, await self._issue(user)

    async def logout(self, refresh_token: str) -> None:
        await self.refresh_tokens.delete_one({"_id": security.digest(refresh_token)})

    async def _issue(self, user: Doc) -> TokenPair:
        refresh = security.opaque_token()
        await self.refresh_tokens.insert_one(
            {
                "_id": security.digest(refresh),
                "user_id": user["_id"],
                "expires_at": datetime.now(UTC) + self.policy.refresh_ttl,
            }
        )
        return TokenPair(
            access_token=security.access_token(
                principal_of(user), self.policy.secret, self.policy.access_ttl
            ),
            expires_in=int(self.policy.access_ttl.total_seconds()),
            refresh_token=refresh,
        )

    # -- API keys ------------------------------------------------------------------------

    async def create_api_key(self, body: ApiKeyCreate, created_by: str) -> tuple[str, Doc]:
        key = security.opaque_token(security.API_KEY_PREFIX)
        record = {
            "_id": security.digest(key),
            "id": new_id(),
            "name": body.name,
            "scopes": ["read", "write"] if body.write else ["read"],
            "created_by": created_by,
            "created_at": datetime.now(UTC),
        }
        await self.api_keys.insert_one(record)
        return key, record

    async def principal_of_api_key(self, key: str) -> Principal | None:
        record: Doc | None = await self.api_keys.find_one({"_id": security.digest(key)})
        if record is None:
            return None
        return Principal(
            id=record["id"],
            name=record["name"],
            kind="api_key",
            roles=frozenset({Role.INTEGRATION}),
            scopes=frozenset(record["scopes"]),
        )


class AuditLog:
    """Who did what to whose data, when and why: logins, role changes, reveals, exports."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.entries = db["audit"]

    async def create_indexes(self) -> None:
        await self.entries.create_index([("action", ASCENDING)])

    async def record(
        self,
        action: str,
        *,
        actor: Principal | None,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        await self.entries.insert_one(
            {
                "_id": new_id(),  # time-ordered: the newest sort last
                "at": datetime.now(UTC),
                "action": action,
                "actor_id": actor.id if actor else None,
                "actor_name": actor.name if actor else None,
                "target": target,
                "detail": detail or {},
                "reason": reason,
            }
        )

    async def page(self, cursor: str | None, limit: int, action: str | None) -> list[Doc]:
        filters: Doc = {}
        if action:
            filters["action"] = action
        if cursor:
            filters["_id"] = {"$lt": cursor}
        return await self.entries.find(filters, sort=[("_id", DESCENDING)], limit=limit).to_list()
