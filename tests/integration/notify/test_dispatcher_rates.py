"""Rate limits by queueing: a robot's 20 a minute hold however the messages come, none is
lost or sent twice, the order per robot stays, and two replicas share one count."""

import asyncio
from datetime import datetime, timedelta

import pytest

from services.notify.rate_slots import RateSlots
from tests.integration.notify.conftest import Notify
from tests.integration.notify.delivery_support import (
    T0,
    TestChannel,
    delivery,
    dispatcher,
    enqueue,
    stored,
)

pytestmark = pytest.mark.integration

MINUTE = timedelta(minutes=1)


def busiest_minute(times: list[datetime]) -> int:
    """The most sends inside any 60 s window [t, t + 60 s)."""
    times = sorted(times)
    return max(
        sum(1 for other in times[i:] if other < start + MINUTE) for i, start in enumerate(times)
    )


async def test_25_messages_for_one_robot_in_a_minute_are_spread_none_lost(
    notify: Notify,
) -> None:
    robot = TestChannel(name="wecom_robot", per_minute=20)
    # Another robot's messages do not count against the first one.
    messages = [
        delivery(
            recipient="robot:b7",
            channel="wecom_robot",
            address="b7",
            title=f"通知 {n}",
            due_at=T0 + timedelta(seconds=2 * n),
        )
        for n in range(25)
    ]
    others = [
        delivery(recipient="robot:b8", channel="wecom_robot", address="b8", due_at=T0)
        for _ in range(5)
    ]
    await enqueue(notify, *messages, *others)
    here = dispatcher(notify, robot)
    now = T0
    while now <= T0 + 3 * MINUTE:  # a pass every 5 s
        await here.tick(now)
        now += timedelta(seconds=5)

    sent_b7 = [m for m in robot.sent if m.address == "b7"]
    assert [m.title for m in sent_b7] == [f"通知 {n}" for n in range(25)]  # all, once, in order
    assert len([m for m in robot.sent if m.address == "b8"]) == 5
    docs = [await stored(notify, m.id) for m in messages]
    assert {d["status"] for d in docs} == {"sent"}
    times = [d["sent_at"] for d in docs]
    assert busiest_minute(times) == 20
    assert max(times) >= T0 + MINUTE  # the last five waited for free slots
    assert all(d["attempts"] == 1 and d["history"][0]["ok"] for d in docs)  # none failed


async def test_a_full_minute_queues_the_rest_until_a_slot_frees(notify: Notify) -> None:
    robot = TestChannel(name="wecom_robot", per_minute=20)
    messages = [
        delivery(recipient="robot:b7", channel="wecom_robot", address="b7") for _ in range(25)
    ]
    await enqueue(notify, *messages)
    here = dispatcher(notify, robot)
    assert await here.tick(T0) == 20
    waiting = [await stored(notify, m.id) for m in messages]
    queued = [d for d in waiting if d["status"] == "pending"]
    assert len(queued) == 5
    assert {d["due_at"] for d in queued} == {T0 + MINUTE}
    assert all(d["attempts"] == 0 and d["claimed_until"] is None for d in queued)
    assert await here.tick(T0 + timedelta(seconds=59)) == 0
    assert await here.tick(T0 + MINUTE) == 5
    assert len(robot.sent) == 25


async def test_two_replicas_share_the_count(notify: Notify) -> None:
    collection = notify.runtime.db["rate_slots"]
    here, there = RateSlots(collection), RateSlots(collection)
    taken = await asyncio.gather(
        *(slots.reserve("wecom_robot:b7", 5, T0) for slots in [here, there] * 6)
    )
    assert taken.count(None) == 5
    assert set(taken) - {None} == {T0 + MINUTE}
    assert await here.reserve("wecom_robot:b7", 5, T0 + timedelta(seconds=59)) == T0 + MINUTE
    assert await there.reserve("wecom_robot:b7", 5, T0 + MINUTE) is None
    assert await here.reserve("wecom_robot:b8", 5, T0) is None  # another key, its own count
