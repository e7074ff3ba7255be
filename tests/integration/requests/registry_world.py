"""The registry's side of a test world for the requests service: members and teams put on
JetStream as the registry's relay would, and a wait until the service's projections hold
them."""

from datetime import UTC, date, datetime
from typing import Any

from shared.contracts.events.registry import (
    Availability,
    Home,
    MemberProfile,
    MemberRegistered,
    TeamCreated,
    TeamView,
    VolunteerJoinedTeam,
)
from tests.integration.requests.conftest import Requests
from tests.waiting import eventually

# Every part of every day, so the time a test runs at decides nothing.
EVERY_DAY_PART: list[Availability] = [
    "weekday_morning",
    "weekday_afternoon",
    "weekday_evening",
    "weekend_morning",
    "weekend_afternoon",
    "weekend_evening",
]


async def member(
    service: Requests,
    member_id: str,
    *,
    skills: list[str],
    compound: str = "haide",
    building: str | None = None,
    community: str = "quanyun",
    status: str = "active",
    name: str = "李**",
) -> None:
    profile = MemberProfile(
        member_id=member_id,
        volunteer_no="QT000001",
        display_name=name,
        home=Home(community_id=community, compound_id=compound, building_id=building),
        skills=skills,
        availability=EVERY_DAY_PART,
        status=status,  # type: ignore[arg-type]
    )
    data = MemberRegistered(member=profile, registered_at=datetime.now(UTC))
    await service.publish(data, subject=member_id)


async def team(service: Requests, team_id: str, name: str, member_ids: list[str]) -> None:
    view = TeamView(team_id=team_id, name=name, community_id="quanyun", parent_id=None, path=[])
    await service.publish(TeamCreated(team=view), subject=team_id)
    for member_id in member_ids:
        joined = VolunteerJoinedTeam(
            team_id=team_id,
            team_path=[],
            member_id=member_id,
            role="member",
            joined_on=date(2026, 1, 5),
        )
        await service.publish(joined, subject=team_id)


async def projected(service: Requests, collection: str, doc_id: str, **expected: Any) -> Any:
    """The projection's document once it holds `expected`."""

    async def probe() -> Any:
        return await service.runtime.db[collection].find_one({"_id": doc_id})

    return await eventually(
        probe,
        lambda doc: doc is not None and all(doc.get(k) == v for k, v in expected.items()),
        what=f"{collection} {doc_id}",
    )
