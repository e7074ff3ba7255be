"""Calling a service on behalf of the signed-in caller: every call carries who is acting
(`user:<account id>` / `api_key:<id>`) and their display name in the RPC headers, which the
service records (registered_by, approver, who entered a sign-up). Never taken from a body."""

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from services.gateway.accounts.model import Principal, caller_identity
from services.gateway.targets import MAX_ID_LENGTH
from shared.bus.rpc import field_errors
from shared.contracts.rpc import Invalid, NotFound

M = TypeVar("M", bound=BaseModel)
Document = dict[str, Any]


async def ask(
    request: Request,
    service: str,
    command: str,
    body: BaseModel,
    *,
    timeout_s: float | None = None,
) -> Any:
    """One command of `service`, as the caller the rule signed in (None before sign-in, when
    a target resolver looks a resource up for an anonymous call that will get a 401)."""
    caller: Principal | None = getattr(request.state, "principal", None)
    return await request.app.state.rpc.call(
        service,
        command,
        body,
        correlation_id=request.headers.get("X-Correlation-Id"),
        traceparent=request.headers.get("traceparent"),
        actor=caller_identity(caller) if caller else None,
        actor_name=caller.name if caller else None,
        timeout_s=timeout_s,
    )


async def look_up(
    request: Request, service: str, command: str, model: type[BaseModel], **ids: str
) -> Document | None:
    """A resource by its ids, or None if it is missing or no resource can have these ids
    (too long, blank: what the command itself refuses), for target resolvers, which answer
    both as "not found"."""
    if any(len(value) > MAX_ID_LENGTH for value in ids.values()):
        return None
    try:
        query = model(**ids)
    except ValidationError:
        return None
    try:
        found: Document = await ask(request, service, command, query)
    except NotFound:
        return None
    return found


def command(model: type[M], **fields: Any) -> M:
    """A command from a path's ids and a body already checked: a path id the command
    refuses is a 422 naming it, not a fault of ours."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise Invalid("The request has invalid fields.", field_errors(exc)) from exc
