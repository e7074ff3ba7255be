"""The request body cap: a 413 problem for a declared or a streamed body over the limit."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.types import Message, Receive, Scope, Send

from services.gateway.bodylimit import BodyLimitMiddleware, install
from services.gateway.config import GatewaySettings

pytestmark = pytest.mark.unit

CAP = 1024


def http_scope(headers: dict[str, str] | None = None) -> Scope:
    return {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/requests",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }


class Client:
    """The server's side of one request: the body in chunks, and what was sent back."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)
        self.reads = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        self.reads += 1
        if not self.chunks:
            return {"type": "http.disconnect"}
        chunk = self.chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        [start] = [m for m in self.sent if m["type"] == "http.response.start"]
        status: int = start["status"]
        return status

    @property
    def headers(self) -> dict[str, str]:
        [start] = [m for m in self.sent if m["type"] == "http.response.start"]
        return {k.decode(): v.decode() for k, v in start["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


class Echo:
    """An app that reads the whole body, then answers with its length."""

    def __init__(self) -> None:
        self.called = False
        self.seen: list[Message] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        body = b""
        while True:
            message = await receive()
            self.seen.append(message)
            if message["type"] == "http.disconnect":
                raise OSError("the client went away")  # as Starlette's ClientDisconnect would
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


def assert_413_problem(client: Client) -> None:
    assert client.status == 413
    assert client.headers["content-type"] == "application/problem+json"
    problem = json.loads(client.body)
    assert problem["status"] == 413 and problem["instance"] == "/api/v1/requests"
    assert str(CAP) in problem["detail"]
    assert problem["type"].endswith("/content-too-large")


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    app, client = Echo(), Client([b"x" * (CAP + 1)])
    scope = http_scope({"Content-Length": str(CAP + 1)})

    await BodyLimitMiddleware(app, CAP)(scope, client.receive, client.send)

    assert_413_problem(client)
    assert not app.called and client.reads == 0


async def test_a_streamed_body_over_the_cap_is_refused_and_no_more_is_read() -> None:
    app, client = Echo(), Client([b"x" * 600] * 10)  # chunked: no Content-Length

    await BodyLimitMiddleware(app, CAP)(http_scope(), client.receive, client.send)

    assert_413_problem(client)
    assert client.reads == 2, "reading stops at the chunk that passed the cap"
    assert app.seen[-1] == {"type": "http.disconnect"}, "the app is told the client left"
    assert len([m for m in client.sent if m["type"] == "http.response.start"]) == 1


async def test_a_streamed_body_lying_about_its_length_is_counted_too() -> None:
    app, client = Echo(), Client([b"x" * 600] * 3)

    scope = http_scope({"Content-Length": "10"})
    await BodyLimitMiddleware(app, CAP)(scope, client.receive, client.send)

    assert_413_problem(client)


@pytest.mark.parametrize("size", [0, 1, CAP])
async def test_a_body_up_to_the_cap_passes_untouched(size: int) -> None:
    chunks = [b"y" * (size // 2), b"y" * (size - size // 2)]
    app, client = Echo(), Client(chunks)
    scope = http_scope({"Content-Length": str(size)})

    await BodyLimitMiddleware(app, CAP)(scope, client.receive, client.send)

    assert client.status == 200 and client.body == str(size).encode()


async def test_once_the_app_has_answered_its_answer_stands() -> None:
    """An app that answers before reading the body: too late for a 413, but still no more
    is read past the cap."""

    async def early(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 202, "headers": []})
        while (await receive())["type"] == "http.request":
            pass
        await send({"type": "http.response.body", "body": b"ok"})

    client = Client([b"z" * 600] * 10)
    await BodyLimitMiddleware(early, CAP)(http_scope(), client.receive, client.send)

    assert client.status == 202 and client.body == b"ok"
    assert client.reads == 2


async def test_other_scopes_pass_through() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def nothing() -> Message:
        raise AssertionError("not read")

    async def discard(message: Message) -> None:
        raise AssertionError("not sent")

    scope: dict[str, Any] = {"type": "lifespan"}
    await BodyLimitMiddleware(app, CAP)(scope, nothing, discard)
    assert seen == [scope]


def test_the_cap_is_one_mebibyte_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert GatewaySettings().max_body_bytes == 1_048_576
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "4096")
    assert GatewaySettings().max_body_bytes == 4096


def small_app() -> FastAPI:
    app = FastAPI()
    app.state.settings = GatewaySettings(max_body_bytes=CAP)

    @app.post("/api/v1/requests")
    async def take(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    install(app)
    return app


async def test_installed_it_refuses_declared_and_streamed_bodies() -> None:
    transport = httpx.ASGITransport(app=small_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        small = await http.post("/api/v1/requests", content=b"a" * CAP)
        assert small.status_code == 200 and small.json() == {"size": CAP}

        declared = await http.post("/api/v1/requests", content=b"a" * (CAP + 1))
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(5):
                yield b"b" * 512

        streamed = await http.post("/api/v1/requests", content=chunks())
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413 and streamed.json()["status"] == 413
