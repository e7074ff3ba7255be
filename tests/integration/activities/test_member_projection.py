"""The members projection, kept from the registry's events: idempotent, newest wins, merges
and status changes stop sign-ups."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.contracts.catalogue import EventData
from shared.contracts.commands import activities as commands
from shared.contracts.events.registry import MemberRegistered, MembersMerged, MemberUpdated
from shared.contracts.rpc import Conflict
from tests.integration.activities.conftest import Activities
from tests.integration.activities.signup_support import (
    movable_clock,
    next_saturday_9am,
    profile,
    published_activity,
    register_members,
    role,
)
from tests.integration.service_harness import publish_event
from tests.waiting import eventually

pytestmark = pytest.mark.integration


async def publish_at(activities: Activities, data: EventData, subject: str, at: datetime) -> None:
    """An event stamped `at`: as one published earlier and delivered late."""
    await publish_event(
        activities.js, activities.settings.subdistrict, data, subject=subject, at=at
    )


async def member(activities: Activities, member_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = await activities.runtime.db["members"].find_one(
        {"_id": member_id}
    )
    return found


async def test_the_projection_follows_the_registry(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register_members(activities, ["m1", "m2"])
    first = await member(activities, "m1")
    assert first is not None and (first["status"], first["skills"]) == ("active", [])
    assert first["volunteer_no"] == "QT-m1" and first["community_id"] == "quanyun"

    # A newer profile, then an older one delivered late: the newer stays.
    newer = MemberUpdated(member=profile("m1", ("medical",)), changed=["skills"])
    await activities.publish(newer, subject="m1")
    await eventually(
        lambda: member(activities, "m1"),
        lambda m: m is not None and m["skills"] == ["medical"],
        what="the newer skills",
    )
    older = MemberUpdated(member=profile("m1", ("cooking",)), changed=["skills"])
    await publish_at(activities, older, "m1", datetime.now(UTC) - timedelta(hours=1))
    # The same registration told again: an upsert, nothing is added.
    again = MemberRegistered(member=profile("m2"), registered_at=datetime.now(UTC))
    await activities.publish(again, subject="m2", msg_id="m2-again")
    merged = MembersMerged(
        kept_member_id="m2",
        kept_volunteer_no="QT-m2",
        merged_member_id="m1",
        merged_volunteer_no="QT-m1",
        total_hours=12.5,
    )
    await activities.publish(merged, subject="m2")
    # Events of one consumer are handled in order: once the merge is in, so is the older one.
    found = await eventually(
        lambda: member(activities, "m1"),
        lambda m: m is not None and m["status"] == "merged",
        what="the merge",
    )
    assert found is not None and found["merged_into"] == "m2"
    assert found["skills"] == ["medical"]  # the late, older profile was skipped
    assert await activities.runtime.db["members"].count_documents({}) == 2

    starts = next_saturday_9am()
    movable_clock(monkeypatch, starts - timedelta(days=1))
    await published_activity(activities, "talk", starts, roles=[role("help", 2)])
    with pytest.raises(Conflict, match="member m1 is merged into m2"):
        await activities.call(
            commands.SIGN_UP, commands.SignUp(activity_id="talk", member_id="m1", role_id="help")
        )
