"""The issue's robot tests against a real local HTTP server playing the WeChat Work robot
API (tests/integration/notify/endpoints.py), through the real adapter: errors twice, then
one message arrives after backoff; 25 messages in a minute for one robot keep to its 20 a
minute (the server refuses a 21st with errcode 45009) and all arrive."""

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr

from services.notify import delivery_store
from services.notify.channels.wecom_robot import WecomRobotChannel
from services.notify.config import RobotConfig
from services.notify.delivery_store import utc
from services.notify.dispatcher import Dispatcher
from services.notify.domain.backoff import next_delay
from services.notify.domain.delivery import Delivery
from shared.contracts.events.notify import NotificationSent
from tests.integration.notify.conftest import Notify
from tests.integration.notify.delivery_support import T0, delivery, enqueue, stored
from tests.integration.notify.endpoints import Reply, WecomRobotFake, wecom_error, wecom_robot

pytestmark = pytest.mark.integration

KEY = "robot-key-b7"


class Clock:
    """The test's time: the dispatcher's `now` and the fake API's minute count move together."""

    def __init__(self) -> None:
        self.now = T0

    def seconds(self) -> float:
        return (self.now - T0).total_seconds()


@asynccontextmanager
async def robot_dispatcher(
    notify: Notify, api: WecomRobotFake, seed: int
) -> AsyncIterator[Dispatcher]:
    settings = notify.settings.model_copy(
        update={
            "wecom_url": api.send_url,
            "wecom_robots": [RobotConfig(id="b7", key=SecretStr(KEY), scopes=["building:b7"])],
            "backoff_base_s": 30.0,
            "backoff_max_s": 3600.0,
        }
    )
    channel = WecomRobotChannel(settings)
    try:
        yield Dispatcher(
            delivery_store.store_of(notify.runtime),
            {channel.name: channel},
            settings,
            settings.subdistrict,
            rng=random.Random(seed),
        )
    finally:
        await channel.close()


def to_robot(title: str = "停水通知", due_at: datetime = T0) -> Delivery:
    return delivery(
        recipient="robot:b7", channel="wecom_robot", address="b7", title=title, due_at=due_at
    )


async def test_errors_twice_then_one_message_arrives_after_backoff(notify: Notify) -> None:
    clock = Clock()
    async with wecom_robot(keys={KEY}, clock=clock.seconds) as api:
        api.script([Reply(500, body=b"busy"), wecom_error(-1, "system error")])
        one = to_robot()
        await enqueue(notify, one)
        jitter = random.Random(3)
        async with robot_dispatcher(notify, api, seed=3) as here:
            assert await here.tick(clock.now) == 1
            first = await stored(notify, one.id)
            assert first["due_at"] == utc(T0 + timedelta(seconds=next_delay(1, 30, 3600, jitter)))
            assert first["last_error"] == "robot b7: HTTP 500"
            clock.now = first["due_at"]
            assert await here.tick(clock.now) == 1
            second = await stored(notify, one.id)
            assert second["due_at"] == utc(
                first["due_at"] + timedelta(seconds=next_delay(2, 30, 3600, jitter))
            )
            assert second["last_error"].startswith("robot b7: errcode -1")
            assert api.delivered == []
            clock.now = second["due_at"]
            assert await here.tick(clock.now) == 1
            assert await here.tick(clock.now + timedelta(hours=1)) == 0
    assert len(api.received) == 3
    [(key, message)] = api.delivered
    assert key == KEY and "停水通知" in message[message["msgtype"]]["content"]
    done = await stored(notify, one.id)
    assert (done["status"], done["attempts"], done["sent_at"]) == ("sent", 3, second["due_at"])
    [event] = await notify.events.wait_for(NotificationSent, lambda e: e.notification_id == one.id)
    assert event.attempts == 3 and event.audience == "robot:b7"


async def test_25_messages_in_a_minute_respect_the_robots_limit(notify: Notify) -> None:
    clock = Clock()
    async with wecom_robot(keys={KEY}, clock=clock.seconds) as api:
        api.enforce_limit(20)
        messages = [to_robot(f"通知 {n}", due_at=T0 + timedelta(seconds=2 * n)) for n in range(25)]
        await enqueue(notify, *messages)
        async with robot_dispatcher(notify, api, seed=1) as here:
            while clock.now <= T0 + timedelta(minutes=3):  # a pass every 5 s
                await here.tick(clock.now)
                clock.now += timedelta(seconds=5)
    # Every message once, in order, and the API never had to refuse one (45009).
    assert len(api.received) == 25
    contents = [message[message["msgtype"]]["content"] for _, message in api.delivered]
    assert [c.split("\n")[0].strip("*") for c in contents] == [f"通知 {n}" for n in range(25)]
    docs = [await stored(notify, m.id) for m in messages]
    assert all(d["status"] == "sent" and d["attempts"] == 1 for d in docs)
    assert max(d["sent_at"] for d in docs) >= T0 + timedelta(minutes=1)
    await notify.events.wait_for(NotificationSent, count=25)
