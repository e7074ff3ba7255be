"""SMS through an HTTP provider in the shape of Aliyun's SendSms (dysmsapi, 2017-05-25), the
common Chinese SMS API: a form POST signed with Aliyun's RPC signature v1 (domain/signing.py),
naming an approved sign name (签名) and template (模板) with `${title}` and `${content}`.

One SMS is 70 characters with the sign name (【红马甲】); the provider allows each variable
35 at most. So the title is cut to 20 characters and the content to 35: with a short template
such as `${title}：${content}` it stays one message.

| answer                                                     | retry |
|------------------------------------------------------------|-------|
| Code OK                                                    | —     |
| isv.BUSINESS_LIMIT_CONTROL (a number's hourly/daily limit) | yes   |
| Throttling*, ServiceUnavailable, InternalError             | yes   |
| HTTP 5xx or 429, timeout, connection error                 | yes   |
| isv.MOBILE_NUMBER_ILLEGAL, isv.AMOUNT_NOT_ENOUGH           | no    |
| SignatureDoesNotMatch, InvalidAccessKeyId*                 | no    |
| any other Code                                             | no    |
"""

import json
import time
import uuid
from collections.abc import Callable

from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.http import json_of, new_client, post
from services.notify.channels.shorten import fit_chars, one_line
from services.notify.config import NotifySettings
from services.notify.domain.signing import aliyun_rpc_signature

NAME = "sms"
API_VERSION = "2017-05-25"
TITLE_CHARS = 20
CONTENT_CHARS = 35
RETRYABLE_CODES = {"isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable", "InternalError"}


def template_param(title: str, body: str) -> str:
    """The template's variables as the provider wants them: a JSON string."""
    variables = {
        "title": fit_chars(one_line(title), TITLE_CHARS),
        "content": fit_chars(one_line(body), CONTENT_CHARS),
    }
    return json.dumps(variables, ensure_ascii=False, separators=(",", ":"))


def signed_form(
    *,
    access_key_id: str,
    secret: str,
    phone: str,
    sign_name: str,
    template_code: str,
    template_variables: str,
    at: float,
    nonce: str,
) -> dict[str, str]:
    """The complete SendSms form, `Signature` included."""
    params = {
        "Action": "SendSms",
        "Version": API_VERSION,
        "Format": "JSON",
        "AccessKeyId": access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce,
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
        "PhoneNumbers": phone,
        "SignName": sign_name,
        "TemplateCode": template_code,
        "TemplateParam": template_variables,
    }
    return {**params, "Signature": aliyun_rpc_signature(params, secret)}


class SmsChannel:
    name = NAME

    def __init__(self, settings: NotifySettings, wall_clock: Callable[[], float] = time.time):
        if not settings.sms_url or not settings.sms_access_key_id:
            raise ValueError("sms needs NOTIFY_SMS_URL and NOTIFY_SMS_ACCESS_KEY_ID")
        if settings.sms_access_key_secret is None:
            raise ValueError("sms needs NOTIFY_SMS_ACCESS_KEY_SECRET")
        self.per_minute: int | None = settings.sms_per_minute
        self._settings = settings
        self._url = settings.sms_url
        self._access_key_id = settings.sms_access_key_id
        self._secret = settings.sms_access_key_secret
        # The provider checks the signed time against its own: real time, never the
        # service's clock (which tests move).
        self._wall_clock = wall_clock
        self._client = new_client(settings.send_timeout_s)

    def rate_key(self, message: Outgoing) -> str:
        return NAME

    async def send(self, message: Outgoing) -> None:
        form = signed_form(
            access_key_id=self._access_key_id,
            secret=self._secret.get_secret_value(),
            phone=message.address,
            sign_name=self._settings.sms_sign_name,
            template_code=self._settings.sms_template_code,
            template_variables=template_param(message.title, message.body),
            at=self._wall_clock(),
            # A fresh nonce per attempt: the provider refuses a nonce it has seen.
            nonce=str(uuid.uuid4()),
        )
        response = await post(self._client, self._url, "sms provider", data=form)
        answer = json_of(response)
        status = response.status_code
        code = str(answer.get("Code", "")) if answer else ""
        if status == 200 and code == "OK":
            return
        retryable = (
            status >= 500
            or status == 429
            or code in RETRYABLE_CODES
            or code.startswith("Throttling")
            or (status == 200 and answer is None)
        )
        # The code only: the provider's message may repeat the number.
        raise ChannelError(f"sms provider: HTTP {status} {code or 'no code'}", retryable=retryable)

    async def close(self) -> None:
        await self._client.aclose()
