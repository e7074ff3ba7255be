"""The live feed: which events a caller may see (pure), and reading them from JetStream.

Visibility is decided per event, from what the event says about where it happened:

- `subdistrict_admin` and `integration` keys see every event of the subdistrict;
- `community_admin` sees an event that concerns one of their communities: its
  `data.location.community_id`, its `data.community_id`, or a community named in its
  `data.audience` (`role:community_admin@community:<id>`);
- `team_leader`, `volunteer` and `partner` see nothing yet: the events about teams, members
  and partner units (activities, sign-ups, service hours…) arrive with later services, and
  each of those adds its clause here (and its role to the route's rule) when it does.

An event that names no community is shown only to subdistrict-wide roles, so a new event
type can never leak into a community admin's feed before a clause here says where it belongs.

Reading is an ephemeral ordered consumer on the gateway's own NATS connection: no durable
consumer per client; the server drops it once the gateway unsubscribes (interest gone).
"""

import json
import logging
import re
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.gateway.accounts.model import Principal, Role
from shared.contracts.rpc import Unavailable
from shared.contracts.subjects import events_filter, events_stream

log = logging.getLogger(__name__)

_AUDIENCE_COMMUNITY = re.compile(r"@community:([^@\s,;]+)")

# The server removes an ordered consumer this long after nobody listens any more.
INACTIVE_THRESHOLD_S = 10.0
DELETE_TIMEOUT_S = 2.0


def communities_of(event: Mapping[str, Any]) -> frozenset[str]:
    """The communities a CloudEvent concerns, read from its data (none if it names none)."""
    data = event.get("data")
    if not isinstance(data, Mapping):
        return frozenset()
    found: set[str] = set()
    location = data.get("location")
    if isinstance(location, Mapping):
        community = location.get("community_id")
        if isinstance(community, str) and community:
            found.add(community)
    community = data.get("community_id")
    if isinstance(community, str) and community:
        found.add(community)
    audience = data.get("audience")
    if isinstance(audience, str):
        found.update(_AUDIENCE_COMMUNITY.findall(audience))
    return frozenset(found)


def may_see(principal: Principal, event: Mapping[str, Any]) -> bool:
    """Whether the caller's scope covers this event. Never guesses in the caller's favour."""
    if principal.subdistrict_wide:  # subdistrict_admin, integration
        return True
    if Role.COMMUNITY_ADMIN in principal.roles:
        return bool(communities_of(event) & principal.communities)
    # team_leader, volunteer, partner: no event concerns them yet (see the module docstring).
    return False


def selected(
    principal: Principal,
    event: Mapping[str, Any],
    *,
    community: str | None = None,
    types: Collection[str] = (),
) -> bool:
    """`may_see`, narrowed to the community and the event types the caller asked for."""
    if types and event.get("type") not in types:
        return False
    if community is not None and community not in communities_of(event):
        return False
    return may_see(principal, event)


@dataclass(frozen=True)
class StreamedEvent:
    sequence: int  # the JetStream stream sequence: the SSE id, and where a resume starts
    type: str
    body: str  # the CloudEvent JSON, as published
    event: Mapping[str, Any]


class EventFeed:
    """The subdistrict's events from a start point on, in stream order, until closed."""

    def __init__(self, nc: Client, stream: str, subscription: Any) -> None:
        self._nc = nc
        self._stream = stream
        self._subscription = subscription
        self._closed = False

    @classmethod
    async def open(cls, nc: Client, subdistrict: str, after: int | None) -> "EventFeed":
        """Subscribe before returning, so no event published after this call is missed.

        `after`: the last stream sequence the caller has (resume from the next); None for
        new events only."""
        config = ConsumerConfig(inactive_threshold=INACTIVE_THRESHOLD_S)
        if after is None:
            policy = DeliverPolicy.NEW
        else:
            policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = after + 1
        stream = events_stream(subdistrict)
        try:
            subscription = await nc.jetstream().subscribe(
                events_filter(subdistrict),
                stream=stream,
                ordered_consumer=True,
                deliver_policy=policy,
                config=config,
            )
        except nats.errors.Error as exc:  # timeout, no stream, connection down…
            raise Unavailable(f"the event stream is unavailable ({type(exc).__name__})") from exc
        return cls(nc, stream, subscription)

    async def events(self) -> AsyncIterator[StreamedEvent]:
        """Every event in order; ends when the connection closes. Unparseable ones are skipped."""
        while not self._closed:
            try:
                msg = await self._subscription.next_msg(timeout=None)
            except nats.errors.Error:  # connection closed (the gateway is stopping)
                return
            sequence = msg.metadata.sequence.stream
            try:
                body = msg.data.decode()
                event = json.loads(body)
            except ValueError:  # UnicodeDecodeError and JSONDecodeError both
                log.warning("skipping an event that is not JSON", extra={"sequence": sequence})
                continue
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                log.warning(
                    "skipping a message that is no CloudEvent", extra={"sequence": sequence}
                )
                continue
            yield StreamedEvent(sequence, event["type"], body, event)

    async def close(self) -> None:
        """Unsubscribe and delete the ephemeral consumer (idempotent). Should the delete fail
        (the connection is down), the server drops it after INACTIVE_THRESHOLD_S anyway."""
        if self._closed:
            return
        self._closed = True
        # The ordered consumer's current name: nats-py renames it when it recreates one.
        consumer = getattr(self._subscription, "_consumer", None)
        try:
            await self._subscription.unsubscribe()
            if isinstance(consumer, str):
                js = self._nc.jetstream(timeout=DELETE_TIMEOUT_S)
                await js.delete_consumer(self._stream, consumer)
        except (nats.errors.Error, ValueError, TimeoutError):
            log.debug("the feed's consumer was gone already", extra={"consumer": consumer})
