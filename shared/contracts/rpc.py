"""Request/reply contract: every reply is either a result or a typed error.

The gateway maps `ErrorCode` to HTTP (not_found 404, conflict 409, validation 422,
forbidden 403, unavailable 503, internal 500).
"""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    VALIDATION = "validation"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class RpcError(BaseModel):
    code: ErrorCode
    message: str
    details: list[FieldError] = Field(default_factory=list)


class RpcReply(BaseModel):
    ok: bool
    result: Any = None
    error: RpcError | None = None


class ServiceError(Exception):
    """Raised by a service's domain or handlers; travels back to the caller as an RpcError."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, details: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_error(self) -> RpcError:
        return RpcError(code=self.code, message=self.message, details=self.details)


class NotFound(ServiceError):
    code = ErrorCode.NOT_FOUND


class Conflict(ServiceError):
    code = ErrorCode.CONFLICT


class Invalid(ServiceError):
    code = ErrorCode.VALIDATION


class Forbidden(ServiceError):
    code = ErrorCode.FORBIDDEN


class Unavailable(ServiceError):
    code = ErrorCode.UNAVAILABLE
