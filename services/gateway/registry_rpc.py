"""Calling the registry on behalf of the signed-in caller: every call carries who is acting
(`user:<account id>` / `api_key:<id>`) and their display name in the RPC headers, which the
registry records (registered_by, approver, a proof's handler). Never taken from a body."""

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from services.gateway.accounts.model import Principal
from services.gateway.routes.requests import caller_identity
from shared.bus.rpc import field_errors
from shared.contracts.commands import registry as commands
from shared.contracts.rpc import Invalid

M = TypeVar("M", bound=BaseModel)


async def ask(
    request: Request, command: str, body: BaseModel, *, timeout_s: float | None = None
) -> Any:
    """One registry command, as the caller the rule signed in (None before sign-in, when a
    target resolver looks a resource up for an anonymous call that will get a 401)."""
    caller: Principal | None = getattr(request.state, "principal", None)
    return await request.app.state.rpc.call(
        commands.SERVICE,
        command,
        body,
        correlation_id=request.headers.get("X-Correlation-Id"),
        traceparent=request.headers.get("traceparent"),
        actor=caller_identity(caller) if caller else None,
        actor_name=caller.name if caller else None,
        timeout_s=timeout_s,
    )


def command(model: type[M], **fields: Any) -> M:
    """A command from a path's ids and a body already checked: a path id the command
    refuses is a 422 naming it, not a fault of ours."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise Invalid("The request has invalid fields.", field_errors(exc)) from exc
