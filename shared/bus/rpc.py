"""Commands and queries over NATS request/reply.

Server: `serve(broker, ...)` registers a function for one command on
`rv.<subdistrict>.rpc.<service>.<command>` in the service's queue group, validates the body
against the command's model and always replies with an `RpcReply` (result or typed error).
Client: `RpcClient.call(...)` raises the matching `ServiceError` for an error reply, and
`Unavailable` when no replica answers in time.
"""

import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import nats.errors
from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from nats.aio.client import Client
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError

from shared.contracts.ids import new_id
from shared.contracts.rpc import (
    Conflict,
    ErrorCode,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    RpcError,
    RpcReply,
    ServiceError,
    Unavailable,
)
from shared.contracts.subjects import rpc_subject
from shared.logging import log_context

log = logging.getLogger(__name__)

CORRELATION_HEADER = "Rv-Correlation-Id"
TRACEPARENT_HEADER = "traceparent"
# Who the gateway signed in (user:<account id> or api_key:<key id>), for records and
# timelines. Set only by the gateway, after its rule ran; a service never trusts a body for it.
ACTOR_HEADER = "Rv-Actor"
ACTOR_NAME_HEADER = "Rv-Actor-Name"

RPC_SERVED = Counter(
    "redvest_rpc_served_total", "Commands served, by outcome", ["command", "outcome"]
)

C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True)
class CallContext:
    correlation_id: str
    traceparent: str | None
    actor: str | None = None
    actor_name: str | None = None


def field_errors(exc: ValidationError) -> list[FieldError]:
    return [FieldError(loc=list(e["loc"]), msg=e["msg"], type=e["type"]) for e in exc.errors()]


def serve(
    broker: NatsBroker,
    *,
    subdistrict: str,
    service: str,
    command: str,
    model: type[C],
    handler: Callable[[C, CallContext], Awaitable[Any]],
    concurrency: int = 16,
) -> None:
    async def on_request(message: NatsMessage) -> dict[str, Any]:
        headers = message.raw_message.headers or {}
        ctx = CallContext(
            correlation_id=headers.get(CORRELATION_HEADER) or new_id(),
            traceparent=headers.get(TRACEPARENT_HEADER),
            actor=headers.get(ACTOR_HEADER),
            actor_name=_unquote(headers.get(ACTOR_NAME_HEADER)),
        )
        with log_context(correlation_id=ctx.correlation_id, command=command):
            reply = await _answer(message.raw_message.data, model, handler, ctx)
            outcome = "ok" if reply.ok else reply.error.code.value  # type: ignore[union-attr]
            RPC_SERVED.labels(command, outcome).inc()
            return reply.model_dump(mode="json")

    broker.subscriber(
        rpc_subject(subdistrict, service, command),
        queue=service,
        # Several calls at once per replica: one slow command must not queue the others
        # into the caller's timeout.
        max_workers=concurrency,
        title=f"{service}.{command}",
        description=(model.__doc__ or "").strip() or None,
    )(on_request)


async def _answer(
    raw: bytes,
    model: type[C],
    handler: Callable[[C, CallContext], Awaitable[Any]],
    ctx: CallContext,
) -> RpcReply:
    try:
        command = model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        error = RpcError(
            code=ErrorCode.VALIDATION, message="invalid command", details=field_errors(exc)
        )
        return RpcReply(ok=False, error=error)
    try:
        result = await handler(command, ctx)
    except ServiceError as exc:
        return RpcReply(ok=False, error=exc.to_error())
    except Exception:
        log.exception("command failed")
        return RpcReply(ok=False, error=RpcError(code=ErrorCode.INTERNAL, message="internal error"))
    return RpcReply(ok=True, result=result)


def _unquote(value: str | None) -> str | None:
    """Header values are ASCII: a name (张三) travels percent-encoded."""
    return urllib.parse.unquote(value) if value else None


_ERRORS: dict[ErrorCode, type[ServiceError]] = {
    ErrorCode.NOT_FOUND: NotFound,
    ErrorCode.CONFLICT: Conflict,
    ErrorCode.VALIDATION: Invalid,
    ErrorCode.FORBIDDEN: Forbidden,
    ErrorCode.UNAVAILABLE: Unavailable,
}


class RpcClient:
    def __init__(self, nc: Client, subdistrict: str, timeout_s: float = 5.0) -> None:
        self.nc = nc
        self.subdistrict = subdistrict
        self.timeout_s = timeout_s

    async def call(
        self,
        service: str,
        command: str,
        body: BaseModel,
        *,
        correlation_id: str | None = None,
        traceparent: str | None = None,
        actor: str | None = None,
        actor_name: str | None = None,
        timeout_s: float | None = None,
    ) -> Any:
        """`timeout_s` overrides the client's for one slow command (an import)."""
        headers = {CORRELATION_HEADER: correlation_id or new_id()}
        if traceparent:
            headers[TRACEPARENT_HEADER] = traceparent
        if actor:
            headers[ACTOR_HEADER] = actor
        if actor_name:
            headers[ACTOR_NAME_HEADER] = urllib.parse.quote(actor_name)
        try:
            msg = await self.nc.request(
                rpc_subject(self.subdistrict, service, command),
                # Only what the caller set: the service fills the same defaults, and can tell
                # a field left out from one sent as null (a PUT that keeps a stored address).
                body.model_dump_json(exclude_unset=True).encode(),
                timeout=timeout_s or self.timeout_s,
                headers=headers,
            )
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError) as exc:
            raise Unavailable(f"the {service} service did not answer") from exc
        except nats.errors.Error as exc:  # connection closed, reconnecting, draining...
            raise Unavailable(f"the message bus is unavailable ({type(exc).__name__})") from exc
        reply = RpcReply.model_validate_json(msg.data)
        if reply.ok:
            return reply.result
        error = reply.error or RpcError(code=ErrorCode.INTERNAL, message="empty error")
        raise _ERRORS.get(error.code, ServiceError)(error.message, error.details)
