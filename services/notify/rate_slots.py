"""Send slots per rate key (a robot, a channel): at most `per_minute` sends in any 60 s,
counted in the database so that every notify replica shares the limit.

One document per key, `{_id: key, version, sends: [datetimes of the last minute]}`, changed
by compare-and-set: read, drop what is older than a minute, append `now` if there is room,
`replace_one({_id, version})`. A lost race reads again. Whole-document writes because
nx-27017 stores a datetime written by `$set` as text (docs/storage.md)."""

import asyncio
import random
from datetime import datetime, timedelta
from typing import Any, Final

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

WINDOW: Final = timedelta(minutes=1)
COLLECTION: Final = "rate_slots"
# Reservers of one key race only across replicas (one dispatcher sends a key's messages in
# order); a few rounds settle it. Past them the send waits a moment: queued, never dropped.
ROUNDS: Final = 20
PAUSE_STEP_S: Final = 0.005
GIVE_UP_DELAY: Final = timedelta(seconds=1)


class _LostRace(Exception):
    """Another reserver wrote the key's document first."""


class RateSlots:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def reserve(self, key: str, per_minute: int, now: datetime) -> datetime | None:
        """Take a slot for a send at `now` (None), or say when the next one frees."""
        for round_ in range(ROUNDS):
            if round_:
                await asyncio.sleep(random.uniform(0, PAUSE_STEP_S * round_))
            try:
                return await self._try(key, per_minute, now)
            except _LostRace:
                continue
        return now + GIVE_UP_DELAY

    async def _try(self, key: str, per_minute: int, now: datetime) -> datetime | None:
        current = await self.collection.find_one({"_id": key})
        if current is None:
            try:
                await self.collection.insert_one({"_id": key, "version": 1, "sends": [now]})
            except DuplicateKeyError as exc:
                raise _LostRace from exc
            return None
        recent: list[datetime] = sorted(at for at in current["sends"] if at > now - WINDOW)
        if len(recent) >= per_minute:
            # Full: a slot frees when enough of the oldest sends leave the window.
            return recent[len(recent) - per_minute] + WINDOW
        result = await self.collection.replace_one(
            {"_id": key, "version": current["version"]},
            {"_id": key, "version": current["version"] + 1, "sends": [*recent, now]},
        )
        if result.matched_count != 1:
            raise _LostRace
        return None
