import asyncio
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from shared.store.aggregates import AggregateStore

pytestmark = pytest.mark.integration


async def test_a_crowd_of_writers_in_one_process_all_land(
    mongo_client: AsyncMongoClient[dict[str, Any]], subdistrict: str
) -> None:
    """Fifty independent changes to one aggregate at once (sign-ups for one activity): none
    is lost and none is refused, and the aggregate saw each exactly once."""
    store = AggregateStore(mongo_client[f"rv_{subdistrict}_aggregates"]["activities"])
    await store.insert({"_id": "a1", "signed_up": []})

    def sign_up(who: str) -> Any:
        def change(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
            return {**doc, "signed_up": [*doc["signed_up"], who]}, []

        return change

    people = [f"v{i:02d}" for i in range(50)]
    await asyncio.gather(*(store.update("a1", sign_up(p)) for p in people))

    stored = await store.get("a1")
    assert sorted(stored["signed_up"]) == people
    assert stored["revision"] == 51
    assert store._turns == {}  # no lock left behind
