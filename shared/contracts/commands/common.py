"""Shapes every command module reuses: strict bodies, strict locations and cursor paging."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.events.common import Location

MAX_PAGE_SIZE = 100


class Command(BaseModel):
    """Commands reject unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CommandLocation(Location):
    """A location in a command: unknown fields are refused, as everywhere in a command.

    Events keep `Location` (unknown fields ignored: consumers tolerate additive changes);
    a command's location is what a caller typed, and a typo (`location.buiding_id`) must
    not vanish silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PageQuery(Command):
    cursor: str | None = Field(default=None, max_length=256)
    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None
