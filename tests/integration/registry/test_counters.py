import asyncio
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from services.registry.counters import take

pytestmark = pytest.mark.integration


async def test_concurrent_takers_never_share_a_number(
    mongo_client: AsyncMongoClient[dict[str, Any]], subdistrict: str
) -> None:
    counters = mongo_client[f"rv_{subdistrict}_registry"]["counters"]
    firsts = await asyncio.gather(*(take(counters, "volunteer_no") for _ in range(20)))
    blocks = await asyncio.gather(*(take(counters, "volunteer_no", 5) for _ in range(4)))
    numbers = list(firsts) + [n for first in blocks for n in range(first, first + 5)]
    assert sorted(numbers) == list(range(1, 41))
