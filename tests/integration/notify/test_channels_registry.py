"""Which channels a subdistrict has: only the configured ones are built."""

import pytest
from pydantic import SecretStr

from services.notify.channels.registry import build_channels, configured
from services.notify.config import NotifySettings, RobotConfig, WebhookConfig

pytestmark = pytest.mark.integration

ROBOT = RobotConfig(id="b7", key=SecretStr("k"), scopes=["building:b7"])
HOOK = WebhookConfig(id="city", url="https://example.com/hook", secret=SecretStr("s"))
EVERYTHING = NotifySettings(
    wecom_robots=[ROBOT],
    smtp_host="smtp.example.com",
    sms_url="https://dysmsapi.aliyuncs.com/",
    sms_access_key_id="id",
    sms_access_key_secret=SecretStr("secret"),
    webhooks=[HOOK],
)


async def test_nothing_configured_is_the_inbox_alone():
    assert configured(NotifySettings()) == {"inbox"}
    assert build_channels(NotifySettings()) == {}


async def test_every_configured_channel_is_built_under_its_name():
    channels = build_channels(EVERYTHING)
    try:
        assert configured(EVERYTHING) == {"inbox", "wecom_robot", "email", "sms", "webhook"}
        assert set(channels) == {"wecom_robot", "email", "sms", "webhook"}
        assert all(channel.name == name for name, channel in channels.items())
        assert {name: channel.per_minute for name, channel in channels.items()} == {
            "wecom_robot": 20,
            "email": 120,
            "sms": 60,
            "webhook": 600,
        }
    finally:
        for channel in channels.values():
            await channel.close()


async def test_one_channel_configured_builds_that_one():
    settings = NotifySettings(smtp_host="smtp.example.com")
    channels = build_channels(settings)
    assert configured(settings) == {"inbox", "email"}
    assert set(channels) == {"email"}


def test_a_half_configured_channel_fails_at_start_not_at_first_send():
    with pytest.raises(ValueError, match="SMTP_PASSWORD"):
        build_channels(NotifySettings(smtp_host="smtp.example.com", smtp_user="notify"))
    with pytest.raises(ValueError, match="SMS_ACCESS_KEY"):
        build_channels(NotifySettings(sms_url="https://dysmsapi.aliyuncs.com/"))
