"""Members' preferences in notify's own `preferences` collection (`_id`: the member id).

The e-mail address and mobile number are kept here only, for the channels the member chose;
they leave the service masked (views) or as a delivery's address, never in an event."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.notify.domain.preferences import Preferences

Document = dict[str, Any]
FIELDS = set(Preferences.model_fields)


def _parse(doc: Document) -> Preferences:
    return Preferences.model_validate({k: v for k, v in doc.items() if k in FIELDS})


class PreferenceStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db["preferences"]

    async def create_indexes(self) -> None:
        await self.collection.create_index([("via_member_id", ASCENDING)])

    async def get(self, member_id: str) -> tuple[Preferences, Document] | None:
        """The stored preferences and who changed them last (`changed_by`, `changed_at`)."""
        doc = await self.collection.find_one({"_id": member_id})
        if doc is None:
            return None
        return _parse(doc), {"changed_by": doc.get("changed_by"), "changed_at": doc.get("at")}

    async def many(self, member_ids: Iterable[str]) -> dict[str, Preferences]:
        """One query for a whole audience (a community-wide notice reaches hundreds)."""
        ids = list(dict.fromkeys(member_ids))
        if not ids:
            return {}
        found = self.collection.find({"_id": {"$in": ids}})
        return {doc["_id"]: _parse(doc) async for doc in found}

    async def put(self, prefs: Preferences, *, by: str | None, at: datetime) -> None:
        doc = {**prefs.model_dump(mode="json"), "_id": prefs.member_id, "changed_by": by, "at": at}
        await self.collection.replace_one({"_id": prefs.member_id}, doc, upsert=True)

    async def rekey(self, merged: str, kept: str, at: datetime) -> None:
        """Two registrations were one person: the kept one inherits the merged one's choices
        (unless it has its own), and whoever was reached through the merged one is reached
        through the kept one."""
        found = await self.get(merged)
        if found is not None and await self.get(kept) is None:
            prefs = found[0].model_copy(update={"member_id": kept})
            if prefs.via_member_id == kept:
                prefs = prefs.model_copy(update={"via_member_id": None})
            await self.put(prefs, by="system:members_merged", at=at)
        async for doc in self.collection.find({"via_member_id": merged}):
            prefs = _parse(doc)
            via = None if prefs.member_id == kept else kept
            await self.put(
                prefs.model_copy(update={"via_member_id": via}),
                by=doc.get("changed_by"),
                at=doc.get("at") or at,
            )
