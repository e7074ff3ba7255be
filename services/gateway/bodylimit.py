"""A cap on the size of request bodies: `GATEWAY_MAX_BODY_BYTES` (1 MiB), on every route.

The outermost middleware, so an oversized body reaches neither the rate limits nor the
Idempotency-Key handling (which reads the whole body to hash it) nor a route. The answer is
413, a problem document (`application/problem+json`):

- a `Content-Length` over the cap is refused up front, before any of the body is read;
- a body without one (`Transfer-Encoding: chunked`) is counted as it arrives; once the
  count passes the cap the 413 is sent and nothing more is read. The app, which may be
  waiting for the rest, is told the client went away, and whatever it answers is dropped.

Pure ASGI (no `BaseHTTPMiddleware`): the body is never buffered here, only counted.
"""

import logging
from typing import Final

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.problems import problem

log = logging.getLogger(__name__)

CODE: Final = "content-too-large"


def declared_length(scope: Scope) -> int | None:
    """The request's `Content-Length`, if it has one that is a number."""
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None  # none, or malformed: the server refuses those; we count what comes
    return int(value)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def too_large(self, scope: Scope) -> ASGIApp:
        return problem(
            413,
            f"The request body is larger than the gateway takes ({self.max_bytes} bytes).",
            instance=scope["path"],
            code=CODE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = declared_length(scope)
        if length is not None and length > self.max_bytes:
            await self.too_large(scope)(scope, receive, send)
            return

        received = 0
        started = False  # the app has begun its response: too late for a 413
        refused = False  # the body passed the cap: nothing more is read
        answered = False  # we answered 413: the app's own answer goes nowhere

        async def counting() -> Message:
            nonlocal received, refused, answered
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not started:
                        answered = True
                        await self.too_large(scope)(scope, receive, send)
                    return {"type": "http.disconnect"}  # read no more
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting, sending)
        except Exception:
            if not refused:
                raise
            # The app failed on the "disconnect" we made up (the client has its 413, or the
            # app's own answer was already under way).
            log.debug("request abandoned after its body passed the cap", exc_info=True)


def install(app: FastAPI) -> None:
    """Add the body-size cap to the app (outermost: `create_app` adds it last)."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=app.state.settings.max_body_bytes)
