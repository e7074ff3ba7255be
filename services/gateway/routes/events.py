"""The live feed: the subdistrict's CloudEvents as Server-Sent Events, filtered per caller.

    GET /api/v1/events/stream                         subdistrict-wide roles: every event
    GET /api/v1/events/stream?community_id=c1         one community (community admins: theirs)
    Last-Event-ID: 1234  (or ?last_event_id=1234)     resume after the event with id 1234

Each SSE message is `id:` the JetStream stream sequence, `event:` the CloudEvents `type`,
`data:` the CloudEvent JSON. The first thing sent is the comment `: ready`, once the
subscription is in place (every event published after it is delivered); a `: ping` comment
follows every 15 s so proxies keep the connection open.
"""

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, HTTPException, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import Scope, current_principal, rule
from services.gateway.feed import EventFeed, selected
from services.gateway.targets import query_community

router = APIRouter(prefix="/api/v1/events", tags=["events"])

PING_S = 15
MAX_TYPES = 50
MAX_SEQUENCE = 2**63 - 1


@router.get(
    "/stream",
    summary="Live feed of the events your scope may see (Server-Sent Events)",
    description=(
        "Streams the subdistrict's CloudEvents as `text/event-stream`: `id` is the stream "
        "sequence, `event` the CloudEvents `type`, `data` the CloudEvent JSON. Resume after a "
        "disconnect with the `Last-Event-ID` header (EventSource sends it by itself) or "
        "`?last_event_id=`; without either, only events from now on. Subdistrict admins and "
        "integration keys see every event, or one community's with `?community_id=`; a "
        "community admin names one of their communities and sees the events about it."
    ),
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
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
) -> EventSourceResponse:
    wanted = frozenset(t.strip() for t in (types or "").split(",") if t.strip())
    if len(wanted) > MAX_TYPES:
        raise HTTPException(422, f"at most {MAX_TYPES} types")
    # The header is what EventSource sends on reconnecting: newer than the URL's query.
    after = last_event_id_header if last_event_id_header is not None else last_event_id
    feed = await EventFeed.open(
        request.app.state.broker.connection, request.app.state.settings.subdistrict, after
    )
    messages = _messages(feed, current_principal(request), community_id, wanted, max_events)
    # The generator closes the feed when it ends or is cancelled (the client went away);
    # the background task covers a response that never started iterating.
    return EventSourceResponse(messages, ping=PING_S, background=BackgroundTask(_close, feed))


async def _messages(
    feed: EventFeed,
    principal: Principal,
    community: str | None,
    types: frozenset[str],
    max_events: int | None,
) -> AsyncIterator[ServerSentEvent]:
    try:
        yield ServerSentEvent(comment="ready")
        sent = 0
        if max_events == 0:
            return
        async for item in feed.events():
            if not selected(principal, item.event, community=community, types=types):
                continue
            yield ServerSentEvent(data=item.body, event=item.type, id=str(item.sequence))
            sent += 1
            if max_events is not None and sent >= max_events:
                return
    finally:
        await _close(feed)


async def _close(feed: EventFeed) -> None:
    with anyio.CancelScope(shield=True):
        await feed.close()
