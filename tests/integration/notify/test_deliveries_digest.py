"""The daily digest: a member's low-priority deliveries due together on one channel go out
as one message, are marked sent together (each with NotificationSent, digest=True), or are
retried together."""

from datetime import timedelta

import pytest

from services.notify.domain.delivery import Delivery
from shared.contracts.events.notify import NotificationSent
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

TITLES = ["积分变动", "服务时长已记入", "欢迎加入志愿队"]


def digest_for(member: str, titles: list[str]) -> list[Delivery]:
    return [
        delivery(
            recipient=f"member:{member}",
            channel="email",
            address=f"{member}@example.com",
            title=title,
            body=f"{title}：详情见小程序",
            priority="low",
            digest=True,
        )
        for title in titles
    ]


async def test_three_low_priority_deliveries_make_one_message(notify: Notify) -> None:
    email = TestChannel(name="email")
    mine = digest_for("m1", TITLES)
    theirs = digest_for("m2", ["积分变动"])
    single = delivery(recipient="member:m1", channel="email", address="m1@example.com")
    await enqueue(notify, *mine, *theirs, single)

    assert await dispatcher(notify, email).tick(T0) == 5
    by_address: dict[str, list[str]] = {}
    for message in email.sent:
        by_address.setdefault(message.address, []).append(message.title)
    assert by_address == {
        "m1@example.com": ["诉求已办结", "今日通知摘要（3 条）"],
        "m2@example.com": ["今日通知摘要（1 条）"],
    }
    [combined] = [m for m in email.sent if m.title == "今日通知摘要（3 条）"]
    assert combined.body.splitlines() == [
        f"{n}. {title}：{title}：详情见小程序" for n, title in enumerate(TITLES, start=1)
    ]
    for one in mine:
        doc = await stored(notify, one.id)
        assert (doc["status"], doc["digest"], doc["sent_at"]) == ("sent", True, T0)
    events = await notify.events.wait_for(NotificationSent, lambda e: e.digest, count=4)
    assert {e.notification_id for e in events} == {d.id for d in [*mine, *theirs]}
    await notify.events.wait_for(NotificationSent, lambda e: e.notification_id == single.id)


async def test_a_failed_digest_is_retried_as_one(notify: Notify) -> None:
    email = TestChannel(name="email", failures=1)
    mine = digest_for("m1", TITLES)
    await enqueue(notify, *mine)
    here = dispatcher(notify, email)
    assert await here.tick(T0) == 3
    docs = [await stored(notify, one.id) for one in mine]
    assert {(d["status"], d["attempts"]) for d in docs} == {("pending", 1)}
    [retry_at] = {d["due_at"] for d in docs}
    assert retry_at > T0
    assert await here.tick(retry_at) == 3
    assert [m.title for m in email.sent] == ["今日通知摘要（3 条）"]
    assert email.tries == 2
    events = await notify.events.wait_for(NotificationSent, lambda e: e.digest, count=3)
    assert {e.attempts for e in events} == {2}
    assert await here.tick(retry_at + timedelta(days=1)) == 0
