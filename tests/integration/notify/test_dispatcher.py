"""The dispatcher on real servers, driven with its own `now`: retries with backoff, dead
letters with NotificationFailed and an admin's retry, a refused send dead at once, an
unconfigured channel, and each delivery sent once however many replicas pass."""

import asyncio
import random
from datetime import timedelta

import pytest

from services.notify import clock, delivery_store
from services.notify.channels.base import Outgoing
from services.notify.delivery_store import utc
from services.notify.dispatcher import Dispatcher
from services.notify.domain.backoff import next_delay
from shared.contracts.commands import notify as commands
from shared.contracts.events.notify import NotificationFailed, NotificationSent
from shared.contracts.rpc import Conflict, NotFound
from shared.store.aggregates import AggregateStore
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


async def test_an_event_enqueued_twice_is_one_delivery(notify: Notify) -> None:
    store = delivery_store.store_of(notify.runtime)
    one = delivery()
    assert await delivery_store.enqueue(store, one) is True
    assert await delivery_store.enqueue(store, one.model_copy(update={"title": "again"})) is False
    doc = await stored(notify, one.id)
    assert doc["title"] == "诉求已办结" and doc["due_at"] == T0 and doc["status"] == "pending"


async def test_failures_are_retried_after_backoff_then_sent_once(notify: Notify) -> None:
    sms = TestChannel(failures=2)
    here = dispatcher(notify, sms, seed=11, backoff_base_s=30.0, backoff_max_s=3600.0)
    jitter = random.Random(11)  # the same draws as the dispatcher's
    one = delivery()
    await enqueue(notify, one)

    assert await here.tick(T0) == 1
    first = await stored(notify, one.id)
    delay = next_delay(1, 30.0, 3600.0, jitter)
    assert first["status"] == "pending" and first["attempts"] == 1
    assert first["due_at"] == utc(T0 + timedelta(seconds=delay)) > T0 + timedelta(seconds=2)
    assert first["last_error"] == "HTTP 502 from the provider"
    assert await here.tick(first["due_at"] - timedelta(milliseconds=1)) == 0  # not yet

    assert await here.tick(first["due_at"]) == 1
    second = await stored(notify, one.id)
    delay = next_delay(2, 30.0, 3600.0, jitter)
    assert second["due_at"] == utc(first["due_at"] + timedelta(seconds=delay))
    assert second["attempts"] == 2 and sms.sent == []

    assert await here.tick(second["due_at"]) == 1
    done = await stored(notify, one.id)
    assert (done["status"], done["attempts"], done["sent_at"]) == ("sent", 3, second["due_at"])
    assert [a["ok"] for a in done["history"]] == [False, False, True]
    assert [m.delivery_id for m in sms.sent] == [one.id]
    assert sms.sent[0].address == "13812341234" and sms.sent[0].title == "诉求已办结"
    assert await here.tick(second["due_at"] + timedelta(days=1)) == 0
    [event] = await notify.events.wait_for(NotificationSent, lambda e: e.notification_id == one.id)
    assert (event.attempts, event.channel, event.audience) == (3, "sms", "member:m1")
    assert event.cause_event_id == one.cause_event_id and event.digest is False


async def test_dead_after_the_last_attempt_and_an_admin_sends_it_again(notify: Notify) -> None:
    sms = TestChannel(failures=10)
    here = dispatcher(notify, sms, max_attempts=3)
    one = delivery()
    await enqueue(notify, one)
    at = T0
    for _ in range(3):
        assert await here.tick(at) == 1
        doc = await stored(notify, one.id)
        at = doc["due_at"]
    assert doc["status"] == "dead" and doc["attempts"] == 3
    [failed] = await notify.events.wait_for(NotificationFailed)
    assert (failed.notification_id, failed.attempts, failed.audience) == (one.id, 3, "member:m1")
    assert failed.error == "HTTP 502 from the provider"
    assert "13812341234" not in failed.model_dump_json()  # no contact data in events
    assert await here.tick(at + timedelta(days=1)) == 0  # dead stays dead

    with pytest.raises(NotFound):
        await notify.call(commands.RETRY_DELIVERY, commands.RetryDelivery(delivery_id="nope"))
    retried = await notify.call(
        commands.RETRY_DELIVERY, commands.RetryDelivery(delivery_id=one.id), actor="user:a9"
    )
    assert (retried["status"], retried["attempts"]) == ("pending", 0)
    assert retried["history"][-1]["note"] == "retried by user:a9"
    assert len(retried["history"]) == 4  # the three tries are kept
    with pytest.raises(Conflict, match="pending"):
        await notify.call(commands.RETRY_DELIVERY, commands.RetryDelivery(delivery_id=one.id))

    sms.failures = 0  # the admin fixed the cause
    due = (await stored(notify, one.id))["due_at"]
    assert await here.tick(due) == 1
    assert (await stored(notify, one.id))["status"] == "sent"
    [sent] = await notify.events.wait_for(NotificationSent, lambda e: e.notification_id == one.id)
    assert sent.attempts == 1
    assert len(sms.sent) == 1


async def test_a_refused_send_is_dead_at_once(notify: Notify) -> None:
    sms = TestChannel(failures=1, retryable=False)
    one = delivery()
    await enqueue(notify, one)
    assert await dispatcher(notify, sms).tick(T0) == 1
    doc = await stored(notify, one.id)
    assert (doc["status"], doc["attempts"]) == ("dead", 1)
    [failed] = await notify.events.wait_for(NotificationFailed)
    assert failed.attempts == 1 and failed.notification_id == one.id


async def test_a_channel_no_longer_configured_is_dead_with_the_reason(notify: Notify) -> None:
    one = delivery(channel="sms")
    await enqueue(notify, one)
    assert await dispatcher(notify, TestChannel(name="email")).tick(T0) == 1
    doc = await stored(notify, one.id)
    assert doc["status"] == "dead" and doc["last_error"] == "channel sms is not configured"
    [failed] = await notify.events.wait_for(NotificationFailed)
    assert failed.error == "channel sms is not configured"


async def test_two_replicas_send_each_delivery_once(notify: Notify) -> None:
    channel = TestChannel()
    many = [delivery(address=f"1381234{n:04d}") for n in range(30)]
    await enqueue(notify, *many)
    here = dispatcher(notify, channel)
    # The other replica: its own store object on the same collection (own locks, no relay).
    other = Dispatcher(
        AggregateStore(notify.runtime.db["deliveries"]),
        {"sms": channel},
        notify.settings,
        notify.settings.subdistrict,
    )
    tried = await asyncio.gather(here.tick(T0), other.tick(T0), here.tick(T0), other.tick(T0))
    assert sum(tried) == 30
    assert sorted(m.delivery_id for m in channel.sent) == sorted(d.id for d in many)
    sent = await notify.events.wait_for(NotificationSent, count=30)
    assert len({e.notification_id for e in sent}) == 30
    assert len(notify.events.of(NotificationSent)) == 30


async def test_a_sender_that_died_leaves_its_deliveries_to_the_next_pass(notify: Notify) -> None:
    one = delivery()
    await enqueue(notify, one)
    store = delivery_store.store_of(notify.runtime)
    claim_timeout = timedelta(seconds=notify.settings.claim_timeout_s)
    # A replica claimed it, then died before sending.
    await store.update(
        one.id,
        lambda d: (
            {
                **d,
                "claim": "gone",
                "claimed_until": T0 + claim_timeout,
                "due_at": T0 + claim_timeout,
            },
            [],
        ),
    )
    sms = TestChannel()
    assert await dispatcher(notify, sms).tick(T0 + timedelta(seconds=1)) == 0
    assert await dispatcher(notify, sms).tick(T0 + claim_timeout) == 1
    assert [m.delivery_id for m in sms.sent] == [one.id]


class HeldChannel(TestChannel):
    """Sends only when the test lets it, so a stop can come while a send is under way."""

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()
        self.go = asyncio.Event()

    async def send(self, message: Outgoing) -> None:
        self.sending.set()
        await self.go.wait()
        await super().send(message)


async def test_a_stopping_loop_finishes_the_send_under_way(notify: Notify) -> None:
    sms = HeldChannel()
    one = delivery(due_at=clock.now())
    await enqueue(notify, one)
    here = dispatcher(notify, sms)
    loop = asyncio.create_task(here.run(on_stop=sms.close))
    await asyncio.wait_for(sms.sending.wait(), 10)
    loop.cancel()  # the service stops while the message is on its way
    sms.go.set()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert [m.delivery_id for m in sms.sent] == [one.id]
    assert (await stored(notify, one.id))["status"] == "sent"
    assert sms.closed
