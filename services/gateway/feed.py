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
consumer per client; the gateway deletes it when the client goes, and the server would drop
it INACTIVE_THRESHOLD_S after anyway. What one client may cost is bounded: its consumer's
buffer in the gateway (PENDING_MSGS / PENDING_BYTES; the server's flow control keeps far
less than that in flight), how far back it may resume (`open`'s `max_replay`), and how many
streams one caller may hold open (`StreamSlots`).
"""

import json
import logging
import re
from collections.abc import Collection, Mapping
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
# The consumer's buffer in the gateway, per stream (nats-py's defaults: 512 Ki messages,
# 256 MiB). Well above the server's flow-control window (a few MiB in flight), so it is
# never reached in practice; should it be, messages are dropped, and `next` notices the gap
# and ends the stream (the client resumes with Last-Event-ID) rather than skip them.
PENDING_MSGS = 50_000
PENDING_BYTES = 8 * 1024 * 1024


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


class ResumeRefused(Exception):
    """The resume point is no longer (or never was) in the stream, or too far back: the
    client must reload what it shows and open the feed anew, without Last-Event-ID."""


class FeedInterrupted(Exception):
    """The feed cannot go on without a gap (the gateway fell behind, or the NATS connection
    closed); the message says why. Resuming after the last event sent loses nothing."""


class EventFeed:
    """The subdistrict's events from a start point on, in stream order, until closed."""

    def __init__(self, nc: Client, stream: str, subscription: Any) -> None:
        self._nc = nc
        self._stream = stream
        self._subscription = subscription
        self._closed = False
        # The last message's consumer and stream sequences, to see drops.
        self._consumer_sequence = 0
        self._stream_sequence = 0

    @classmethod
    async def open(
        cls,
        nc: Client,
        subdistrict: str,
        after: int | None,
        *,
        max_replay: int | None = None,
        pending_msgs: int = PENDING_MSGS,
        pending_bytes: int = PENDING_BYTES,
    ) -> "EventFeed":
        """Subscribe before returning, so no event published after this call is missed.

        `after`: the last stream sequence the caller has (resume from the next); None for
        new events only. Raises ResumeRefused when the events after it are gone from the
        stream, when no event has that sequence yet, or when more than `max_replay` events
        followed it."""
        config = ConsumerConfig(inactive_threshold=INACTIVE_THRESHOLD_S)
        stream = events_stream(subdistrict)
        try:
            if after is None:
                policy = DeliverPolicy.NEW
            else:
                await _check_resume(nc, stream, after, max_replay)
                policy = DeliverPolicy.BY_START_SEQUENCE
                config.opt_start_seq = after + 1
            subscription = await nc.jetstream().subscribe(
                events_filter(subdistrict),
                stream=stream,
                ordered_consumer=True,
                deliver_policy=policy,
                config=config,
                pending_msgs_limit=pending_msgs,
                pending_bytes_limit=pending_bytes,
            )
        except nats.errors.Error as exc:  # timeout, no stream, connection down…
            raise Unavailable(f"the event stream is unavailable ({type(exc).__name__})") from exc
        return cls(nc, stream, subscription)

    async def next(self, within: float | None = None) -> StreamedEvent | None:
        """The next event in order, or None if none came within `within` seconds.
        Unparseable messages are skipped. Raises FeedInterrupted when the feed cannot go
        on without a gap."""
        while not self._closed:
            try:
                msg = await self._subscription.next_msg(timeout=within)
            except nats.errors.TimeoutError:
                self._check_nothing_dropped()
                return None
            except nats.errors.Error as exc:  # connection closed (the gateway is stopping)
                raise FeedInterrupted("the gateway is stopping") from exc
            sequence = msg.metadata.sequence.stream
            # An ordered consumer numbers its deliveries 1, 2, 3… Any other number is a
            # message nats-py dropped (its buffer full) and counts as delivered, or a
            # consumer it recreated from after that one: either way a gap. The client
            # resumes from the last event it got instead.
            if msg.metadata.sequence.consumer != self._consumer_sequence + 1:
                raise self._fell_behind(sequence)
            self._consumer_sequence += 1
            self._stream_sequence = sequence
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
            return StreamedEvent(sequence, event["type"], body, event)
        raise FeedInterrupted("the feed is closed")

    def _check_nothing_dropped(self) -> None:
        """With nothing buffered, nats-py's last delivered sequence must be ours: a larger
        one means the last messages were dropped (no later one shows the gap yet)."""
        jsi = getattr(getattr(self._subscription, "_sub", None), "_jsi", None)
        delivered = getattr(jsi, "_sseq", None)
        if (
            isinstance(delivered, int)
            and delivered > self._stream_sequence
            and self._subscription.pending_msgs == 0
        ):
            raise self._fell_behind(delivered)

    def _fell_behind(self, sequence: int) -> FeedInterrupted:
        log.warning("a live feed fell behind; ending it", extra={"sequence": sequence})
        return FeedInterrupted("the feed fell behind; resume with Last-Event-ID")

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


async def _check_resume(nc: Client, stream: str, after: int, max_replay: int | None) -> None:
    state = (await nc.jetstream().stream_info(stream)).state
    if after > state.last_seq:
        raise ResumeRefused(
            f"no event has the id {after} (the stream was reset?): reload, then open the "
            "feed without Last-Event-ID"
        )
    if after + 1 < state.first_seq:
        raise ResumeRefused(
            f"the events after {after} are no longer kept: reload, then open the feed "
            "without Last-Event-ID"
        )
    if max_replay is not None and state.last_seq - after > max_replay:
        raise ResumeRefused(
            f"{state.last_seq - after} events followed {after}, more than a resume replays "
            f"({max_replay}): reload, then open the feed without Last-Event-ID"
        )


class StreamSlots:
    """How many live feeds each caller (account or API key) holds open in this process."""

    def __init__(self, per_principal: int) -> None:
        self.per_principal = per_principal
        self._open: dict[str, int] = {}

    def take(self, principal_id: str) -> "Slot | None":
        """A slot, or None if the caller holds `per_principal` already."""
        count = self._open.get(principal_id, 0)
        if count >= self.per_principal:
            return None
        self._open[principal_id] = count + 1
        return Slot(self, principal_id)

    def held(self, principal_id: str) -> int:
        return self._open.get(principal_id, 0)

    def _give_back(self, principal_id: str) -> None:
        count = self._open.get(principal_id, 0) - 1
        if count > 0:
            self._open[principal_id] = count
        else:
            self._open.pop(principal_id, None)


class Slot:
    def __init__(self, slots: StreamSlots, principal_id: str) -> None:
        self._slots = slots
        self._principal_id = principal_id
        self._released = False

    def release(self) -> None:
        """Give the slot back (idempotent)."""
        if not self._released:
            self._released = True
            self._slots._give_back(self._principal_id)
