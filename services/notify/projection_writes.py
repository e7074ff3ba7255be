"""How notify's projections are written: whole documents, stamped per section with the time of
the event each section was last taken from, so a late redelivery of an older event changes
nothing while a newer event about another part of the same thing still applies.

E.g. a member's `profile` comes from MemberRegistered/MemberUpdated and their `status` from
those and from MemberStatusChanged: a status change that overtook the registration keeps its
status when the older registration arrives."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


def to_millis(at: datetime) -> datetime:
    """The store keeps milliseconds: compare at the precision it gives back."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


async def merge_sections(
    collection: AsyncCollection[Document],
    doc_id: str,
    sections: Mapping[str, Document],
    at: datetime,
) -> Document | None:
    """Apply each section's fields unless that section was written from a newer event; returns
    the new document, or None when nothing changed."""
    at = to_millis(at)
    current: Document = await collection.find_one({"_id": doc_id}) or {"_id": doc_id}
    stamps: Document = dict(current.get("at") or {})
    new = dict(current)
    for section, fields in sections.items():
        seen = stamps.get(section)
        if seen is not None and seen > at:
            continue
        new.update(fields)
        stamps[section] = at
    if stamps == current.get("at"):
        return None
    new["at"] = stamps
    # Replace, not $set: nx-27017 stores a $set datetime as text.
    await collection.replace_one({"_id": doc_id}, new, upsert=True)
    return new
