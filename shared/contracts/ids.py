"""Identifiers sortable by creation time (UUIDv7), so ids double as a time order."""

from uuid6 import uuid7


def new_id() -> str:
    return str(uuid7())
