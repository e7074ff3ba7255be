"""The daily digest: a member's low-priority messages due together on one channel, combined
into one message in their language. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    title: str
    body: str


def _one_line(text: str) -> str:
    return " ".join(text.split())


def title(count: int, language: str) -> str:
    if language == "en":
        return f"Today's notifications ({count})"
    return f"今日通知摘要（{count} 条）"


def render(items: Sequence[Item], language: str) -> tuple[str, str]:
    """(title, body): the count in the title, then one numbered line per message."""
    separator = ": " if language == "en" else "："
    lines = [
        f"{n}. {_one_line(item.title)}{separator}{_one_line(item.body)}"
        if item.body.strip()
        else f"{n}. {_one_line(item.title)}"
        for n, item in enumerate(items, start=1)
    ]
    return title(len(items), language), "\n".join(lines)
