"""The managed list of activity types in the `activity_types` collection: `{_id: code, zh,
en}`. Seeded with the defaults at start-up (only codes not yet there: a renaming stays)."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.activities.domain.activity_types import DEFAULT_ACTIVITY_TYPES

Document = dict[str, Any]


class ActivityTypes:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def seed_defaults(self) -> None:
        for code, (zh, en) in DEFAULT_ACTIVITY_TYPES.items():
            try:
                await self.collection.insert_one({"_id": code, "zh": zh, "en": en})
            except DuplicateKeyError:
                pass  # there already, perhaps renamed by an admin

    async def all(self) -> list[dict[str, str]]:
        return [
            {"code": doc["_id"], "zh": doc["zh"], "en": doc["en"]}
            async for doc in self.collection.find().sort("_id", 1)
        ]

    async def codes(self) -> set[str]:
        return {doc["_id"] async for doc in self.collection.find({}, {"_id": 1})}

    async def define(self, code: str, zh: str, en: str) -> dict[str, str]:
        await self.collection.replace_one(
            {"_id": code}, {"_id": code, "zh": zh, "en": en}, upsert=True
        )
        return {"code": code, "zh": zh, "en": en}
