"""Placeholder: a cap on request body size (filled in by its part of the review fixes)."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the body-size cap to the app (outermost)."""
