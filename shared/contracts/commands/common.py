"""Shapes every command module reuses: strict bodies and cursor paging."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_PAGE_SIZE = 100


class Command(BaseModel):
    """Commands reject unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageQuery(Command):
    cursor: str | None = Field(default=None, max_length=256)
    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None
