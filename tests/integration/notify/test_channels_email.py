"""The e-mail adapter against a real SMTP server (aiosmtpd), with and without STARTTLS."""

from typing import Any

import pytest
from pydantic import SecretStr

from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.email import EmailChannel
from services.notify.config import NotifySettings
from tests.integration.notify.endpoints import SmtpServer, integrator, smtp_server

pytestmark = pytest.mark.integration

TITLE = "志愿服务提醒：明天上午9点「敬老院义诊」"
BODY = "王**，您报名的活动明天上午9点在泉韵社区敬老院开始，请提前十分钟到场签到。"


def settings_for(server: SmtpServer, **overrides: Any) -> NotifySettings:
    values: dict[str, Any] = {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_from": "红马甲 RedVest <noreply@quantang.example>",
        "send_timeout_s": 5.0,
        "smtp_ca_file": server.ca_file,
    }
    return NotifySettings(**{**values, **overrides})


def mail(address: str = "volunteer@example.com", language: str = "zh-CN", delivery: str = "d1"):
    return Outgoing(
        delivery_id=f"e1:member:{delivery}:email",
        channel="email",
        address=address,
        language=language,
        title=TITLE,
        body=BODY,
        priority="normal",
        cause_event_id="e1",
        cause_event_type="ActivityReminderDue",
    )


async def send(settings: NotifySettings, message: Outgoing) -> None:
    channel = EmailChannel(settings)
    try:
        await channel.send(message)
    finally:
        await channel.close()


async def test_a_zh_cn_message_arrives_with_its_subject_and_body():
    async with smtp_server() as server:
        await send(settings_for(server), mail())
        [arrived] = server.arrived

    message = arrived.message
    assert arrived.rcpt_tos == ["volunteer@example.com"]
    assert arrived.mail_from == "noreply@quantang.example"
    assert not arrived.tls  # the server offered no STARTTLS
    assert message["Subject"] == TITLE
    assert not message["Subject"].defects
    assert message["To"] == "volunteer@example.com"
    assert str(message["From"]) == "红马甲 RedVest <noreply@quantang.example>"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    text = message.get_content()
    assert text.startswith(BODY + "\n\n")
    assert "如需更改接收方式" in text
    assert message["Message-ID"].endswith("@quantang.example>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "zh-CN"


async def test_on_the_wire_it_is_seven_bit_with_an_encoded_subject():
    async with smtp_server() as server:
        await send(settings_for(server), mail())
        raw = server.arrived[0].raw
    raw.decode("ascii")  # no 8-bit bytes: any relay takes it
    subject = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert subject.lower().startswith(b"subject: =?utf-8?")


async def test_an_english_reader_gets_the_english_footer():
    async with smtp_server() as server:
        await send(settings_for(server), mail(language="en"))
        text = server.messages[0].get_content()
    assert "To change how you are told" in text
    assert "如需更改接收方式" not in text


async def test_a_retry_has_the_same_message_id_another_delivery_another():
    async with smtp_server() as server:
        settings = settings_for(server)
        await send(settings, mail(delivery="d1"))
        await send(settings, mail(delivery="d1"))
        await send(settings, mail(delivery="d2"))
        first, retry, other = (each["Message-ID"] for each in server.messages)
    assert first == retry
    assert other != first


async def test_starttls_is_used_when_offered_and_the_login_follows_it():
    async with smtp_server(starttls=True, users={"notify": "s3cret"}) as server:
        settings = settings_for(server, smtp_user="notify", smtp_password=SecretStr("s3cret"))
        await send(settings, mail())
        [arrived] = server.arrived
    assert arrived.tls
    assert arrived.login == "notify"
    assert str(arrived.message["Subject"]) == TITLE


async def test_starttls_can_be_turned_off():
    async with smtp_server(starttls=True) as server:
        await send(settings_for(server, smtp_starttls=False), mail())
        [arrived] = server.arrived
    assert not arrived.tls


async def test_starttls_required_but_not_offered_goes_dead():
    async with smtp_server() as server:
        with pytest.raises(ChannelError) as refused:
            await send(settings_for(server, smtp_starttls=True), mail())
        assert server.arrived == []
    assert not refused.value.retryable


async def test_an_untrusted_certificate_is_refused():
    async with smtp_server(starttls=True) as server:
        with pytest.raises(ChannelError) as failed:
            await send(settings_for(server, smtp_ca_file=None), mail())
        assert server.arrived == []
    assert failed.value.retryable  # a TLS failure is a connection failure


async def test_a_bad_login_is_not_retried():
    async with smtp_server(starttls=True, users={"notify": "s3cret"}) as server:
        settings = settings_for(server, smtp_user="notify", smtp_password=SecretStr("wrong"))
        with pytest.raises(ChannelError) as refused:
            await send(settings, mail())
    assert not refused.value.retryable
    assert "535" in str(refused.value)


async def test_an_unknown_user_is_not_retried_and_the_address_stays_out_of_the_error():
    async with smtp_server(unknown={"nobody@example.com"}) as server:
        with pytest.raises(ChannelError) as refused:
            await send(settings_for(server), mail("nobody@example.com"))
    assert not refused.value.retryable
    assert "550 5.1.1" in str(refused.value)
    assert "nobody" not in str(refused.value)


async def test_a_temporary_refusal_is_retried_and_then_it_arrives():
    async with smtp_server() as server:
        server.script(["451 4.3.0 Try again later"])
        with pytest.raises(ChannelError) as deferred:
            await send(settings_for(server), mail())
        assert deferred.value.retryable
        assert "451 4.3.0" in str(deferred.value)

        await send(settings_for(server), mail())
        assert len(server.arrived) == 1


async def test_no_server_is_retryable():
    async with integrator() as gone:
        port = int(gone.url.rsplit(":", 1)[1])
    settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=port, send_timeout_s=2.0)
    with pytest.raises(ChannelError) as failed:
        await send(settings, mail())
    assert failed.value.retryable


@pytest.mark.parametrize("address", ["not-an-address", "a@example.com\r\nBcc: b@example.com"])
async def test_a_bad_address_is_not_retried(address):
    async with smtp_server() as server:
        with pytest.raises(ChannelError) as refused:
            await send(settings_for(server), mail(address))
        assert server.arrived == []
    assert not refused.value.retryable
