"""The delivery log over NATS, as the gateway asks: per cause event, recipient, status,
channel or community, newest first, cursor-paged, addresses masked, no payload."""

from typing import Any

import pytest

from shared.contracts.commands import notify as commands
from shared.contracts.ids import new_id
from tests.integration.notify.conftest import Notify
from tests.integration.notify.delivery_support import T0, TestChannel, delivery, dispatcher, enqueue

pytestmark = pytest.mark.integration


async def log(notify: Notify, **query: Any) -> dict[str, Any]:
    page: dict[str, Any] = await notify.call(
        commands.LIST_DELIVERIES, commands.ListDeliveries(**query)
    )
    return page


async def test_the_log_filters_pages_and_masks(notify: Notify) -> None:
    first, second = new_id(), new_id()
    sms = delivery(cause_event_id=first, payload={"secret": "do-not-show"})
    email = delivery(
        cause_event_id=first, channel="email", address="li.lei@example.com", community_id="c2"
    )
    robot = delivery(
        cause_event_id=first, recipient="robot:b7", channel="wecom_robot", address="b7"
    )
    later = delivery(cause_event_id=second, channel="sms", address="13900000456")
    await enqueue(notify, sms, email, robot, later)
    refusing_sms = TestChannel(failures=5, retryable=False)
    working = [TestChannel(name="email"), TestChannel(name="wecom_robot")]
    assert await dispatcher(notify, refusing_sms, *working).tick(T0) == 4

    everything = await log(notify)
    assert everything["items"][0]["id"] == later.id  # newest event first
    by_event = await log(notify, event_id=first)
    views = {d["channel"]: d for d in by_event["items"]}
    assert set(views) == {"sms", "email", "wecom_robot"}
    assert views["sms"]["address"] == "138****1234"
    assert views["email"]["address"] == "li***@example.com"
    assert views["wecom_robot"]["address"] == "b7"
    assert "payload" not in views["sms"] and "do-not-show" not in str(by_event)
    assert "13812341234" not in str(by_event) and "li.lei@" not in str(by_event)

    dead = await log(notify, status="dead")
    assert {d["id"] for d in dead["items"]} == {sms.id, later.id}
    sent = await log(notify, status="sent")
    assert {d["id"] for d in sent["items"]} == {email.id, robot.id}
    assert dead["items"][0]["last_error"] == "HTTP 502 from the provider"
    assert [d["id"] for d in (await log(notify, recipient="robot:b7"))["items"]] == [robot.id]
    assert [d["id"] for d in (await log(notify, channel="email"))["items"]] == [email.id]
    assert [d["id"] for d in (await log(notify, community_id="c2"))["items"]] == [email.id]
    assert (await log(notify, event_id=second, channel="email"))["items"] == []

    pages, cursor = [], None
    while True:
        page = await log(notify, limit=3, cursor=cursor)
        pages.append([d["id"] for d in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [3, 1]
    assert [i for p in pages for i in p] == [d["id"] for d in everything["items"]]
