"""The `kinds` collection: the catalogue of request kinds, one document per kind
({_id: code, zh, en, group, time_limit, default_handler, extra_fields, auto_dispatch,
updated_at, updated_by}). Seeded from the defaults once; DEFINE_KIND adds or replaces one.

Other parts read a kind here (the lifecycle: its time limit at acceptance, its default
handler and auto_dispatch): `await KindCatalogue(runtime.db["kinds"]).get(code)`.
"""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.requests.domain import kinds
from services.requests.domain.kinds import Kind

Document = dict[str, Any]


class KindCatalogue:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def seed(self) -> None:
        """Adds each default kind that is not there yet: an edited default keeps its edits
        across restarts, and two replicas starting together add each one once."""
        for kind in kinds.DEFAULT_KINDS:
            try:
                await self.collection.insert_one(
                    {**kinds.to_doc(kind), "updated_at": None, "updated_by": None}
                )
            except DuplicateKeyError:
                continue

    async def get(self, code: str) -> Kind | None:
        doc = await self.collection.find_one({"_id": code})
        return kinds.from_doc(doc) if doc is not None else None

    async def all(self) -> list[Kind]:
        """Every kind, the defaults first in their order (the catalogue is a few dozen)."""
        return kinds.ordered([kinds.from_doc(doc) async for doc in self.collection.find({})])

    async def put(self, kind: Kind, by: str | None) -> Kind:
        """Adds the kind, or replaces the one with its code."""
        doc = {**kinds.to_doc(kind), "updated_at": _now(), "updated_by": by}
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            await self.collection.replace_one({"_id": kind.code}, doc)
        return kind


def _now() -> datetime:
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
