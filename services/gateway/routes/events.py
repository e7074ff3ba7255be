"""The live feed: the subdistrict's CloudEvents as Server-Sent Events, filtered per caller.

    GET /api/v1/events/stream                         subdistrict-wide roles: every event
    GET /api/v1/events/stream?community_id=c1         one community (community admins: theirs)
    Last-Event-ID: 1234  (or ?last_event_id=1234)     resume after the event with id 1234

Each SSE message is `id:` the JetStream stream sequence, `event:` the CloudEvents `type`,
`data:` the CloudEvent JSON. The first thing sent is the comment `: ready`, once the
subscription is in place (every event published after it is delivered); a `: ping` comment
follows every 15 s so proxies keep the connection open.

A stream lasts no longer than what opened it: one opened with an access token ends when the
token expires, one opened with an API key soon after the key is revoked (checked every
`event_stream_key_check_s`). It ends with a last message `event: end`, `data:
{"reason": …}`, without an id, so the client's Last-Event-ID stays the last event's: it
reconnects with fresh credentials and that id, and loses nothing. The same goes for a feed
that fell behind, or a gateway that stops.

Limits: `event_streams_per_principal` open streams per account or key (per replica; one
more answers 429 with Retry-After), and a resume replays at most `event_stream_max_replay`
events of the subdistrict's stream: a Last-Event-ID further back, from before the oldest
event kept, or unknown answers 410 Gone (reload what you show, then open the feed without
Last-Event-ID). Starting silently at the oldest allowed event would hide the gap.
"""

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import SendTimeoutError
from starlette.background import BackgroundTask
from starlette.types import Receive, Send
from starlette.types import Scope as AsgiScope

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.feed import (
    EventFeed,
    FeedInterrupted,
    ResumeRefused,
    Slot,
    StreamSlots,
    selected,
)
from services.gateway.problems import problem
from services.gateway.targets import query_community

router = APIRouter(prefix="/api/v1/events", tags=["events"])

log = logging.getLogger(__name__)

PING_S = 15
# A client that takes no bytes for this long is dropped (its stream and slot freed).
SEND_TIMEOUT_S = 60
MAX_TYPES = 50
MAX_SEQUENCE = 2**63 - 1

# Whether the caller's credentials still hold (an API key's are looked up again).
StillValid = Callable[[], Awaitable[bool]]


class _FeedResponse(EventSourceResponse):
    """A client that stopped reading is closed quietly: not an error of ours."""

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except SendTimeoutError:
            log.info("a live-feed client stopped reading; its stream is closed")
            if self.background is not None:
                await self.background()


@router.get(
    "/stream",
    summary="Live feed of the events your scope may see (Server-Sent Events)",
    description=(
        "Streams the subdistrict's CloudEvents as `text/event-stream`: `id` is the stream "
        "sequence, `event` the CloudEvents `type`, `data` the CloudEvent JSON. Resume after a "
        "disconnect with the `Last-Event-ID` header (EventSource sends it by itself) or "
        "`?last_event_id=`; without either, only events from now on. Subdistrict admins and "
        "integration keys see every event, or one community's with `?community_id=`; a "
        "community admin names one of their communities and sees the events about it. "
        "The stream ends (`event: end`) when the access token expires or the API key is "
        "revoked; reconnect with fresh credentials and `Last-Event-ID`."
    ),
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        410: {"description": "the resume point is too far back or gone: open anew"},
        429: {"description": "too many open streams for this account or key"},
    },
    # Scope COMMUNITY with an optional target, like the other listings: a community admin
    # names one of theirs (403 for another), subdistrict-wide roles may name none. Every
    # event is then checked against the caller's scope again (feed.may_see).
    # team_leader, volunteer and partner are refused for now: no event concerns them yet, so
    # a connection could only stay silent; they join with the services whose events do.
    **rule(
        Role.SUBDISTRICT_ADMIN,
        Role.COMMUNITY_ADMIN,
        Role.INTEGRATION,
        scope=Scope.COMMUNITY,
        target=query_community,
    ),
)
async def stream_events(
    request: Request,
    community_id: Annotated[
        str | None, Query(max_length=64, description="only events about this community")
    ] = None,
    types: Annotated[
        str | None,
        Query(
            max_length=4000,
            description="comma-separated CloudEvents types, e.g. "
            "cn.redvest.requests.request.created.v1",
        ),
    ] = None,
    last_event_id: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_SEQUENCE,
            description="resume after this id (for non-EventSource "
            "clients; the Last-Event-ID header wins)",
        ),
    ] = None,
    last_event_id_header: Annotated[
        int | None, Header(alias="Last-Event-ID", ge=0, le=MAX_SEQUENCE)
    ] = None,
    max_events: Annotated[
        int | None,
        Query(ge=0, le=10_000, description="end the stream after this many events"),
    ] = None,
) -> Response:
    wanted = frozenset(t.strip() for t in (types or "").split(",") if t.strip())
    if len(wanted) > MAX_TYPES:
        raise HTTPException(422, f"at most {MAX_TYPES} types")
    # The header is what EventSource sends on reconnecting: newer than the URL's query.
    after = last_event_id_header if last_event_id_header is not None else last_event_id
    settings = request.app.state.settings
    principal = current_principal(request)
    expires_at, still_valid = _credentials_of(request, principal)
    slot = _slots(request).take(principal.id)
    if slot is None:
        return problem(
            429,
            f"at most {settings.event_streams_per_principal} live feeds may be open at once "
            "for one account or API key; close one first",
            instance=request.url.path,
            headers={"Retry-After": str(settings.retry_after_s)},
        )
    try:
        feed = await EventFeed.open(
            request.app.state.broker.connection,
            settings.subdistrict,
            after,
            max_replay=settings.event_stream_max_replay,
        )
    except ResumeRefused as exc:
        slot.release()
        return problem(410, str(exc), instance=request.url.path, code="resume-gone")
    except BaseException:
        slot.release()
        raise
    messages = _messages(
        feed,
        slot,
        principal,
        community_id,
        wanted,
        max_events,
        expires_at=expires_at,
        still_valid=still_valid,
        check_every=settings.event_stream_key_check_s,
    )
    # The generator closes the feed when it ends or is cancelled (the client went away);
    # the background task covers a response that never started iterating.
    return _FeedResponse(
        messages,
        ping=PING_S,
        send_timeout=SEND_TIMEOUT_S,
        background=BackgroundTask(_close, feed, slot),
    )


def _slots(request: Request) -> StreamSlots:
    """The process's count of open streams per caller, made on first use."""
    slots: StreamSlots | None = getattr(request.app.state, "event_stream_slots", None)
    if slots is None:
        slots = StreamSlots(request.app.state.settings.event_streams_per_principal)
        request.app.state.event_stream_slots = slots
    return slots


def _credentials_of(request: Request, principal: Principal) -> tuple[float | None, StillValid]:
    """When the caller's access token expires (a Unix time; None for an API key), and how to
    tell whether their API key still exists."""
    if principal.kind == "api_key":
        key = request.headers.get("x-api-key", "")
        accounts = request.app.state.accounts

        async def key_still_valid() -> bool:
            now = await accounts.principal_of_api_key(key)
            return now is not None and now.id == principal.id

        return None, key_still_valid

    async def always() -> bool:
        return True

    return principal.expires_at, always  # from the token authenticate just checked


def _end(reason: str) -> ServerSentEvent:
    """The last message: no id, so the client's Last-Event-ID stays the last event's."""
    return ServerSentEvent(data=json.dumps({"reason": reason}), event="end")


async def _messages(
    feed: EventFeed,
    slot: Slot,
    principal: Principal,
    community: str | None,
    types: frozenset[str],
    max_events: int | None,
    *,
    expires_at: float | None,
    still_valid: StillValid,
    check_every: float,
) -> AsyncIterator[ServerSentEvent]:
    try:
        yield ServerSentEvent(comment="ready")
        sent = 0
        if max_events == 0:
            return
        # Monotonic deadlines: the token's expiry, the next look at the API key.
        start = time.monotonic()
        ends = None if expires_at is None else start + (expires_at - time.time())
        check_at = None if expires_at is not None else start + check_every
        while True:
            now = time.monotonic()
            if ends is not None and now >= ends:
                yield _end("token expired")
                return
            if check_at is not None and now >= check_at:
                if not await still_valid():
                    yield _end("API key revoked")
                    return
                check_at = time.monotonic() + check_every
            # Waking every PING_S at least lets the feed check it dropped nothing.
            waits = [t - now for t in (ends, check_at) if t is not None] + [PING_S]
            try:
                item = await feed.next(within=max(min(waits), 0.0))
            except FeedInterrupted as exc:
                yield _end(str(exc))
                return
            if item is None or not selected(
                principal, item.event, community=community, types=types
            ):
                continue
            yield ServerSentEvent(data=item.body, event=item.type, id=str(item.sequence))
            sent += 1
            if max_events is not None and sent >= max_events:
                return
    finally:
        await _close(feed, slot)


async def _close(feed: EventFeed, slot: Slot) -> None:
    slot.release()
    with anyio.CancelScope(shield=True):
        await feed.close()
