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


class AccountDisabled(Exception):
    """The account is disabled: it may not change its password (it cannot sign in either)."""


@dataclass(frozen=True)
class TokenPolicy:
    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta
    max_failures: int
    lockout: timedelta
    audience: str | None = None  # the subdistrict id, the access tokens' `aud`


def token_version(user: Doc) -> int:
    """Bumped when the account's roles, status or password change; 0 if never."""
    return int(user.get("token_version") or 0)


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
    # A $set boolean may read back as 0/1 (nx-27017): normalise it.
    disabled = bool(user.get("disabled"))
    return {"id": user["_id"], **{k: user.get(k) for k in keys}, "disabled": disabled}


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
        await self.api_keys.create_index([("id", ASCENDING)])
        # A failure count lives until its window ends; expiry also keeps the collection
        # from growing without bound under a spray of made-up usernames and addresses.
        await self.failures.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)

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
        await self._change_and_end_sessions(user_id, changes)
        return await self.get_user(user_id)

    async def set_disabled(self, user_id: str, disabled: bool) -> Doc:
        """A disabled account cannot sign in or refresh; its sessions end now."""
        await self.get_user(user_id)
        if disabled:
            await self._change_and_end_sessions(user_id, {"disabled": True})
        else:
            await self.users.update_one({"_id": user_id}, {"$set": {"disabled": False}})
        return await self.get_user(user_id)

    async def _change_and_end_sessions(self, user_id: str, changes: Doc) -> None:
        # The new token_version makes refresh tokens issued before it (even one issued by a
        # refresh racing this change) useless; deleting them ends the sessions at once.
        await self.users.update_one(
            {"_id": user_id}, {"$set": changes, "$inc": {"token_version": 1}}
        )
        await self.refresh_tokens.delete_many({"user_id": user_id})

    async def get_user(self, user_id: str) -> Doc:
        user: Doc | None = await self.users.find_one({"_id": user_id})
        if user is None:
            raise NotFound(f"user {user_id} not found")
        return user

    async def list_users(self, cursor: str | None, limit: int) -> list[Doc]:
        filters = {"_id": {"$gt": cursor}} if cursor else {}
        return await self.users.find(filters, sort=[("_id", ASCENDING)], limit=limit).to_list()

    # -- sessions ------------------------------------------------------------------------

    async def login(
        self, username: str, password: str, client_ip: str, *, audience: str | None = None
    ) -> tuple[Doc, TokenPair]:
        """Failed attempts are counted per (username, client address): an attacker locks
        only their own address out, never the account's owner elsewhere. Unknown usernames
        are counted and locked alike, so the answers never say whether a name exists."""
        attempt = await self._take_attempt(username, client_ip)
        user: Doc | None = await self.users.find_one({"username": username})
        if not security.verify_password(user["password_hash"] if user else None, password):
            raise LoginFailed()
        assert user is not None
        if user.get("disabled"):  # truthiness: a $set boolean may read back as 1
            raise LoginFailed()
        await self.failures.delete_one({"_id": attempt})
        return user, await self._issue(user, audience)

    async def change_password(
        self,
        user_id: str,
        current: str,
        new: str,
        client_ip: str,
        *,
        audience: str | None = None,
    ) -> tuple[Doc, TokenPair]:
        """Needs the current password (counted like a login, so a stolen access token
        cannot guess it); ends every session and returns a fresh one for the caller."""
        user = await self.get_user(user_id)
        attempt = await self._take_attempt(user["username"], client_ip)
        if not security.verify_password(user["password_hash"], current):
            raise LoginFailed()
        if user.get("disabled"):
            raise AccountDisabled()
        await self.failures.delete_one({"_id": attempt})
        await self._change_and_end_sessions(user_id, {"password_hash": security.hash_password(new)})
        user = await self.get_user(user_id)
        return user, await self._issue(user, audience)

    async def _take_attempt(self, username: str, client_ip: str) -> str:
        """Count this attempt (atomically, before the password is checked) and raise
        LockedOut if it is over the limit: however many guesses arrive at once, at most
        `max_failures` per window reach the password check. The window starts at the
        first attempt and lasts `lockout`; once it has passed, counting starts afresh.
        Returns the record's id, deleted after a successful sign-in."""
        key = security.digest(f"{username}\n{client_ip}")
        lockout = self.policy.lockout
        for _ in range(5):
            now = datetime.now(UTC)
            try:
                # update_one, not find_one_and_update: nx-27017 ignores $setOnInsert in the
                # latter's upserts (docs/storage.md).
                await self.failures.update_one(
                    {"_id": key},
                    {
                        "$inc": {"attempts": 1},
                        "$setOnInsert": {"first_at": now, "expires_at": now + lockout},
                    },
                    upsert=True,
                )
            except DuplicateKeyError:  # another first attempt inserted it meanwhile
                continue
            record: Doc | None = await self.failures.find_one({"_id": key})
            if record is None:  # a sign-in or a reset removed it meanwhile
                continue
            ends = record["first_at"] + lockout
            if ends <= now:
                # The window has passed: start a new one. Guarded by first_at, so of
                # concurrent resets only one deletes, and never a newer window.
                await self.failures.delete_one({"_id": key, "first_at": record["first_at"]})
                continue
            # The count read may include attempts made after ours: it only errs on the
            # side of refusing.
            if record["attempts"] > self.policy.max_failures:
                raise LockedOut(int((ends - now).total_seconds()) + 1)
            return key
        raise LockedOut(1)  # could not count it (a storm of resets): refuse, never guess

    async def refresh(
        self, refresh_token: str, *, audience: str | None = None
    ) -> tuple[Doc, TokenPair]:
        # Single use: taking it out is the check, so a stolen copy cannot be reused after.
        stored: Doc | None = await self.refresh_tokens.find_one_and_delete(
            {"_id": security.digest(refresh_token)}
        )
        if stored is None or stored["expires_at"] <= datetime.now(UTC):
            raise security.TokenError("the refresh token is not valid or has expired")
        try:
            user = await self.get_user(stored["user_id"])
        except NotFound as exc:
            raise security.TokenError("the refresh token is not valid or has expired") from exc
        if user.get("disabled") or stored.get("ver", 0) != token_version(user):
            raise security.TokenError("the refresh token is not valid or has expired")
        return user, await self._issue(user, audience)

    async def logout(self, refresh_token: str) -> None:
        await self.refresh_tokens.delete_one({"_id": security.digest(refresh_token)})

    async def _issue(self, user: Doc, audience: str | None = None) -> TokenPair:
        """`audience`: the subdistrict the access token is for (else the policy's)."""
        refresh = security.opaque_token()
        await self.refresh_tokens.insert_one(
            {
                "_id": security.digest(refresh),
                "user_id": user["_id"],
                "ver": token_version(user),
                "expires_at": datetime.now(UTC) + self.policy.refresh_ttl,
            }
        )
        return TokenPair(
            access_token=security.access_token(
                principal_of(user),
                self.policy.secret,
                self.policy.access_ttl,
                audience=audience or self.policy.audience,
                version=token_version(user),
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

    async def revoke_api_key(self, key_id: str) -> Doc:
        """The key stops working at once: every request looks its digest up."""
        record: Doc | None = await self.api_keys.find_one({"id": key_id})
        if record is None:
            raise NotFound(f"API key {key_id} not found")
        await self.api_keys.delete_one({"_id": record["_id"]})
        return record

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
