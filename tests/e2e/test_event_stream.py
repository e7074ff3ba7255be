"""The live feed against the running requests, notify and gateway processes."""

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient

from shared.contracts.subjects import events_stream
from tests.e2e.conftest import Launch, RunningProcess, new_account, sign_in_admin
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

CREATED = "cn.redvest.requests.request.created.v1"
SENT = "cn.redvest.notify.notification.sent.v1"
WITHIN = 20.0  # every wait for an event is bounded by this


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


class Feed:
    """One open SSE response, parsed line by line."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.seen: list[Message] = []

    async def next(self) -> Message:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if not line:
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
    processes = [launch(name) for name in ("requests", "notify", "gateway")]
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
        # The client went away: its consumer goes too (no durable consumer per client).
        await eventually(
            lambda: ephemeral_consumers(nats_client, subdistrict),
            lambda n: n == 0,
            within=WITHIN,
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
