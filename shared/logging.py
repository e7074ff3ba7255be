"""Structured JSON logs. Every record carries the service, the subdistrict and, inside a
handler, the event id, correlation id and trace id of what is being processed."""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

_context: ContextVar[dict[str, Any] | None] = ContextVar("log_context", default=None)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    token = _context.set({**current_context(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    return _context.get() or {}


class _ContextFilter(logging.Filter):
    def __init__(self, static: dict[str, str]) -> None:
        super().__init__()
        self.static = static

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in {**self.static, **current_context()}.items():
            setattr(record, key, value)
        return True


def configure_logging(service: str, subdistrict: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter({"service": service, "subdistrict": subdistrict}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # FastStream logs every message at INFO; our own handler logs say more, once.
    logging.getLogger("faststream").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs each request's full URL at INFO, and a WeChat Work robot's key is in its URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
