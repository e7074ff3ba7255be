"""Calling the registry on behalf of the signed-in caller (service_rpc, for the registry):
the registry records who acted (registered_by, approver, a proof's handler)."""

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from services.gateway import service_rpc
from services.gateway.service_rpc import command as command  # re-exported for the routes
from shared.contracts.commands import registry as commands


async def ask(
    request: Request, command: str, body: BaseModel, *, timeout_s: float | None = None
) -> Any:
    """One registry command, as the caller the rule signed in."""
    return await service_rpc.ask(request, commands.SERVICE, command, body, timeout_s=timeout_s)
