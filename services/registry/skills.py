"""The skill list in the registry's `skills` collection (a shared CodeList of the defaults)."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.registry.domain.skills import DEFAULT_SKILLS
from shared.store.code_list import CodeList


class SkillList(CodeList):
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        super().__init__(collection, DEFAULT_SKILLS)
