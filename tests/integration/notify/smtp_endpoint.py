"""A real SMTP server for tests: aiosmtpd's Controller (its own thread and loop) on a free
port of 127.0.0.1, STARTTLS with a certificate made for the test when asked, AUTH accounts,
and each accepted message kept as an `email.message.EmailMessage`."""

import asyncio
import email
import ipaddress
import ssl
import tempfile
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.waiting import eventually

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Arrived:
    """One accepted message: the envelope, the parsed message (and its bytes as they came),
    how the session went."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    tls: bool
    login: str | None


class _FreePortController(Controller):
    """aiosmtpd's Controller on port 0: it checks readiness by connecting to `self.port`, so
    the port the system chose is read back first."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpServer:
    def __init__(self, *, starttls: bool, users: dict[str, str], unknown: set[str]) -> None:
        self.host = HOST
        self.port = 0
        self.ca_file: str | None = None
        self.arrived: list[Arrived] = []
        self._starttls = starttls
        self._users = users
        self._unknown = unknown
        self._scripted: deque[str] = deque()
        self._controller: _FreePortController | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [each.message for each in self.arrived]

    def script(self, replies: Iterable[str]) -> None:
        """Answer the next messages' DATA with these (e.g. "451 4.3.0 Try again later")."""
        self._scripted.extend(replies)

    async def wait_for(self, count: int, within: float = 10.0) -> list[Arrived]:
        async def arrived() -> list[Arrived]:
            return list(self.arrived)

        return await eventually(
            arrived, lambda got: len(got) >= count, within=within, what=f"{count} e-mails"
        )

    async def __aenter__(self) -> Self:
        tls_context = None
        if self._starttls:
            self._dir = tempfile.TemporaryDirectory(prefix="smtp-tls-")
            tls_context, self.ca_file = _self_signed(Path(self._dir.name))
        self._controller = _FreePortController(
            self,
            hostname=HOST,
            port=0,
            server_hostname="smtp.test",
            tls_context=tls_context,
            require_starttls=False,
            authenticator=self._authenticate,
            auth_require_tls=True,
            # As strict as an old relay: what we send must not need SMTPUTF8.
            enable_SMTPUTF8=False,
            ready_timeout=10.0,
        )
        # Blocks for the short start of the server's thread (no await inside).
        self._controller.start()
        self.port = self._controller.port
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._controller is not None
        # Joins the server's thread: its loop stopped, its port closed.
        self._controller.stop()
        if self._dir is not None:
            self._dir.cleanup()

    # aiosmtpd's handler hooks; they run in the server's thread.

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self._unknown:
            return "550 5.1.1 Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._scripted:
            return self._scripted.popleft()
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        auth: Any = session.auth_data
        login = auth.login.decode() if session.authenticated else None
        self.arrived.append(
            Arrived(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                message=message,
                raw=raw,
                tls=session.ssl is not None,
                login=login,
            )
        )
        return "250 2.0.0 OK: queued"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        valid = isinstance(data, LoginPassword) and (
            self._users.get(data.login.decode()) == data.password.decode()
        )
        return AuthResult(success=valid, handled=False, auth_data=data if valid else None)


def _self_signed(directory: Path) -> tuple[ssl.SSLContext, str]:
    """A certificate for 127.0.0.1 that is its own CA: the server's TLS context, and the
    PEM file a client trusts it by."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "redvest test smtp")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file = directory / "cert.pem"
    key_file = directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)
