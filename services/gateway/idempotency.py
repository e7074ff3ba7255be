"""Idempotency-Key on every POST: a client that retries a POST with the same key gets the
first answer again instead of a second effect (a second request, a second account).

With an `Idempotency-Key` header (1-255 printable ASCII characters) the first request
*claims* the key for its caller, runs, and its response (status, body, content type) is
stored in the gateway's database, collection `idempotency_keys`, for
`GATEWAY_IDEMPOTENCY_TTL_S` (24 h; a TTL index on `expires_at` forgets it). Then, for the
same caller and key:

- the same body and query string (SHA-256 of the raw bytes of each) and path: the stored
  response again, with `Idempotent-Replayed: true`; the handler does not run;
- another body, query string or path: 422, the key was used for another request;
- while the first is still running: 409, retry later.

Only responses below 500 are stored, and never a 401 or 403. A 5xx (e.g. 503 when a service
did not answer), a 401/403 or an exception deletes the claim, so the client may retry with
the same key. A claim left behind by a gateway that died mid-request is taken over after
`GATEWAY_IDEMPOTENCY_IN_FLIGHT_S`.

Keys belong to a caller identified by `identify` from the request's head: the account (the
access token's `sub`), or the API key (by its SHA-256 digest: no raw credential, nor the
query string that may carry one, is stored) sent as `X-API-Key` or, on the Open311 routes,
as the spec's `?api_key=` query parameter. A request without such credentials (anonymous,
or with the spec's `api_key` only in the form/JSON body, which is read later, by the route)
or with credentials that are not valid is passed through untouched: no key is claimed,
nothing is stored, the route answers as without the header. Otherwise anyone could replay
an integrator's stored response, or poison a key by using it first. Without the header
nothing changes.

`/api/v1/auth/*` is exempt, deliberately: replaying a stored login or refresh response
would hand the same tokens to whoever repeats the request (and a refresh token is single
use by design).

Store shapes (insert_one claim keyed by `_id`, replace/delete guarded by the claim's
token; body as base64 text since nx-27017 cannot replace_one bytes) are pinned in
tests/integration/test_store_conformance.py.
"""

import base64
import hashlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import anyio
from fastapi import FastAPI
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.accounts import security
from services.gateway.accounts.model import Principal
from services.gateway.authz import BadCredentials, principal_from_head
from services.gateway.problems import problem

log = logging.getLogger(__name__)

HEADER: Final = "Idempotency-Key"
REPLAYED: Final = "Idempotent-Replayed"
COLLECTION: Final = "idempotency_keys"
MAX_KEY_LENGTH: Final = 255
EXEMPT_PREFIX: Final = "/api/v1/auth/"
ANONYMOUS: Final = "anonymous"
# Where the spec's `api_key` query parameter is a credential: routes/open311.py reads it
# there, and only there (elsewhere a key in a URL, which logs keep, is not taken).
QUERY_API_KEY_PREFIX: Final = "/open311/"
# Never stored: a refusal says nothing about the key's request, and must not be replayed.
NOT_STORED: Final = frozenset({401, 403})
# Response headers worth replaying; the rest (dates, lengths, trace ids) are per response.
STORED_HEADERS: Final = frozenset({"content-type", "location", "content-language"})

Doc = dict[str, Any]
_CALLER: Final = "redvest.caller"


# -- pure parts -------------------------------------------------------------------------------


def applies(method: str, path: str) -> bool:
    """POSTs only, and never the auth routes (see the module docstring)."""
    return method == "POST" and not (path + "/").startswith(EXEMPT_PREFIX)


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH and all(" " <= c <= "~" for c in key)


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def stored(status: int | None) -> bool:
    """Whether a response is kept for replay (None: no complete response)."""
    return status is not None and status < 500 and status not in NOT_STORED


def record_id(caller: str, key: str) -> str:
    """The primary key of a (caller, key) pair: one `_id` lookup, no compound index."""
    return hashlib.sha256(json.dumps([caller, key]).encode()).hexdigest()


def caller_of(principal: Principal | None, api_key: str | None) -> str:
    if principal is None:
        return ANONYMOUS
    if principal.kind == "api_key" and api_key:
        return "api_key:" + security.digest(api_key)
    return f"{principal.kind}:{principal.id}"


class Decision(StrEnum):
    TAKE_OVER = "take_over"  # expired or abandoned: claim it anew
    MISMATCH = "mismatch"  # 422
    REPLAY = "replay"
    IN_FLIGHT = "in_flight"  # 409


def decide(
    record: Doc,
    body_sha256: str,
    path: str,
    now: datetime,
    in_flight: timedelta,
    query_sha256: str = fingerprint(b""),
) -> Decision:
    """What to do with a request whose key is already recorded."""
    if record["expires_at"] <= now:  # the TTL monitor has not run yet
        return Decision.TAKE_OVER
    if (
        record["body_sha256"] != body_sha256
        or record["path"] != path
        or record.get("query_sha256", fingerprint(b"")) != query_sha256
    ):
        return Decision.MISMATCH
    if record["state"] == "done":
        return Decision.REPLAY
    if record["claimed_at"] + in_flight <= now:
        return Decision.TAKE_OVER
    return Decision.IN_FLIGHT


def claim(
    caller: str,
    key: str,
    path: str,
    body_sha256: str,
    now: datetime,
    ttl: timedelta,
    query_sha256: str = fingerprint(b""),
) -> Doc:
    return {
        "_id": record_id(caller, key),
        "caller": caller,
        "key": key,
        "path": path,
        "query_sha256": query_sha256,  # a digest: the query may carry the spec's api_key
        "body_sha256": body_sha256,
        "state": "in_flight",
        "token": secrets.token_hex(16),  # whose claim: guards the owner's replace and delete
        "claimed_at": now,
        "expires_at": now + ttl,
    }


def completed(record: Doc, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Doc:
    kept = [
        [name.decode("latin-1").lower(), value.decode("latin-1")]
        for name, value in headers
        if name.decode("latin-1").lower() in STORED_HEADERS
    ]
    return {
        **record,
        "state": "done",
        "status": status,
        "headers": kept,
        "body": base64.b64encode(body).decode("ascii"),
    }


def replay(record: Doc) -> Response:
    headers = {name: value for name, value in record["headers"]}
    headers[REPLAYED] = "true"
    return Response(base64.b64decode(record["body"]), record["status"], headers=headers)


# -- who is calling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    principal: Principal | None
    valid: bool  # False: credentials were sent but are not valid (the route will say 401)
    api_key: str | None = None


async def identify(gateway: FastAPI, scope: Scope) -> Caller:
    """The caller, as `authz.authenticate` and, on the Open311 routes,
    `routes.open311.spec_api_key` will see it (same precedence: bearer, then `X-API-Key`,
    then the spec's `?api_key=`). Only the request's head is read: a key in the Open311 form
    or JSON body is not seen here, so that caller is anonymous to us. A valid result is cached
    in `request.state.principal`, which `authenticate` reuses, so the API key is looked up
    once per request."""
    state: dict[str, Any] = scope.setdefault("state", {})
    if isinstance(cached := state.get(_CALLER), Caller):
        return cached
    request = Request(scope)
    header = request.headers.get("authorization", "")
    api_key = request.headers.get("x-api-key")
    if not header and not api_key and scope["path"].startswith(QUERY_API_KEY_PREFIX):
        api_key = request.query_params.get("api_key")  # the last one, as the route reads it
    try:
        principal = await principal_from_head(gateway, request.headers, api_key)
    except BadCredentials:
        caller = Caller(None, valid=False)
    else:
        caller = Caller(principal, valid=True, api_key=None if header else api_key)
    state[_CALLER] = caller
    if caller.valid:
        state["principal"] = caller.principal  # what authz.authenticate reads first
    return caller


# -- the middleware -----------------------------------------------------------------------------


class IdempotencyMiddleware:
    """Pure ASGI: reads the whole request body (to hash it), then hands it to the app."""

    def __init__(self, app: ASGIApp, gateway: FastAPI) -> None:
        self.app = app
        self.gateway = gateway

    def collection(self) -> AsyncCollection[Doc]:
        collection: AsyncCollection[Doc] = self.gateway.state.accounts.users.database[COLLECTION]
        return collection

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not applies(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        keys = Headers(scope=scope).getlist(HEADER)
        if not keys:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if len(keys) > 1 or not valid_key(keys[0]):
            detail = f"{HEADER} must be one value of 1-{MAX_KEY_LENGTH} printable ASCII characters"
            await self._problem(422, detail, path, scope, receive, send)
            return
        who = await identify(self.gateway, scope)
        if not who.valid or who.principal is None:
            # No credentials we can see (the route may still find a body-borne api_key) or
            # bad ones: no key is claimed or stored, so nobody shares the anonymous keys.
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client went away before sending its body
        caller, key = caller_of(who.principal, who.api_key), keys[0]
        query = fingerprint(scope.get("query_string", b""))
        replayed = _replaying_receive(body, receive)
        try:
            outcome = await self._claim(caller, key, path, fingerprint(body), query)
        except PyMongoError:
            log.exception("idempotency store unavailable", extra={"path": path})
            settings = self.gateway.state.settings
            await problem(
                503,
                "The gateway cannot record the Idempotency-Key now; retry with the same key.",
                instance=path,
                headers={"Retry-After": str(settings.retry_after_s)},
            )(scope, replayed, send)
            return
        if isinstance(outcome, Response):
            await outcome(scope, replayed, send)
            return
        await self._run(outcome, scope, replayed, send)

    async def _claim(
        self, caller: str, key: str, path: str, body_sha256: str, query_sha256: str
    ) -> Doc | Response:
        """Our claim on the key, or the response to give instead (replay, 409, 422)."""
        settings = self.gateway.state.settings
        in_flight = timedelta(seconds=settings.idempotency_in_flight_s)
        collection = self.collection()
        for _ in range(3):  # a record can vanish or be taken over between our two reads
            now = datetime.now(UTC)
            ttl = timedelta(seconds=settings.idempotency_ttl_s)
            mine = claim(caller, key, path, body_sha256, now, ttl, query_sha256)
            try:
                await collection.insert_one(mine)
                return mine
            except DuplicateKeyError:
                pass
            record: Doc | None = await collection.find_one({"_id": mine["_id"]})
            if record is None:
                continue
            match decide(record, body_sha256, path, now, in_flight, query_sha256):
                case Decision.REPLAY:
                    return replay(record)
                case Decision.MISMATCH:
                    return problem(
                        422,
                        f"This {HEADER} was already used with another request body"
                        " (or path, or query string); use a new key for a new request.",
                        instance=path,
                        code="idempotency-key-reused",
                        errors=[
                            {
                                "field": HEADER,
                                "message": "already used with another body",
                                "type": "idempotency_key_reused",
                            }
                        ],
                    )
                case Decision.IN_FLIGHT:
                    break
                case Decision.TAKE_OVER:
                    taken = await collection.replace_one(
                        {"_id": mine["_id"], "token": record["token"]}, mine
                    )
                    if taken.matched_count:
                        return mine
        return self._in_flight(path)

    def _in_flight(self, path: str) -> Response:
        return problem(
            409,
            f"A request with this {HEADER} is still being processed; retry later"
            " to get its response.",
            instance=path,
            code="idempotency-key-in-flight",
            headers={"Retry-After": "1"},
        )

    async def _run(self, mine: Doc, scope: Scope, receive: Receive, send: Send) -> None:
        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        finished = False

        async def capture(message: Message) -> None:
            nonlocal status, headers, finished
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                finished = not message.get("more_body", False)
            await send(message)  # recorded first: a client gone now does not undo the effect

        try:
            await self.app(scope, receive, capture)
        finally:
            with anyio.CancelScope(shield=True):
                await self._settle(mine, status if finished else None, headers, b"".join(chunks))

    async def _settle(
        self, mine: Doc, status: int | None, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        guard = {"_id": mine["_id"], "token": mine["token"]}
        try:
            if status is not None and stored(status):
                await self.collection().replace_one(guard, completed(mine, status, headers, body))
            else:  # a 5xx, a 401/403, an exception, or no complete response: retry may follow
                await self.collection().delete_one(guard)
        except PyMongoError:
            # The claim stays in flight until GATEWAY_IDEMPOTENCY_IN_FLIGHT_S, then is taken over.
            log.exception("could not settle an Idempotency-Key", extra={"path": mine["path"]})

    async def _problem(
        self, status: int, detail: str, path: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        await problem(
            status,
            detail,
            instance=path,
            errors=[{"field": HEADER, "message": detail, "type": "idempotency_key"}],
        )(scope, receive, send)


async def read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying_receive(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replaying() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then whatever comes next: a disconnect

    return replaying


async def create_indexes(collection: AsyncCollection[Doc]) -> None:
    await collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)


def _with_indexes(
    app: FastAPI, lifespan: Callable[[Any], AbstractAsyncContextManager[Any]]
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """The app's lifespan, then our index (the database exists only once it has started)."""

    @asynccontextmanager
    async def wrapped(asgi_app: Any) -> AsyncIterator[Any]:
        async with lifespan(asgi_app) as state:
            await create_indexes(app.state.accounts.users.database[COLLECTION])
            yield state

    return wrapped


def install(app: FastAPI) -> None:
    """Add the Idempotency-Key handling to the app (and its index to the start-up)."""
    app.add_middleware(IdempotencyMiddleware, gateway=app)
    app.router.lifespan_context = _with_indexes(app, app.router.lifespan_context)
