"""Real local endpoints for the notify channels: HTTP servers on free ports in the test's own
event loop (the WeChat Work robot API, the SMS provider, an integrator), and an SMTP server.
Each is an async context manager that records what arrived and answers as the real service
does, or as the test scripts it (fail twice, then succeed):

    async with wecom_robot(keys={"k1"}) as robot:
        robot.script([wecom_error(45009), Reply(500)])   # then the API's normal answers
        ...
        await robot.wait_for(3)
"""

import time
from collections.abc import Callable, Iterable

from tests.integration.notify.fake_apis import SmsProviderFake, WecomRobotFake, wecom_error
from tests.integration.notify.http_endpoint import HttpEndpoint, Received, Reply
from tests.integration.notify.smtp_endpoint import SmtpServer

__all__ = [
    "HttpEndpoint",
    "Received",
    "Reply",
    "SmsProviderFake",
    "SmtpServer",
    "WecomRobotFake",
    "integrator",
    "sms_provider",
    "smtp_server",
    "wecom_error",
    "wecom_robot",
]


def wecom_robot(
    keys: Iterable[str] | None = None, clock: Callable[[], float] = time.monotonic
) -> WecomRobotFake:
    """The WeChat Work robot API at `.url + "/cgi-bin/webhook/send"` (use `.send_url` as
    settings.wecom_url). `keys`: the robots' keys it knows (others: errcode 93000); None
    knows every key. `enforce_limit(20)` answers 45009 past 20 a minute per key, counted
    on `clock` (seconds; pass the test's own clock when it moves time)."""
    return WecomRobotFake(keys=set(keys) if keys is not None else None, clock=clock)


def sms_provider(secret: str, access_key_id: str = "test-access-key") -> SmsProviderFake:
    """An Aliyun-SendSms-shaped provider that checks every request's signature with `secret`."""
    return SmsProviderFake(secret=secret, access_key_id=access_key_id)


def integrator() -> HttpEndpoint:
    """An integrator's webhook receiver: records, answers 204 (script other answers)."""
    return HttpEndpoint(respond=lambda _: Reply(204))


def smtp_server(
    *, starttls: bool = False, users: dict[str, str] | None = None, unknown: Iterable[str] = ()
) -> SmtpServer:
    """A real SMTP server (aiosmtpd) on a free port. `starttls`: offers STARTTLS with a fresh
    self-signed certificate (`.ca_file` to trust); `users`: AUTH LOGIN/PLAIN accounts (after
    STARTTLS only, as servers do); `unknown`: addresses answered 550 5.1.1."""
    return SmtpServer(starttls=starttls, users=users or {}, unknown=set(unknown))
