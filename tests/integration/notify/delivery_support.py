"""What the delivery tests share: deliveries made as the fan-out makes them, a channel that
records what it sends and fails as told, and a dispatcher over the service's store driven
with the test's own `now`."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notify import delivery_store
from services.notify.channels.base import ChannelError, Outgoing
from services.notify.dispatcher import Dispatcher
from services.notify.domain.delivery import Delivery, delivery_id
from shared.contracts.ids import new_id
from tests.integration.notify.conftest import Notify

# Far ahead of the real clock: the service's own loop (one pass at start-up, then an hour
# asleep) never finds these deliveries due.
T0 = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)


def delivery(
    *,
    recipient: str = "member:m1",
    channel: str = "sms",
    address: str = "13812341234",
    due_at: datetime = T0,
    cause_event_id: str | None = None,
    title: str = "诉求已办结",
    body: str = "您的诉求已办结。",
    **fields: Any,
) -> Delivery:
    cause = cause_event_id or new_id()
    made: dict[str, Any] = {
        "id": delivery_id(cause, recipient, channel),
        "cause_event_id": cause,
        "cause_event_type": "RequestResolved",
        "recipient": recipient,
        "community_id": "c1",
        "channel": channel,
        "address": address,
        "language": "zh-CN",
        "priority": "normal",
        "title": title,
        "body": body,
        "due_at": due_at,
        "created_at": due_at - timedelta(seconds=1),
    }
    return Delivery(**{**made, **fields})


@dataclass
class TestChannel:
    """Sends nowhere but remembers; `failures` errors come first (with `retryable`)."""

    name: str = "sms"
    per_minute: int | None = None
    failures: int = 0
    retryable: bool = True
    sent: list[Outgoing] = field(default_factory=list)
    tries: int = 0
    closed: bool = False

    __test__ = False  # not a pytest class

    def rate_key(self, message: Outgoing) -> str:
        return f"{self.name}:{message.address}"

    async def send(self, message: Outgoing) -> None:
        self.tries += 1
        if self.failures > 0:
            self.failures -= 1
            raise ChannelError("HTTP 502 from the provider", retryable=self.retryable)
        self.sent.append(message)

    async def close(self) -> None:
        self.closed = True


def dispatcher(
    notify: Notify, *channels: TestChannel, seed: int = 5, **settings: Any
) -> Dispatcher:
    """A dispatcher on the service's `deliveries` store (its events go out through the
    service's relay), over the given channels, with a seeded jitter."""
    return Dispatcher(
        delivery_store.store_of(notify.runtime),
        {channel.name: channel for channel in channels},
        notify.settings.model_copy(update=settings),
        notify.settings.subdistrict,
        rng=random.Random(seed),
    )


async def enqueue(notify: Notify, *deliveries: Delivery) -> None:
    store = delivery_store.store_of(notify.runtime)
    for one in deliveries:
        assert await delivery_store.enqueue(store, one)


async def stored(notify: Notify, delivery_id: str) -> dict[str, Any]:
    return await delivery_store.store_of(notify.runtime).get(delivery_id)
