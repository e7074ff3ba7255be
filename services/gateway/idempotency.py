"""Placeholder: Idempotency-Key on every POST (filled in by its part of the gateway issue)."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the Idempotency-Key handling to the app."""
