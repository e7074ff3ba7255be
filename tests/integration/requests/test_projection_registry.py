"""The service's own projections of the registry's members and teams, from its events."""

from datetime import UTC, date, datetime, timedelta

import pytest

from shared.contracts.events.registry import (
    MemberStatusChanged,
    TeamUpdated,
    TeamView,
    VolunteerJoinedTeam,
    VolunteerLeftTeam,
)
from tests.integration.requests.conftest import Requests
from tests.integration.requests.registry_world import member, projected, team
from tests.integration.service_harness import publish_event

pytestmark = pytest.mark.integration


async def test_members_and_their_status_come_from_the_registry(
    requests_service: Requests,
) -> None:
    await member(requests_service, "m1", skills=["repair"], building="haide-1")
    doc = await projected(requests_service, "members", "m1", status="active")
    assert doc["display_name"] == "李**" and doc["skills"] == ["repair"]
    assert doc["home"] == {
        "community_id": "quanyun",
        "compound_id": "haide",
        "building_id": "haide-1",
    }
    suspended = MemberStatusChanged(
        member_id="m1",
        volunteer_no="QT000001",
        status="suspended",
        previous="active",
        effective_on=date(2026, 5, 1),
    )
    await requests_service.publish(suspended, subject="m1")
    doc = await projected(requests_service, "members", "m1", status="suspended")
    assert doc["skills"] == ["repair"]  # the profile stays


async def test_team_members_join_and_leave_and_a_late_old_join_changes_nothing(
    requests_service: Requests,
) -> None:
    await team(requests_service, "t1", "惠管家", ["m1", "m2"])
    await projected(requests_service, "teams", "t1", member_ids=["m1", "m2"])
    left = VolunteerLeftTeam(team_id="t1", member_id="m1", left_on=date(2026, 5, 1))
    await requests_service.publish(left, subject="t1")
    await projected(requests_service, "teams", "t1", member_ids=["m2"])
    # A redelivered join from before the leave (its event time is older) is ignored.
    stale = VolunteerJoinedTeam(
        team_id="t1", team_path=[], member_id="m1", role="member", joined_on=date(2026, 1, 5)
    )
    await publish_event(
        requests_service.js,
        requests_service.settings.subdistrict,
        stale,
        subject="t1",
        at=datetime.now(UTC) - timedelta(hours=1),
    )
    renamed = TeamView(
        team_id="t1", name="惠管家志愿服务队", community_id="quanyun", parent_id=None, path=[]
    )
    await requests_service.publish(TeamUpdated(team=renamed, changed=["name"]), subject="t1")
    # The consumer takes events in order: once the rename is in, the stale join was seen.
    doc = await projected(requests_service, "teams", "t1", name="惠管家志愿服务队")
    assert doc["member_ids"] == ["m2"] and doc["community_id"] == "quanyun"
