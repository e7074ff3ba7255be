"""A real HTTP/1.1 server for tests: TCP on 127.0.0.1, a free port, in the test's own event
loop; records every request and answers by script first, then by `answer` (which the fakes
of outside APIs override)."""

import asyncio
import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tests.waiting import eventually

STATUS_TEXT = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Received:
    """One request as it arrived: header names lower case, the query parsed, the raw body."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True, strict_parsing=True))


@dataclass(frozen=True)
class Reply:
    """An answer: a status with a JSON document or raw bytes; `hang` never answers (the
    client's timeout fires)."""

    status: int = 200
    json: Any = None
    body: bytes = b""
    hang: bool = False

    def encoded(self) -> tuple[bytes, str]:
        if self.json is not None:
            return json.dumps(self.json, ensure_ascii=False).encode(), "application/json"
        return self.body, "text/plain; charset=utf-8"


Responder = Callable[[Received], Reply]


class HttpEndpoint:
    """HTTP/1.1 with keep-alive. Scripted replies (`script`) come first, then `answer`:
    `respond(request)` when given, else 200 `{"ok": true}`."""

    def __init__(self, respond: Responder | None = None) -> None:
        self._respond = respond
        self.received: list[Received] = []
        self._scripted: deque[Reply] = deque()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        # Set on stop: hanging replies end, their connections close.
        self._released = asyncio.Event()

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def script(self, replies: Iterable[Reply]) -> None:
        """Answer the next requests with these, in order (then as usual)."""
        self._scripted.extend(replies)

    def answer(self, request: Received) -> Reply:
        return self._respond(request) if self._respond else Reply(200, {"ok": True})

    async def wait_for(self, count: int, within: float = 10.0) -> list[Received]:
        """Until at least `count` requests have arrived: all of them."""

        async def arrived() -> list[Received]:
            return list(self.received)

        return await eventually(
            arrived, lambda got: len(got) >= count, within=within, what=f"{count} requests"
        )

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._released.set()
        self._server.close()
        for writer in list(self._connections):
            writer.close()
        await asyncio.wait_for(self._server.wait_closed(), 5)
        if self._handlers:
            # Each ends at the end of its closed connection: nothing left running.
            _, pending = await asyncio.wait(self._handlers, timeout=5)
            assert not pending, "connection handlers still running"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        try:
            while request := await _read_request(reader):
                self.received.append(request)
                reply = self._scripted.popleft() if self._scripted else self.answer(request)
                if reply.hang:
                    await self._released.wait()
                    return
                await _write_reply(writer, reply)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._connections.discard(writer)
            self._handlers.discard(handler)
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    """The next request on a kept-alive connection; None when the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        raise ConnectionError("chunked bodies are not supported by this test server")
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    parts = urlsplit(target)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return Received(method, parts.path, query, headers, body)


async def _write_reply(writer: asyncio.StreamWriter, reply: Reply) -> None:
    body, content_type = reply.encoded()
    head = f"HTTP/1.1 {reply.status} {STATUS_TEXT.get(reply.status, 'Status')}\r\n"
    if reply.status != 204:  # a 204 has no body, so no length either (RFC 9110)
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    head += "\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
