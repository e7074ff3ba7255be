"""The WeChat Work group robot adapter against a local robot API (real HTTP)."""

from typing import Any

import pytest
from pydantic import SecretStr

from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.wecom_robot import WecomRobotChannel
from services.notify.config import NotifySettings, RobotConfig
from tests.integration.notify.endpoints import (
    Reply,
    WecomRobotFake,
    integrator,
    wecom_error,
    wecom_robot,
)

pytestmark = pytest.mark.integration

KEYS = {"building-7": "key-b7-0d4f", "staff": "key-staff-91aa"}


def settings_for(url: str, **overrides: Any) -> NotifySettings:
    robots = [
        RobotConfig(id="building-7", key=SecretStr(KEYS["building-7"]), scopes=["building:b7"]),
        RobotConfig(id="staff", key=SecretStr(KEYS["staff"]), scopes=["staff:c1"], markdown=False),
    ]
    return NotifySettings(wecom_url=url, wecom_robots=robots, **overrides)


def notice(robot: str = "building-7", title: str = "停水通知", body: str = "明天9:00-12:00停水。"):
    return Outgoing(
        delivery_id=f"e1:robot:{robot}:wecom_robot",
        channel="wecom_robot",
        address=robot,
        language="zh-CN",
        title=title,
        body=body,
        priority="normal",
        cause_event_id="e1",
        cause_event_type="NoticePosted",
    )


@pytest.fixture
async def robot_api():
    async with wecom_robot(keys=KEYS.values()) as api:
        yield api


@pytest.fixture
async def channel(robot_api: WecomRobotFake):
    adapter = WecomRobotChannel(settings_for(robot_api.send_url, send_timeout_s=1.0))
    yield adapter
    await adapter.close()


async def test_a_markdown_robot_posts_the_bold_title_over_the_body(robot_api, channel):
    await channel.send(notice())

    [(key, message)] = robot_api.delivered
    assert key == KEYS["building-7"]
    assert message == {
        "msgtype": "markdown",
        "markdown": {"content": "**停水通知**\n明天9:00-12:00停水。"},
    }
    assert robot_api.received[0].headers["content-type"] == "application/json"


async def test_a_text_robot_posts_plain_text(robot_api, channel):
    await channel.send(notice("staff", title="新的求助", body="1栋 李** 需要送餐"))

    [(key, message)] = robot_api.delivered
    assert key == KEYS["staff"]
    assert message == {"msgtype": "text", "text": {"content": "新的求助\n1栋 李** 需要送餐"}}


@pytest.mark.parametrize(
    ("robot", "msgtype", "limit"), [("building-7", "markdown", 4096), ("staff", "text", 2048)]
)
async def test_long_content_is_cut_to_the_api_limit_on_a_character_boundary(
    robot_api, channel, robot, msgtype, limit
):
    # 3-byte characters after a 1-byte one: a cut at the byte limit falls inside one.
    body = "a" + "停" * 3000

    await channel.send(notice(robot, body=body))

    [(_, message)] = robot_api.delivered
    content = message[msgtype]["content"]
    assert limit - 3 < len(content.encode()) <= limit
    assert content.endswith("停…")
    assert content.startswith(("**停水通知**\na停停", "停水通知\na停停"))


async def test_the_frequency_limit_is_retryable_and_then_it_goes_through(robot_api, channel):
    robot_api.script([wecom_error(45009, "api freq out of limit")])

    with pytest.raises(ChannelError) as refused:
        await channel.send(notice())
    assert refused.value.retryable
    assert "45009" in str(refused.value)
    assert robot_api.delivered == []

    await channel.send(notice())
    assert len(robot_api.delivered) == 1


async def test_the_fake_enforces_twenty_a_minute_per_robot(robot_api, channel):
    robot_api.enforce_limit(20)
    for _ in range(20):
        await channel.send(notice())
    await channel.send(notice("staff"))  # another robot has its own 20

    with pytest.raises(ChannelError) as refused:
        await channel.send(notice())
    assert refused.value.retryable
    assert robot_api.count(KEYS["building-7"]) == 20
    assert robot_api.count(KEYS["staff"]) == 1
    assert channel.rate_key(notice()) == "wecom_robot:building-7"
    assert channel.rate_key(notice("staff")) == "wecom_robot:staff"
    assert channel.per_minute == 20


async def test_an_invalid_key_is_not_retried_and_the_key_stays_out_of_the_error():
    async with wecom_robot(keys={"another-key"}) as api:
        adapter = WecomRobotChannel(settings_for(api.send_url))
        try:
            with pytest.raises(ChannelError) as refused:
                await adapter.send(notice())
        finally:
            await adapter.close()
    assert not refused.value.retryable
    assert "93000" in str(refused.value)
    assert KEYS["building-7"] not in str(refused.value)
    assert api.received[0].query["key"] == KEYS["building-7"]


async def test_other_errcodes_are_not_retried(robot_api, channel):
    robot_api.script([wecom_error(40008, "invalid message type")])

    with pytest.raises(ChannelError) as refused:
        await channel.send(notice())
    assert not refused.value.retryable


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [(Reply(502, body=b"bad gateway"), True), (Reply(429), True), (Reply(404, body=b"x"), False)],
)
async def test_http_failures(robot_api, channel, reply, retryable):
    robot_api.script([reply])

    with pytest.raises(ChannelError) as failed:
        await channel.send(notice())
    assert failed.value.retryable is retryable


async def test_a_timeout_is_retryable(robot_api):
    adapter = WecomRobotChannel(settings_for(robot_api.send_url, send_timeout_s=0.3))
    robot_api.script([Reply(hang=True)])
    try:
        with pytest.raises(ChannelError) as failed:
            await adapter.send(notice())
    finally:
        await adapter.close()
    assert failed.value.retryable
    assert "timed out" in str(failed.value)


async def test_a_refused_connection_is_retryable():
    async with integrator() as gone:
        url = gone.url
    adapter = WecomRobotChannel(settings_for(url + "/cgi-bin/webhook/send"))
    try:
        with pytest.raises(ChannelError) as failed:
            await adapter.send(notice())
    finally:
        await adapter.close()
    assert failed.value.retryable
    assert KEYS["building-7"] not in str(failed.value)


async def test_an_unconfigured_robot_is_not_retried_and_nothing_is_sent(robot_api, channel):
    with pytest.raises(ChannelError) as refused:
        await channel.send(notice("no-such-robot"))
    assert not refused.value.retryable
    assert robot_api.received == []
