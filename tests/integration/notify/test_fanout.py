"""The issue's first test: a notice for one building. Residents who opted out of a channel do
not get it there; quiet hours defer non-urgent ones to 08:00 and let urgent ones through; the
same event delivered three times yields one message per recipient and channel; an outside
subscriber sees NotificationSent."""

from datetime import UTC, datetime
from typing import Any

import pytest

from services.notify import clock
from shared.contracts.catalogue import new_event
from shared.contracts.commands import notify as commands
from shared.contracts.events.notify import NoticePosted, NotificationSent
from shared.contracts.rpc import Conflict, Invalid
from shared.contracts.subjects import events_stream
from tests.integration.notify.conftest import Notify
from tests.integration.notify.fanout_world import (
    CHANNELS,
    PHONE,
    delivered,
    deliveries,
    envelope_of,
    inbox,
    preferences,
    quantang,
    told,
)
from tests.integration.service_harness import put_on_stream
from tests.waiting import eventually

pytestmark = pytest.mark.integration

NOTICE_POSTED = "cn.redvest.notify.notice.posted.v1"

# 02:00 in Quantang (UTC+8) and the end of its quiet hours, 08:00.
TWO_AM = datetime(2031, 3, 9, 18, 0, tzinfo=UTC)
EIGHT_AM = datetime(2031, 3, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def notify_overrides() -> dict[str, Any]:
    return dict(CHANNELS)


async def post(notify: Notify, scope: str, title: str, **fields: Any) -> str:
    notice = commands.PostNotice(
        community_id="c1", scope=scope, title_zh=title, body_zh=f"{title}，请相互转告。", **fields
    )
    answer = await notify.call(commands.POST_NOTICE, notice)
    notice_id: str = answer["notice_id"]
    return notice_id


async def test_a_notice_for_one_building(notify: Notify, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: TWO_AM)
    await quantang(notify)
    # m1 chose text messages; m2 e-mail, and left SMS out although a phone is known.
    await preferences(notify, "m1", channels=["inbox", "sms"], phone=PHONE)
    await preferences(
        notify, "m2", channels=["inbox", "email"], email="zhao@example.com", phone=PHONE
    )

    notice_id = await post(notify, "building:b1", "明日停水")
    event = await envelope_of(notify, notice_id)
    # The integrator's webhook is written last: then every delivery of the event is.
    made = await delivered(notify, event.id, "webhook:crm", "webhook")
    items = await inbox(notify, event.id)

    # The building's active residents, not b2's m3, not m4 who left.
    assert set(items) == {"member:m1", "member:m2"}
    assert items["member:m1"]["zh"]["title"] == "明日停水"
    assert items["member:m1"]["en"]["title"] == "明日停水"  # no English written: the Chinese
    assert set(made) == {
        ("member:m1", "sms"),
        ("member:m2", "email"),
        ("robot:b1-group", "wecom_robot"),
        ("webhook:crm", "webhook"),
    }
    sms = made[("member:m1", "sms")]
    assert sms["address"] == PHONE and sms["status"] == "pending"
    # 02:00: the residents' phones and the building's group wait until 08:00; a machine not.
    assert sms["due_at"] == EIGHT_AM
    assert made[("member:m2", "email")]["due_at"] == EIGHT_AM
    assert made[("robot:b1-group", "wecom_robot")]["due_at"] == EIGHT_AM
    assert made[("webhook:crm", "webhook")]["due_at"] == TWO_AM

    # An outside subscriber sees the inbox notifications as sent.
    sent = await notify.events.wait_for(
        NotificationSent, where=lambda e: e.cause_event_id == event.id, count=2
    )
    assert {(e.audience, e.channel, e.cause_event_type) for e in sent} == {
        ("member:m1", "inbox", event.type),
        ("member:m2", "inbox", event.type),
    }

    # An urgent one goes through at 02:00.
    urgent_id = await post(notify, "building:b1", "紧急停水", priority="urgent")
    urgent = await envelope_of(notify, urgent_id)
    made = await delivered(notify, urgent.id, "webhook:crm", "webhook")
    assert made[("member:m1", "sms")]["due_at"] == TWO_AM
    assert made[("robot:b1-group", "wecom_robot")]["due_at"] == TWO_AM
    assert (await inbox(notify, urgent.id))["member:m1"]["zh"]["title"] == "【紧急】紧急停水"


async def test_the_same_event_three_times_tells_each_once(notify: Notify) -> None:
    await quantang(notify)
    await preferences(notify, "m1", channels=["inbox", "sms"], phone=PHONE)
    notice = NoticePosted(
        notice_id="n-thrice",
        community_id="c1",
        scope="building:b1",
        priority="urgent",
        title_zh="电梯检修",
        body_zh="今天电梯检修。",
        title_en="Lift maintenance",
        body_en="The lift is being serviced today.",
    )
    event = new_event(notice, subdistrict=notify.settings.subdistrict, subject="n-thrice")
    for copy in range(3):
        await put_on_stream(notify.js, notify.settings.subdistrict, event, f"{event.id}-{copy}")
    # Then another notice: the consumer takes events in order, so once this one is told,
    # every copy before it was taken.
    after = await envelope_of(notify, await post(notify, "building:b2", "楼道清理"))
    await told(notify, after.id, "member:m3")

    items = await inbox(notify, event.id)
    assert sorted(items) == ["member:m1", "member:m2"]
    assert items["member:m1"]["en"]["title"] == "[URGENT] Lift maintenance"
    assert sorted(await deliveries(notify, event.id)) == [
        ("member:m1", "sms"),
        ("robot:b1-group", "wecom_robot"),
        ("webhook:crm", "webhook"),
    ]
    sent = notify.events.of(NotificationSent)
    assert sorted(e.audience for e in sent if e.cause_event_id == event.id) == [
        "member:m1",
        "member:m2",
    ]


async def test_a_notice_to_a_scope_outside_its_community_or_unknown_is_refused(
    notify: Notify,
) -> None:
    await quantang(notify)
    for scope in ("building:b9", "team:t9", "community:c2"):
        with pytest.raises(Invalid) as refused:
            await post(notify, scope, "通知")
        assert refused.value.details[0].loc == ["scope"]


async def test_a_notice_posted_again_with_its_id_is_posted_once(notify: Notify) -> None:
    await quantang(notify)
    notice = commands.PostNotice(
        community_id="c1",
        scope="compound:k1",
        title_zh="业主大会",
        body_zh="周六上午九点，小区广场。",
        notice_id="n-once",
    )
    first = await notify.call(commands.POST_NOTICE, notice)
    again = await notify.call(commands.POST_NOTICE, notice)
    assert first == again and first["posted_by"] == "user:test-admin"
    other = notice.model_copy(update={"title_zh": "另一条"})
    with pytest.raises(Conflict):
        await notify.call(commands.POST_NOTICE, other)
    event = await envelope_of(notify, "n-once")
    await told(notify, event.id, "member:m3")  # the compound's: b2 too
    posted = [e for e in notify.events.of(NoticePosted) if e.notice_id == "n-once"]
    assert len(posted) == 1 and posted[0].title_en == "业主大会"


async def test_a_consumer_per_service_and_none_is_sent_notifys_own_notifications(
    notify: Notify,
) -> None:
    """A consumer per service, so a registry flood never delays a request's notice; and one
    NotificationSent per inbox item is not sent back to any of them to skip."""
    await quantang(notify)
    await notify.call(
        commands.POST_NOTICE,
        commands.PostNotice(
            community_id="c1", scope="building:b1", title_zh="停水通知", body_zh="明天停水。"
        ),
    )
    await notify.events.wait_for(
        NotificationSent, lambda e: e.cause_event_type == NOTICE_POSTED, count=2
    )
    sd = notify.settings.subdistrict
    stream = events_stream(sd)
    expected = {
        "notify_registry": f"rv.{sd}.evt.registry.>",
        "notify_activities": f"rv.{sd}.evt.activities.>",
        "notify_requests": f"rv.{sd}.evt.requests.>",
        "notify_notices": f"rv.{sd}.evt.notify.notice.posted.v1",
    }

    async def settled() -> dict[str, Any]:
        infos = {name: await notify.js.consumer_info(stream, name) for name in expected}
        return infos if all(i.num_pending == i.num_ack_pending == 0 for i in infos.values()) else {}

    infos = await eventually(settled, bool, what="every consumer caught up")
    assert {name: info.config.filter_subject for name, info in infos.items()} == expected
    # Everything on the stream reached exactly one of them, but notify's own notifications.
    state = await notify.js.stream_info(stream)
    own = len(notify.events.of(NotificationSent))
    delivered = sum(info.delivered.consumer_seq for info in infos.values())
    assert own >= 2 and delivered == state.state.messages - own
