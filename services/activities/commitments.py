"""Who holds which activity when (`commitments`), for the rule that a volunteer cannot hold
two overlapping activities.

A sign-up first inserts its claim `{_id: "<member>:<activity>"}` and only then looks for an
overlapping claim of the same member: of two concurrent overlapping sign-ups at least one
sees the other's claim, so at most one succeeds (both may be refused: the safe side, and the
volunteer tries again). A claim with no sign-up behind it (a crash between the claim and the
sign-up's write) counts only for STALE_CLAIM; after that the activity decides.
The core part moves a commitment's times with its activity and frees them when it is
cancelled; a completed activity keeps them (a volunteer's past activities are read here).
"""

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.activities.domain.signups import held_by

Document = dict[str, Any]
STALE_CLAIM = timedelta(minutes=2)


def claim_id(member_id: str, activity_id: str) -> str:
    return f"{member_id}:{activity_id}"


class Commitments:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.commitments = db["commitments"]
        self.activities = db["activities"]

    async def create_indexes(self) -> None:
        await self.commitments.create_index([("member_id", ASCENDING)])
        await self.commitments.create_index([("activity_id", ASCENDING)])

    async def claim(self, member_id: str, activity: Document, at: datetime) -> bool:
        """True: the claim is new (ours to remove if the sign-up fails); False: it was there."""
        try:
            await self.commitments.insert_one(
                {
                    "_id": claim_id(member_id, activity["_id"]),
                    "member_id": member_id,
                    "activity_id": activity["_id"],
                    "starts_at": activity["starts_at"],
                    "ends_at": activity["ends_at"],
                    "claimed_at": at,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def overlapping(
        self, member_id: str, activity: Document, now: datetime
    ) -> Document | None:
        """Another activity the member holds (or is signing up for) at the same time."""
        async for other in self.commitments.find({"member_id": member_id}):
            if other["activity_id"] == activity["_id"]:
                continue
            if not (
                other["starts_at"] < activity["ends_at"]
                and activity["starts_at"] < other["ends_at"]
            ):
                continue
            held = await self.activities.find_one({"_id": other["activity_id"]})
            if held is not None and held_by(held, member_id) is not None:
                return held
            claimed_at = other.get("claimed_at")
            if held is not None and claimed_at is not None and claimed_at > now - STALE_CLAIM:
                return held  # a sign-up in flight: refuse rather than risk two
        return None

    async def release(self, member_id: str, activity_id: str) -> None:
        await self.commitments.delete_one({"_id": claim_id(member_id, activity_id)})

    async def release_unless_held(self, member_id: str, activity_id: str) -> None:
        """After a failed sign-up: a concurrent sign-up of the same member for the same
        activity may have won with this very claim, which then stays."""
        activity = await self.activities.find_one({"_id": activity_id})
        if activity is None or held_by(activity, member_id) is None:
            await self.release(member_id, activity_id)
