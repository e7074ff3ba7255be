"""A managed list of codes with Chinese and English names (skills, activity types): one
collection of `{_id: code, zh, en}`, seeded with a service's defaults at start-up (only
codes not there yet, so an admin's renaming stays) and extended or renamed by an admin."""

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


class CodeList:
    def __init__(
        self, collection: AsyncCollection[Document], defaults: Mapping[str, tuple[str, str]]
    ) -> None:
        self.collection = collection
        self.defaults = defaults

    async def seed_defaults(self) -> None:
        for code, (zh, en) in self.defaults.items():
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
