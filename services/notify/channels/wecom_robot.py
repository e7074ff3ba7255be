"""WeChat Work group robots (企业微信群机器人): `POST {wecom_url}?key=<robot key>` with a
text or markdown message; the group sees it posted by the robot.

The API answers HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`, or another errcode:

| answer                                         | meaning                          | retry |
|------------------------------------------------|----------------------------------|-------|
| errcode 0                                      | posted                           | —     |
| errcode 45009                                  | over 20 messages/min, this robot | yes   |
| errcode -1                                     | system busy                      | yes   |
| HTTP 5xx or 429, timeout, connection, not JSON | the service or the way there     | yes   |
| errcode 93000                                  | invalid webhook url (key wrong,  | no    |
|                                                | robot removed from the group)    |       |
| any other errcode (40008 bad message type,     | this message is refused          | no    |
| 40058 content too long, …)                     |                                  |       |
| any other HTTP status                          | a wrong URL                      | no    |
"""

from typing import Any

from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.http import json_of, new_client, post
from services.notify.channels.shorten import fit_bytes, one_line
from services.notify.config import NotifySettings

NAME = "wecom_robot"
# The API's limits on `content`, in bytes of UTF-8.
TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096
RETRYABLE_ERRCODES = {45009: "frequency limit", -1: "system busy"}
INVALID_WEBHOOK = 93000


def message_body(title: str, body: str, *, markdown: bool) -> dict[str, Any]:
    """The robot's JSON: the title (bold in markdown) over the body, cut to the API's limit."""
    if markdown:
        content = fit_bytes(f"**{one_line(title)}**\n{body}", MARKDOWN_LIMIT)
        return {"msgtype": "markdown", "markdown": {"content": content}}
    content = fit_bytes(f"{one_line(title)}\n{body}", TEXT_LIMIT)
    return {"msgtype": "text", "text": {"content": content}}


class WecomRobotChannel:
    name = NAME

    def __init__(self, settings: NotifySettings) -> None:
        self.per_minute: int | None = settings.wecom_per_minute
        self._url = settings.wecom_url
        self._robots = {robot.id: robot for robot in settings.wecom_robots}
        self._client = new_client(settings.send_timeout_s)

    def rate_key(self, message: Outgoing) -> str:
        # WeChat Work counts its 20 a minute per robot, not per application.
        return f"{NAME}:{_robot_id(message)}"

    async def send(self, message: Outgoing) -> None:
        robot = self._robots.get(_robot_id(message))
        if robot is None:
            raise ChannelError(f"no robot {message.address!r} is configured", retryable=False)
        response = await post(
            self._client,
            self._url,
            f"robot {robot.id}",
            params={"key": robot.key.get_secret_value()},
            json=message_body(message.title, message.body, markdown=robot.markdown),
        )
        answer = json_of(response)
        if response.status_code != 200 or answer is None:
            retryable = response.status_code >= 500 or response.status_code in (200, 429)
            raise ChannelError(
                f"robot {robot.id}: HTTP {response.status_code}", retryable=retryable
            )
        errcode = answer.get("errcode")
        if errcode == 0:
            return
        errmsg = str(answer.get("errmsg", ""))[:200]
        raise ChannelError(
            f"robot {robot.id}: errcode {errcode} {errmsg}".rstrip(),
            retryable=errcode in RETRYABLE_ERRCODES,
        )

    async def close(self) -> None:
        await self._client.aclose()


def _robot_id(message: Outgoing) -> str:
    return message.address.removeprefix("robot:")
