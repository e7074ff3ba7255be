"""The live feed against the running requests, notify and gateway processes."""

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from nats.aio.client import Client as NatsClient

from services.gateway.config import DEV_SECRET
from services.gateway.feed import EventFeed, FeedInterrupted
from shared.bus.streams import events_stream_config
from shared.contracts.subjects import events_filter, events_stream
from tests.e2e.conftest import Launch, RunningProcess, new_account, sign_in_admin
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

CREATED = "cn.redvest.requests.request.created.v1"
SENT = "cn.redvest.notify.notification.sent.v1"
WITHIN = 20.0  # every wait for an event is bounded by this
# The server drops an unused consumer after 10 s (feed.INACTIVE_THRESHOLD_S): the gateway's
# own cleanup must be seen well before, or the test would pass without it.
CLEANED_UP_WITHIN = 3.0


@dataclass
class Message:
    id: int
    event: str
    data: dict[str, Any]

    def concerns(self, community: str) -> bool:
        data = self.data["data"]
        located: str | None = data.get("location", {}).get("community_id")
        audience: str = data.get("audience", "")
        return located == community or audience.endswith(f"@community:{community}")

    def about(self, action: str) -> bool:
        """Caused by the user action with this correlation id (a request and its notices)."""
        return bool(self.data.get("correlationid") == action)


class Ended(Exception):
    """The server ended the stream with `event: end`; the argument is its reason."""


class Feed:
    """One open SSE response, parsed line by line."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.seen: list[Message] = []

    async def next(self) -> Message:
        """The next event; raises Ended at the server's `event: end` (which has no id)."""
        fields: dict[str, str] = {}
        async for line in self._lines:
            if not line:
                if "data" in fields and fields.get("event") == "end":
                    assert "id" not in fields, "the end must not move Last-Event-ID"
                    raise Ended(json.loads(fields["data"])["reason"])
                if "data" in fields:
                    message = Message(
                        int(fields["id"]), fields["event"], json.loads(fields["data"])
                    )
                    self.seen.append(message)
                    return message
                fields = {}
                continue
            if line.startswith(":"):
                continue  # a comment: ready, ping
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data" and "data" in fields:
                value = fields["data"] + "\n" + value
            fields[name] = value
        raise AssertionError("the stream ended")

    async def ready(self) -> None:
        """The first line is the comment ': ready', sent once the subscription is in place."""
        async with asyncio.timeout(WITHIN):
            assert await self._lines.__anext__() == ": ready"

    async def until(self, *wanted: tuple[str, str]) -> list[Message]:
        """Read until a message of each (type, action) has come; bounded in time."""
        missing = set(wanted)
        start = len(self.seen)
        try:
            async with asyncio.timeout(WITHIN):
                while missing:
                    message = await self.next()
                    missing = {
                        (t, r) for t, r in missing if not (message.event == t and message.about(r))
                    }
        except TimeoutError:
            raise AssertionError(f"no {sorted(missing)} within {WITHIN} s") from None
        return self.seen[start:]

    async def end(self, within: float = WITHIN) -> str:
        """Read until the server ends the stream; its reason. Bounded in time."""
        async with asyncio.timeout(within):
            while True:
                try:
                    await self.next()
                except Ended as ended:
                    return str(ended.args[0])


@asynccontextmanager
async def feed(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    params: dict[str, Any] | None = None,
    last_event_id: int | None = None,
) -> AsyncIterator[Feed]:
    if last_event_id is not None:
        headers = {**headers, "Last-Event-ID": str(last_event_id)}
    async with asyncio.timeout(WITHIN):
        stream = http.stream(
            "GET", "/api/v1/events/stream", headers=headers, params=params, timeout=None
        )
        response = await stream.__aenter__()
    try:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        opened = Feed(response)
        await opened.ready()
        yield opened
    finally:
        await stream.__aexit__(None, None, None)


@dataclass
class World:
    gateway: RunningProcess
    admin: dict[str, str]
    a: str
    b: str
    admin_of_a: dict[str, str]


@pytest.fixture
async def world(launch: Launch) -> World:
    return await start_world(launch)


async def start_world(launch: Launch, **gateway_env: str) -> World:
    processes = [launch(name) for name in ("requests", "notify")]
    processes.append(launch("gateway", **gateway_env))
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    a, b = "a" + secrets.token_hex(3), "b" + secrets.token_hex(3)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        _, admin_of_a = await new_account(http, admin, roles=["community_admin"], communities=[a])
    return World(gateway, admin, a, b, admin_of_a)


async def create_request(http: httpx.AsyncClient, admin: dict[str, str], community: str) -> str:
    """A request in the community; returns the correlation id its events carry."""
    action = "t" + secrets.token_hex(8)
    made = await http.post(
        "/api/v1/requests",
        headers={**admin, "X-Correlation-Id": action},
        json={"kind": "repair", "title": "路灯不亮", "location": {"community_id": community}},
    )
    assert made.status_code == 201, made.text
    return action


def both(action: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """The request's RequestCreated and the NotificationSent to its community's admins."""
    return (CREATED, action), (SENT, action)


async def test_a_community_admin_sees_their_community_and_never_another(world: World) -> None:
    async with (
        httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10) as http,
        feed(http, world.admin) as everything,
        feed(http, world.admin_of_a, {"community_id": world.a}) as own,
    ):
        in_b = await create_request(http, world.admin, world.b)
        in_a = await create_request(http, world.admin, world.a)
        # The subdistrict admin sees both communities' requests and notifications.
        seen = await everything.until(*both(in_b), *both(in_a))
        assert {m.event for m in seen if m.about(in_b)} == {CREATED, SENT}
        last_before = max(m.id for m in seen)

        # A later event of A comes after every event of B above: up to it, none of B's.
        marker = await create_request(http, world.admin, world.a)
        got = await own.until(*both(in_a), (CREATED, marker))
        assert got[-1].id > last_before
        assert not [m for m in got if m.concerns(world.b) or m.about(in_b)]
        assert all(m.concerns(world.a) for m in got)
        created = next(m for m in got if m.event == CREATED and m.about(in_a))
        assert created.data["type"] == CREATED and created.data["specversion"] == "1.0"
        assert created.data["subject"] == created.data["data"]["request_id"]
        assert created.data["data"]["location"]["community_id"] == world.a


async def test_resuming_with_last_event_id_repeats_nothing_and_misses_nothing(
    world: World,
) -> None:
    async with httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10) as http:
        async with feed(http, world.admin) as everything:
            async with feed(http, world.admin_of_a, {"community_id": world.a}) as own:
                first = await create_request(http, world.admin, world.a)
                before = await own.until((CREATED, first))
            last_seen = before[-1].id
            # Disconnected: its notification and more requests (A's and B's) happen meanwhile.
            later = [
                await create_request(http, world.admin, c) for c in (world.a, world.b, world.a)
            ]
            wanted = [w for r in later for w in both(r)] + [(SENT, first)]
            await everything.until(*wanted)

        async with feed(
            http, world.admin_of_a, {"community_id": world.a}, last_event_id=last_seen
        ) as resumed:
            got = await resumed.until(*both(later[0]), *both(later[2]), (SENT, first))
        ids = [m.id for m in got]
        assert ids == sorted(set(ids)), "in order, each once"
        assert ids[0] > last_seen, "nothing already seen is repeated"
        end = ids[-1]
        expected = [
            m.id for m in everything.seen if last_seen < m.id <= end and m.concerns(world.a)
        ]
        assert ids == sorted(set(expected)), "every event of A since the last one seen, no gap"
        assert not [m for m in got if m.concerns(world.b)]

        # The query parameter works too, for clients without EventSource.
        async with feed(
            http,
            world.admin_of_a,
            {"community_id": world.a, "last_event_id": last_seen, "max_events": 1},
        ) as by_query:
            assert (await by_query.next()).id == ids[0]


async def ephemeral_consumers(nats_client: NatsClient, subdistrict: str) -> int:
    consumers = await nats_client.jetstream().consumers_info(events_stream(subdistrict))
    return sum(1 for c in consumers if not c.config.durable_name)


async def test_types_filter_cleanup_and_who_may_connect(
    world: World, nats_client: NatsClient, subdistrict: str
) -> None:
    async with httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10) as http:
        async with feed(http, world.admin, {"types": SENT}) as notifications:
            assert await ephemeral_consumers(nats_client, subdistrict) == 1
            in_b = await create_request(http, world.admin, world.b)
            got = await notifications.until((SENT, in_b))
            assert {m.event for m in got} == {SENT}
        # The client went away: its consumer goes too (no durable consumer per client),
        # deleted by the gateway at once, not by the server's inactivity timer (10 s).
        await eventually(
            lambda: ephemeral_consumers(nats_client, subdistrict),
            lambda n: n == 0,
            within=CLEANED_UP_WITHIN,
            what="the feed's consumer to be deleted",
        )

        _, leader = await new_account(http, world.admin, roles=["team_leader"], teams=["t1"])
        refusals = {
            "anonymous": ({}, {}),
            "a team leader": (leader, {}),
            "A's admin naming no community": (world.admin_of_a, {}),
            "A's admin naming B": (world.admin_of_a, {"community_id": world.b}),
        }
        for who, (headers, params) in refusals.items():
            response = await http.get(
                "/api/v1/events/stream", headers=headers, params={**params, "max_events": 0}
            )
            assert response.status_code in (401, 403), f"{who}: {response.status_code}"
            assert response.headers["content-type"] == "application/problem+json"
        bad = await http.get(
            "/api/v1/events/stream",
            headers={**world.admin, "Last-Event-ID": "yesterday"},
            params={"max_events": 0},
        )
        assert bad.status_code == 422


def short_lived(headers: dict[str, str], seconds: float) -> dict[str, str]:
    """The same caller with a token like theirs (every claim copied) that expires sooner."""
    token = headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int(time.time() + seconds)
    return {"Authorization": "Bearer " + jwt.encode(claims, DEV_SECRET, algorithm="HS256")}


async def test_a_stream_ends_when_its_token_expires_and_resumes_losing_nothing(
    world: World, nats_client: NatsClient, subdistrict: str
) -> None:
    soon = short_lived(world.admin_of_a, 4)
    async with httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10) as http:
        async with feed(http, soon, {"community_id": world.a}) as own:
            before = await create_request(http, world.admin, world.a)
            last_seen = (await own.until((CREATED, before)))[-1].id
            assert await own.end(within=15) == "token expired"
        # Its consumer is gone with it, before the server's own timer would remove it.
        await eventually(
            lambda: ephemeral_consumers(nats_client, subdistrict),
            lambda n: n == 0,
            within=CLEANED_UP_WITHIN,
            what="the expired feed's consumer to be deleted",
        )
        # Meanwhile more happens; the client comes back with a fresh token and the last id.
        after = await create_request(http, world.admin, world.a)
        async with feed(
            http, world.admin_of_a, {"community_id": world.a}, last_event_id=last_seen
        ) as resumed:
            got = await resumed.until((SENT, before), *both(after))
        assert got[0].id > last_seen
        # A token that has expired already opens nothing.
        gone = await http.get(
            "/api/v1/events/stream", headers=short_lived(world.admin, -1), params={"max_events": 0}
        )
        assert gone.status_code == 401


async def test_a_stream_opened_with_an_api_key_ends_when_the_key_is_revoked(
    launch: Launch,
) -> None:
    world = await start_world(launch, EVENT_STREAM_KEY_CHECK_S="0.5")
    async with httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10) as http:
        made = await http.post("/api/v1/api-keys", headers=world.admin, json={"name": "城市平台"})
        assert made.status_code == 201, made.text
        key = {"X-API-Key": made.json()["api_key"]}
        async with feed(http, key, {"types": CREATED}) as integration:
            action = await create_request(http, world.admin, world.b)
            await integration.until((CREATED, action))
            revoked = await http.delete(
                f"/api/v1/api-keys/{made.json()['id']}", headers=world.admin
            )
            assert revoked.status_code == 204, revoked.text
            assert await integration.end(within=10) == "API key revoked"


async def test_one_caller_may_hold_five_streams_at_once(world: World) -> None:
    async with (
        httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10) as http,
        AsyncExitStack() as streams,
    ):
        first = await streams.enter_async_context(AsyncExitStack())
        await first.enter_async_context(feed(http, world.admin))
        for _ in range(4):
            await streams.enter_async_context(feed(http, world.admin))
        sixth = await http.get("/api/v1/events/stream", headers=world.admin)
        assert sixth.status_code == 429, sixth.text
        assert sixth.headers["content-type"] == "application/problem+json"
        assert int(sixth.headers["Retry-After"]) > 0
        # Somebody else is not counted against them.
        async with feed(http, world.admin_of_a, {"community_id": world.a}):
            pass
        # Closing one frees its place.
        await first.aclose()

        async def reopened() -> int:
            response = await http.get(
                "/api/v1/events/stream", headers=world.admin, params={"max_events": 0}
            )
            return response.status_code

        await eventually(
            reopened, lambda code: code == 200, within=CLEANED_UP_WITHIN, what="a free place"
        )


async def test_a_resume_from_too_far_back_is_gone(launch: Launch) -> None:
    world = await start_world(launch, EVENT_STREAM_MAX_REPLAY="3")
    async with httpx.AsyncClient(base_url=world.gateway.base_url, timeout=10) as http:
        async with feed(http, world.admin) as everything:
            first = await create_request(http, world.admin, world.a)
            last_seen = (await everything.until(*both(first)))[-1].id
            second = await create_request(http, world.admin, world.b)
            await everything.until(*both(second))
            third = await create_request(http, world.admin, world.b)
            latest = (await everything.until(*both(third)))[-1].id
        assert latest - last_seen > 3
        for stale in (last_seen, latest + 1000):
            gone = await http.get(
                "/api/v1/events/stream",
                headers={**world.admin, "Last-Event-ID": str(stale)},
                params={"max_events": 0},
            )
            assert gone.status_code == 410, f"{stale}: {gone.text}"
            assert gone.headers["content-type"] == "application/problem+json"
            assert "without Last-Event-ID" in gone.json()["detail"]
        # Close enough, it resumes as ever.
        async with feed(http, world.admin, last_event_id=latest - 1) as resumed:
            assert (await resumed.next()).id == latest


async def test_a_feed_that_falls_behind_ends_instead_of_skipping(
    nats_client: NatsClient, subdistrict: str
) -> None:
    """The consumer's buffer is bounded; overflowing it ends the feed, never leaves a gap."""
    js = nats_client.jetstream()
    await js.add_stream(events_stream_config(subdistrict))
    subject = events_filter(subdistrict).replace(">", "x.y.z")
    body = json.dumps({"type": CREATED, "data": {"pad": "x" * 10_000}}).encode()
    for _ in range(200):
        await js.publish(subject, body)
    opened = await EventFeed.open(
        nats_client, subdistrict, 0, pending_msgs=1000, pending_bytes=100_000
    )
    try:
        # Let the server push more than the buffer holds.
        consumer = events_stream(subdistrict)

        async def delivered() -> int:
            infos = await js.consumers_info(consumer)
            return max((i.delivered.stream_seq for i in infos if i.delivered), default=0)

        await eventually(delivered, lambda n: n > 20, within=WITHIN, what="deliveries")
        sequences: list[int] = []
        with pytest.raises(FeedInterrupted, match="fell behind"):
            async with asyncio.timeout(WITHIN):
                while True:
                    item = await opened.next(within=1)
                    if item is not None:
                        sequences.append(item.sequence)
        assert sequences == list(range(1, len(sequences) + 1)), "no gap before the end"
        assert len(sequences) < 200
    finally:
        await opened.close()
