"""The SMS adapter against a local Aliyun-SendSms-shaped provider that checks signatures."""

import json
from typing import Any

import pytest
from pydantic import SecretStr

from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.sms import SmsChannel
from services.notify.config import NotifySettings
from tests.integration.notify.endpoints import Reply, SmsProviderFake, sms_provider

pytestmark = pytest.mark.integration

SECRET = "provider-secret-7Yq"
KEY_ID = "LTAI-test-id"
PHONE = "13912345678"


def settings_for(url: str, **overrides: Any) -> NotifySettings:
    values: dict[str, Any] = {
        "sms_url": url,
        "sms_access_key_id": KEY_ID,
        "sms_access_key_secret": SecretStr(SECRET),
        "sms_sign_name": "红马甲",
        "sms_template_code": "SMS_10086",
        "send_timeout_s": 2.0,
    }
    return NotifySettings(**{**values, **overrides})


def text(
    phone: str = PHONE,
    title: str = "【紧急】新的求助",
    body: str = "3栋 王** 家中漏水，请尽快处理。",
):
    return Outgoing(
        delivery_id="e9:member:m1:sms",
        channel="sms",
        address=phone,
        language="zh-CN",
        title=title,
        body=body,
        priority="urgent",
        cause_event_id="e9",
        cause_event_type="RequestCreated",
    )


@pytest.fixture
async def provider():
    async with sms_provider(SECRET, access_key_id=KEY_ID) as fake:
        yield fake


async def send(settings: NotifySettings, message: Outgoing) -> None:
    channel = SmsChannel(settings)
    try:
        await channel.send(message)
    finally:
        await channel.close()


async def test_a_signed_request_is_accepted_with_the_template_variables(provider):
    await send(settings_for(provider.url), text())

    [form] = provider.sent
    assert form["Action"] == "SendSms"
    assert form["Version"] == "2017-05-25"
    assert form["Format"] == "JSON"
    assert form["PhoneNumbers"] == PHONE
    assert form["SignName"] == "红马甲"
    assert form["TemplateCode"] == "SMS_10086"
    assert json.loads(form["TemplateParam"]) == {
        "title": "【紧急】新的求助",
        "content": "3栋 王** 家中漏水，请尽快处理。",
    }
    assert provider.received[0].headers["content-type"] == "application/x-www-form-urlencoded"


async def test_reserved_characters_are_signed_as_aliyun_encodes_them(provider):
    # Space (%20, not +), * (%2A) and ~ (kept) in signed values, checked by the provider.
    settings = settings_for(provider.url, sms_sign_name="红马甲 *泉塘~")
    await send(settings, text(title="a b*c~d", body="line one\nline two * ~"))

    [form] = provider.sent
    assert form["SignName"] == "红马甲 *泉塘~"
    assert json.loads(form["TemplateParam"])["content"] == "line one line two * ~"


async def test_long_text_is_shortened_to_one_message(provider):
    await send(settings_for(provider.url), text(title="标题" * 30, body="内容" * 100))

    variables = json.loads(provider.sent[0]["TemplateParam"])
    assert len(variables["title"]) == 20
    assert len(variables["content"]) == 35
    assert variables["content"].endswith("…")


async def test_every_attempt_is_signed_afresh(provider):
    # The provider refuses a nonce it has seen: two sends both pass.
    await send(settings_for(provider.url), text())
    await send(settings_for(provider.url), text())

    first, second = provider.sent
    assert first["SignatureNonce"] != second["SignatureNonce"]


async def test_a_wrong_secret_fails_the_providers_signature_check(provider):
    with pytest.raises(ChannelError) as refused:
        await send(settings_for(provider.url, sms_access_key_secret=SecretStr("other")), text())
    assert not refused.value.retryable
    assert "SignatureDoesNotMatch" in str(refused.value)
    assert provider.sent == []


async def test_an_unknown_access_key_is_not_retried(provider):
    with pytest.raises(ChannelError) as refused:
        await send(settings_for(provider.url, sms_access_key_id="LTAI-other"), text())
    assert not refused.value.retryable
    assert "InvalidAccessKeyId.NotFound" in str(refused.value)


async def test_an_illegal_number_is_not_retried_and_stays_out_of_the_error(provider):
    with pytest.raises(ChannelError) as refused:
        await send(settings_for(provider.url), text(phone="12345"))
    assert not refused.value.retryable
    assert "isv.MOBILE_NUMBER_ILLEGAL" in str(refused.value)
    assert "12345" not in str(refused.value)


def provider_error(status: int, code: str) -> Reply:
    return Reply(status, {"RequestId": "r1", "Code": code, "Message": "scripted"})


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [
        (provider_error(200, "isv.BUSINESS_LIMIT_CONTROL"), True),
        (provider_error(400, "Throttling.User"), True),
        (provider_error(503, "ServiceUnavailable"), True),
        (Reply(502, body=b"<html>bad gateway</html>"), True),
        (provider_error(200, "isv.AMOUNT_NOT_ENOUGH"), False),
        (provider_error(400, "SignatureDoesNotMatch"), False),
        (provider_error(404, "InvalidAccessKeyId.Inactive"), False),
        (provider_error(200, "isv.TEMPLATE_MISSING_PARAMETERS"), False),
    ],
)
async def test_provider_codes_map_to_retry_or_not(provider: SmsProviderFake, reply, retryable):
    provider.script([reply])

    with pytest.raises(ChannelError) as failed:
        await send(settings_for(provider.url), text())
    assert failed.value.retryable is retryable
    assert provider.sent == []


async def test_a_timeout_is_retryable(provider):
    provider.script([Reply(hang=True)])
    with pytest.raises(ChannelError) as failed:
        await send(settings_for(provider.url, send_timeout_s=0.3), text())
    assert failed.value.retryable


def test_a_half_configured_sms_refuses_to_start():
    with pytest.raises(ValueError, match="SECRET"):
        SmsChannel(NotifySettings(sms_url="http://127.0.0.1:9/", sms_access_key_id="k"))
