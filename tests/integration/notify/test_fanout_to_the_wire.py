"""A building's notice from the post to the wire: posted at 02:00, nothing leaves before
08:00; at 08:00 the text message reaches the SMS provider, the e-mail the SMTP server and the
building's robot its group, each once, and each is recorded sent (real local endpoints)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.notify import clock
from services.notify.delivery_handlers import dispatcher_of
from shared.contracts.commands import notify as commands
from shared.contracts.events.notify import NotificationSent
from tests.integration.notify.conftest import Notify
from tests.integration.notify.endpoints import (
    SmsProviderFake,
    SmtpServer,
    WecomRobotFake,
    sms_provider,
    smtp_server,
    wecom_robot,
)
from tests.integration.notify.fanout_world import (
    PHONE,
    delivered,
    envelope_of,
    preferences,
    quantang,
)

pytestmark = pytest.mark.integration

# 02:00 in Quantang (UTC+8); the end of its quiet hours, 08:00; a minute before.
TWO_AM = datetime(2031, 3, 9, 18, 0, tzinfo=UTC)
EIGHT_AM = datetime(2031, 3, 10, 0, 0, tzinfo=UTC)
SECRET = "sms-secret"


@dataclass
class Wire:
    sms: SmsProviderFake
    mail: SmtpServer
    robot: WecomRobotFake


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    async with (
        sms_provider(SECRET, access_key_id="key-id") as sms,
        smtp_server() as mail,
        wecom_robot(keys={"robot-key"}) as robot,
    ):
        yield Wire(sms, mail, robot)


@pytest.fixture
def notify_overrides(wire: Wire) -> dict[str, Any]:
    return {
        "dispatch_interval_s": 3600.0,
        "smtp_host": wire.mail.host,
        "smtp_port": wire.mail.port,
        "sms_url": wire.sms.url,
        "sms_access_key_id": "key-id",
        "sms_access_key_secret": SECRET,
        "wecom_url": wire.robot.send_url,
        "wecom_robots": [{"id": "b1-group", "key": "robot-key", "scopes": ["building:b1"]}],
    }


async def test_a_night_notice_leaves_at_eight_once_per_channel(
    notify: Notify, wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: TWO_AM)
    await quantang(notify)
    await preferences(notify, "m1", channels=["inbox", "sms"], phone=PHONE)
    await preferences(notify, "m2", channels=["inbox", "email"], email="zhao@example.com")
    posted = await notify.call(
        commands.POST_NOTICE,
        commands.PostNotice(
            community_id="c1", scope="building:b1", title_zh="明日停水", body_zh="明天9点停水。"
        ),
    )
    event = await envelope_of(notify, posted["notice_id"])
    await delivered(notify, event.id, "robot:b1-group", "wecom_robot")
    dispatcher = dispatcher_of(notify.runtime)

    assert await dispatcher.tick(EIGHT_AM - timedelta(minutes=1)) == 0
    assert (wire.sms.sent, wire.mail.arrived, wire.robot.delivered) == ([], [], [])

    assert await dispatcher.tick(EIGHT_AM) == 3
    assert await dispatcher.tick(EIGHT_AM + timedelta(minutes=5)) == 0  # nothing twice
    [sms] = wire.sms.sent
    assert sms["PhoneNumbers"] == PHONE and "明日停水" in sms["TemplateParam"]
    [mail] = wire.mail.messages
    assert mail["To"] == "zhao@example.com" and mail["Subject"] == "明日停水"
    assert "明天9点停水。" in mail.get_content()
    [(key, message)] = wire.robot.delivered
    assert key == "robot-key" and "明日停水" in str(message)

    sent = await notify.events.wait_for(
        NotificationSent,
        where=lambda e: e.cause_event_id == event.id and e.channel != "inbox",
        count=3,
    )
    assert {(e.audience, e.channel) for e in sent} == {
        ("member:m1", "sms"),
        ("member:m2", "email"),
        ("robot:b1-group", "wecom_robot"),
    }
    assert all(e.sent_at == EIGHT_AM for e in sent)
