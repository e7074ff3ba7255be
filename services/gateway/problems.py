"""RFC 9457 problem details for every error the gateway returns."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shared.contracts.rpc import ErrorCode, FieldError, ServiceError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.VALIDATION: 422,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    instance: str,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://redvest.example/problems/{code or status}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_error(loc: list[str | int] | tuple[Any, ...], msg: str, type_: str) -> dict[str, Any]:
    # FastAPI prefixes "body"/"query": the client wants the field's own path. Only the
    # prefix goes: a field may itself be named "body" (a template's).
    path = [str(p) for p in loc]
    if path and path[0] in ("body", "query", "path", "header"):
        path = path[1:]
    return {"field": ".".join(path) or "<body>", "message": msg, "type": type_}


def install(app: FastAPI, retry_after_s: int) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [field_error(e["loc"], e["msg"], e["type"]) for e in exc.errors()]
        return problem(
            422,
            "The request has invalid fields.",
            instance=request.url.path,
            code="validation",
            errors=errors,
        )

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        status = STATUS.get(exc.code, 500)
        headers = {"Retry-After": str(retry_after_s)} if status == 503 else None
        errors = [_from_rpc(d) for d in exc.details]
        return problem(
            status,
            exc.message,
            instance=request.url.path,
            code=exc.code.value,
            errors=errors,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", extra={"path": request.url.path})
        return problem(500, "An unexpected error occurred.", instance=request.url.path)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )


def _from_rpc(detail: FieldError) -> dict[str, Any]:
    return field_error(detail.loc, detail.msg, detail.type)
