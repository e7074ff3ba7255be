"""The activity types in the `activity_types` collection (a shared CodeList of the defaults)."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.activities.domain.activity_types import DEFAULT_ACTIVITY_TYPES
from shared.store.code_list import CodeList


class ActivityTypes(CodeList):
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        super().__init__(collection, DEFAULT_ACTIVITY_TYPES)
