"""Members, activities and a movable clock for the sign-ups tests.

Members reach the activities service as the registry tells it: MemberRegistered (and
MemberStatusChanged) put on JetStream, then waited for in the `members` projection."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.activities import signup_clock
from shared.contracts.commands import activities as commands
from shared.contracts.events.registry import (
    Home,
    MemberProfile,
    MemberRegistered,
    MemberStatus,
    MemberStatusChanged,
)
from tests.integration.activities.conftest import Activities
from tests.waiting import eventually

COMMUNITY = "quanyun"


def next_saturday_9am() -> datetime:
    """A start well in the future (09:00 in Shanghai, a few days ahead), in whole hours."""
    today = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    return today + timedelta(days=3 + (5 - today.weekday()) % 7)


class MovableClock:
    """The sign-ups part's now, set by the test (check-ins and completion happen hours
    after the sign-ups, and a test does not wait hours)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def movable_clock(monkeypatch: pytest.MonkeyPatch, at: datetime) -> MovableClock:
    clock = MovableClock(at)
    monkeypatch.setattr(signup_clock, "now", clock.now)
    return clock


def profile(member_id: str, skills: tuple[str, ...] = (), name: str = "李**") -> MemberProfile:
    return MemberProfile(
        member_id=member_id,
        volunteer_no=f"QT-{member_id}",
        display_name=name,
        home=Home(community_id=COMMUNITY),
        skills=list(skills),
        status="active",
    )


async def known_members(activities: Activities, member_ids: list[str]) -> list[dict[str, Any]]:
    found = activities.runtime.db["members"].find({"_id": {"$in": member_ids}})
    return [m async for m in found]


async def register_members(
    activities: Activities, member_ids: list[str], skills: tuple[str, ...] = ()
) -> None:
    """As the registry would: MemberRegistered for each, then wait for the projection."""
    for member_id in member_ids:
        registered = MemberRegistered(
            member=profile(member_id, skills), registered_at=datetime.now(UTC)
        )
        await activities.publish(registered, subject=member_id)
    await eventually(
        lambda: known_members(activities, member_ids),
        lambda found: len(found) == len(member_ids),
        what="members in the projection",
    )


async def change_status(
    activities: Activities, member_id: str, status: MemberStatus, previous: MemberStatus
) -> None:
    changed = MemberStatusChanged(
        member_id=member_id,
        volunteer_no="QT000001",
        status=status,
        previous=previous,
        effective_on=date.today(),
    )
    await activities.publish(changed, subject=member_id)

    async def current() -> str | None:
        found = await known_members(activities, [member_id])
        return found[0]["status"] if found else None

    await eventually(current, lambda s: s == status, what=f"member {member_id} {status}")


def role(role_id: str, head_count: int, skill: str | None = None, name: str = "") -> Any:
    return commands.RoleIn(
        role_id=role_id, name=name or role_id, head_count=head_count, required_skill=skill
    )


async def published_activity(
    activities: Activities,
    activity_id: str,
    starts_at: datetime,
    *,
    hours: float = 2,
    roles: list[Any] | None = None,
    participant_capacity: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "title": activity_id,
        "activity_type": "science_class",
        "community_id": COMMUNITY,
        "place": "社区活动室",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "roles": roles or [],
        "participant_capacity": participant_capacity,
        **fields,
    }
    created: dict[str, Any] = await activities.call(
        commands.CREATE_ACTIVITY,
        commands.CreateActivity(activity_id=activity_id, publish=True, **body),
    )
    return created


async def get_activity(activities: Activities, activity_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = await activities.call(
        commands.GET_ACTIVITY, commands.GetActivity(activity_id=activity_id)
    )
    return doc
