"""Placeholder: rate limits per account and per API key (filled in by its part)."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the rate limits to the app."""
