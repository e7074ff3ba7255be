"""The service's own dispatcher loop: due deliveries go out without anyone calling `tick`,
and an admin's retry is picked up by the next pass."""

from typing import Any

import pytest

from services.notify import clock
from services.notify.delivery_handlers import dispatcher_of
from shared.contracts.commands import notify as commands
from shared.contracts.events.notify import NotificationFailed, NotificationSent
from tests.integration.notify.conftest import Notify
from tests.integration.notify.delivery_support import TestChannel, delivery, enqueue, stored
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def notify_overrides() -> dict[str, Any]:
    return {"dispatch_interval_s": 0.1}


async def test_the_loop_sends_due_deliveries_and_admin_retries(notify: Notify) -> None:
    email = TestChannel(name="email", failures=1, retryable=False)
    dispatcher_of(notify.runtime).channels["email"] = email
    one = delivery(channel="email", address="li.lei@example.com", due_at=clock.now())
    await enqueue(notify, one)
    await notify.events.wait_for(NotificationFailed, lambda e: e.notification_id == one.id)
    assert (await stored(notify, one.id))["status"] == "dead"

    await notify.call(commands.RETRY_DELIVERY, commands.RetryDelivery(delivery_id=one.id))
    await notify.events.wait_for(NotificationSent, lambda e: e.notification_id == one.id)
    await eventually(lambda: stored(notify, one.id), lambda d: d["status"] == "sent")
    assert [m.address for m in email.sent] == ["li.lei@example.com"]
