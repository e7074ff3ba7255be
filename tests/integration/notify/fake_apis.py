"""Local stand-ins for the outside HTTP APIs, answering as the real ones document: the WeChat
Work group robot API and an Aliyun-SendSms-shaped SMS provider that checks signatures."""

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from tests.integration.notify.http_endpoint import HttpEndpoint, Received, Reply

WECOM_PATH = "/cgi-bin/webhook/send"
WECOM_LIMITS = {"text": 2048, "markdown": 4096}  # bytes of UTF-8 in `content`


def wecom_error(errcode: int, errmsg: str = "") -> Reply:
    """The robot API's refusal: HTTP 200 with an errcode (45009: over the limit)."""
    return Reply(200, {"errcode": errcode, "errmsg": errmsg or f"error {errcode}"})


class WecomRobotFake(HttpEndpoint):
    """Answers like `qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`; `delivered` holds the
    (key, message) pairs it accepted, so scripted failures are not among them."""

    def __init__(self, keys: set[str] | None, clock: Callable[[], float]) -> None:
        super().__init__()
        self.keys = keys
        self.clock = clock
        self.per_minute: int | None = None
        self.delivered: list[tuple[str, dict[str, Any]]] = []
        self._accepted_at: dict[str, deque[float]] = defaultdict(deque)

    @property
    def send_url(self) -> str:
        """What settings.wecom_url should be."""
        return self.url + WECOM_PATH

    def enforce_limit(self, per_minute: int = 20) -> None:
        """Refuse (errcode 45009) past `per_minute` accepted messages per key in 60 s."""
        self.per_minute = per_minute

    def count(self, key: str) -> int:
        return sum(1 for each, _ in self.delivered if each == key)

    def answer(self, request: Received) -> Reply:
        if request.method != "POST" or request.path != WECOM_PATH:
            return Reply(404, body=b"not found")
        key = request.query.get("key", "")
        if not key or (self.keys is not None and key not in self.keys):
            return wecom_error(93000, "invalid webhook url, hint: [fake]")
        try:
            message = request.json()
            msgtype = message["msgtype"]
            content = message[msgtype]["content"]
        except (ValueError, KeyError, TypeError):
            return wecom_error(40035, "invalid parameter")
        if msgtype not in WECOM_LIMITS:
            return wecom_error(40008, "invalid message type")
        if not isinstance(content, str) or len(content.encode()) > WECOM_LIMITS[msgtype]:
            return wecom_error(40058, f"{msgtype}.content exceed max length")
        if self._over_limit(key):
            return wecom_error(45009, "api freq out of limit")
        self.delivered.append((key, message))
        return wecom_error(0, "ok")

    def _over_limit(self, key: str) -> bool:
        now = self.clock()
        accepted = self._accepted_at[key]
        while accepted and accepted[0] <= now - 60:
            accepted.popleft()
        if self.per_minute is not None and len(accepted) >= self.per_minute:
            return True
        accepted.append(now)
        return False


SMS_REQUIRED = (
    "Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion",
    "SignatureNonce", "Timestamp", "Signature", "PhoneNumbers", "SignName", "TemplateCode",
)  # fmt: skip
SMS_FIXED = {
    "Action": "SendSms",
    "Version": "2017-05-25",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureVersion": "1.0",
}
MAINLAND_MOBILE = r"(\+?86)?1[3-9]\d{9}"
SMS_VARIABLE_CHARS = 35  # the provider's limit per template variable
TIMESTAMP_SKEW_S = 15 * 60


def _sms_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"RequestId": str(uuid.uuid4()), "Code": code, "Message": message})


class SmsProviderFake(HttpEndpoint):
    """Answers like Aliyun's SendSms: checks the parameters, the signature (with its own
    implementation of the RPC v1 steps, as Aliyun's own SDKs do them), the time and that
    the nonce is new; `sent` holds the forms it accepted."""

    def __init__(self, secret: str, access_key_id: str) -> None:
        super().__init__()
        self.secret = secret
        self.access_key_id = access_key_id
        self.sent: list[dict[str, str]] = []
        self._nonces: set[str] = set()

    def answer(self, request: Received) -> Reply:
        if request.method != "POST":
            return _sms_error(400, "UnsupportedHTTPMethod", "POST expected")
        try:
            form = request.form()
        except ValueError:
            return _sms_error(400, "InvalidParameter", "malformed form")
        missing = [name for name in SMS_REQUIRED if not form.get(name)]
        if missing:
            return _sms_error(400, f"Missing{missing[0]}", f"{missing[0]} is mandatory")
        wrong = [name for name, value in SMS_FIXED.items() if form[name] != value]
        if wrong:
            return _sms_error(400, f"InvalidParameter.{wrong[0]}", f"{wrong[0]} is invalid")
        if form["AccessKeyId"] != self.access_key_id:
            return _sms_error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if not hmac.compare_digest(form["Signature"], self.signature(form)):
            return _sms_error(400, "SignatureDoesNotMatch", "Specified signature is not matched")
        if not self._fresh(form["Timestamp"]):
            return _sms_error(400, "InvalidTimeStamp.Expired", "Specified time stamp is expired")
        if form["SignatureNonce"] in self._nonces:
            return _sms_error(400, "SignatureNonceUsed", "Specified signature nonce was used")
        self._nonces.add(form["SignatureNonce"])
        if not re.fullmatch(MAINLAND_MOBILE, form["PhoneNumbers"]):
            return _sms_error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        variables = json.loads(form.get("TemplateParam") or "{}")
        if any(len(str(value)) > SMS_VARIABLE_CHARS for value in variables.values()):
            return _sms_error(200, "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        self.sent.append(form)
        return Reply(200, {"RequestId": str(uuid.uuid4()), "Code": "OK", "Message": "OK",
                           "BizId": f"{len(self.sent)}^0"})  # fmt: skip

    def signature(self, form: dict[str, str]) -> str:
        """Aliyun's RPC signature v1 of a POSTed form, computed here independently."""

        def encode(text: str) -> str:
            return (
                quote_plus(text, safe="")
                .replace("+", "%20")
                .replace("*", "%2A")
                .replace("%7E", "~")
            )

        canonical = "&".join(
            f"{encode(name)}={encode(form[name])}" for name in sorted(form) if name != "Signature"
        )
        to_sign = "POST&%2F&" + encode(canonical)
        mac = hmac.new(f"{self.secret}&".encode(), to_sign.encode(), hashlib.sha1)
        return base64.b64encode(mac.digest()).decode()

    @staticmethod
    def _fresh(timestamp: str) -> bool:
        try:
            at = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return False
        return abs(at.timestamp() - time.time()) <= TIMESTAMP_SKEW_S
