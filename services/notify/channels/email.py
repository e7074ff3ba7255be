"""E-mail over SMTP: one plain-text UTF-8 message per delivery, STARTTLS when the server offers
it (or always/never, by settings.smtp_starttls), a login when a user is set.

| answer                                                 | retry |
|--------------------------------------------------------|-------|
| 4xx reply (451 try later, 421 closing, 452 full)       | yes   |
| connection refused/lost, timeout, TLS failure          | yes   |
| 5xx reply (550 no such user, 535 bad login, 554 spam)  | no    |
| a bad address (no @, a line break)                     | no    |
| STARTTLS required but not offered                      | no    |
"""

import hashlib
import re
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from services.notify import clock
from services.notify.channels.base import ChannelError, Outgoing
from services.notify.channels.shorten import one_line
from services.notify.config import NotifySettings

NAME = "email"

ENHANCED_STATUS = r"[245]\.\d{1,3}\.\d{1,3}"
FOOTER = {
    "zh-CN": "——\n红马甲 RedVest 通知。如需更改接收方式，请在红马甲中打开“通知设置”。",
    "en": "——\nA RedVest (红马甲) notification. To change how you are told, open "
    "Notification settings in RedVest.",
}


def message_id(delivery_id: str, domain: str) -> str:
    """The same for every attempt of one delivery: a receiver (or a person) sees a retry is
    the same message. Hashed: a delivery id has characters a Message-ID may not."""
    return f"<{hashlib.sha256(delivery_id.encode()).hexdigest()[:32]}@{domain}>"


def compose(message: Outgoing, sender: str) -> EmailMessage:
    """The e-mail of one delivery. Raises ValueError on an address that cannot be one."""
    if "@" not in message.address or one_line(message.address) != message.address:
        raise ValueError("not an e-mail address")
    _, sender_address = parseaddr(sender)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = Address(addr_spec=message.address)
    # A zh-CN subject is encoded (RFC 2047) by the header policy; a line break may not stay.
    email["Subject"] = one_line(message.title)
    email["Date"] = format_datetime(clock.now())
    email["Message-ID"] = message_id(message.delivery_id, sender_address.rpartition("@")[2])
    # RFC 3834: no out-of-office replies to an automatic notice.
    email["Auto-Submitted"] = "auto-generated"
    footer = FOOTER.get(message.language, FOOTER["zh-CN"])
    email.set_content(f"{message.body}\n\n{footer}\n", charset="utf-8", cte="base64")
    # After set_content, which drops every Content-* header set before it.
    email["Content-Language"] = message.language
    return email


class EmailChannel:
    name = NAME

    def __init__(self, settings: NotifySettings) -> None:
        self.per_minute: int | None = settings.email_per_minute
        self._settings = settings
        if settings.smtp_user and settings.smtp_password is None:
            raise ValueError("email: NOTIFY_SMTP_USER is set, NOTIFY_SMTP_PASSWORD is not")
        self._tls: ssl.SSLContext | None = None
        if settings.smtp_ca_file:
            self._tls = ssl.create_default_context(cafile=settings.smtp_ca_file)

    def rate_key(self, message: Outgoing) -> str:
        return NAME

    async def send(self, message: Outgoing) -> None:
        settings = self._settings
        try:
            email = compose(message, settings.smtp_from)
        except ValueError as exc:
            raise ChannelError(f"email: {exc}", retryable=False) from None
        try:
            await aiosmtplib.send(
                email,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_user,
                password=_password(settings),
                # EHLO with our own domain: the default looks up this host's FQDN (DNS).
                local_hostname=parseaddr(settings.smtp_from)[1].rpartition("@")[2] or None,
                start_tls=settings.smtp_starttls,
                tls_context=self._tls,
                timeout=settings.send_timeout_s,
            )
        # The reply's code only: its text often repeats the address (never in an event).
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            raise ChannelError(
                f"email: recipient refused {_status(exc.recipients[0])}",
                retryable=_temporary(codes),
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise ChannelError(f"email: {_status(exc)}", retryable=_temporary([exc.code])) from None
        except aiosmtplib.SMTPNotSupported as exc:
            raise ChannelError(f"email: {exc.message[:200]}", retryable=False) from None
        except aiosmtplib.SMTPException as exc:
            if type(exc) is aiosmtplib.SMTPException:
                # Plain: a capability we need is missing (STARTTLS required, AUTH).
                raise ChannelError(f"email: {exc.message[:200]}", retryable=False) from None
            raise ChannelError(f"email: {type(exc).__name__}", retryable=True) from None
        except OSError as exc:
            # Refused or dropped connections, a failed TLS handshake (ssl.SSLError).
            raise ChannelError(f"email: {type(exc).__name__}", retryable=True) from None

    async def close(self) -> None:
        """Nothing held: a connection per message (the queue is small, the relay near)."""


def _password(settings: NotifySettings) -> str | None:
    if settings.smtp_user and settings.smtp_password:
        return settings.smtp_password.get_secret_value()
    return None


def _status(reply: aiosmtplib.SMTPResponseException) -> str:
    """`550 5.1.1`: the reply code and its enhanced status code (RFC 3463) when given."""
    enhanced = re.match(ENHANCED_STATUS, reply.message)
    return f"{reply.code} {enhanced.group(0)}" if enhanced else str(reply.code)


def _temporary(codes: list[int]) -> bool:
    return all(400 <= code < 500 for code in codes)
