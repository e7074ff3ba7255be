"""What the lifecycle's tests share: a clock they move, requests made and walked through
their states, and the registry's events that tell the service who may handle them."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.requests import lifecycle_clock
from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from shared.contracts.events.registry import (
    BranchView,
    Home,
    MemberProfile,
    MemberRegistered,
    OrgUnitCreated,
    OrgUnitView,
    TeamCreated,
    TeamView,
)
from tests.integration.requests.conftest import Requests
from tests.waiting import eventually

ADMIN = "user:community-admin"
VOLUNTEER = "user:volunteer-1"


@dataclass
class Clock:
    at: datetime

    def move(self, by: timedelta) -> datetime:
        self.at += by
        return self.at


def movable_clock(monkeypatch: pytest.MonkeyPatch, at: datetime | None = None) -> Clock:
    """The lifecycle's clock, from `at` (a minute from now: after the real submission)."""
    start = at or lifecycle_clock.now() + timedelta(minutes=1)
    clock = Clock(start.astimezone(UTC).replace(microsecond=0))
    monkeypatch.setattr(lifecycle_clock, "now", lambda: clock.at)
    return clock


async def create(
    service: Requests,
    *,
    kind: str = "repair",
    title: str = "厨房漏水",
    community: str = "c1",
    compound: str | None = "k1",
    building: str | None = "b1",
    channel: str = "wechat_group",
    entered_by: str | None = VOLUNTEER,
) -> dict[str, Any]:
    body = commands.CreateRequest(
        kind=kind,
        title=title,
        description="楼上渗水到厨房, 联系电话 13812345678",
        location=CommandLocation(
            community_id=community, compound_id=compound, building_id=building
        ),
        channel=channel,  # type: ignore[arg-type]
        resident_name="张秀英",
        resident_phone="13812345678",
        entered_by=entered_by,
    )
    made: dict[str, Any] = await service.call(commands.CREATE_REQUEST, body, actor=entered_by)
    return made


async def get(service: Requests, request_id: str, **options: Any) -> dict[str, Any]:
    view: dict[str, Any] = await service.call(
        commands.GET_REQUEST, commands.GetRequest(request_id=request_id, **options)
    )
    return view


async def accepted(service: Requests, **fields: Any) -> dict[str, Any]:
    made = await create(service, **fields)
    done: dict[str, Any] = await service.call(
        commands.ACCEPT_REQUEST, commands.AcceptRequest(request_id=made["id"]), actor=ADMIN
    )
    return done


async def dispatched(
    service: Requests, handler_type: str, handler_id: str, **fields: Any
) -> dict[str, Any]:
    made = await accepted(service, **fields)
    body = commands.DispatchRequest(
        request_id=made["id"],
        handler_type=handler_type,  # type: ignore[arg-type]
        handler_id=handler_id,
    )
    done: dict[str, Any] = await service.call(commands.DISPATCH_REQUEST, body, actor=ADMIN)
    return done


# --- What the registry says (its events, as its relay would publish them) ------------------


async def compound_with_three(
    service: Requests, compound: str = "k1", community: str = "c1"
) -> None:
    """A compound with its party branch, owners' committee and property company."""
    unit = OrgUnitView(
        unit_id=compound,
        kind="compound",
        name="阳光小区",
        parent_id=community,
        community_id=community,
        party_branch=BranchView(name="阳光小区党支部"),
        owners_committee="阳光小区业委会",
        property_company="绿城物业",
    )
    await _unit(service, unit)


async def building(
    service: Requests, building_id: str, heads: list[str], compound: str = "k1"
) -> None:
    unit = OrgUnitView(
        unit_id=building_id,
        kind="building",
        name=f"{building_id}号楼",
        parent_id=compound,
        community_id="c1",
        compound_id=compound,
        building_head_ids=heads,
    )
    await _unit(service, unit)


async def _unit(service: Requests, unit: OrgUnitView) -> None:
    await service.publish(OrgUnitCreated(unit=unit), subject=unit.unit_id)
    units = service.runtime.db["org_units"]
    await eventually(lambda: units.find_one({"_id": unit.unit_id}), what=f"unit {unit.unit_id}")


async def member(service: Requests, member_id: str, name: str = "王**") -> None:
    profile = MemberProfile(
        member_id=member_id,
        volunteer_no=f"V{member_id}",
        display_name=name,
        home=Home(community_id="c1", compound_id="k1", building_id="b1"),
        skills=[],
        status="active",
    )
    await service.publish(
        MemberRegistered(member=profile, registered_at=datetime.now(UTC)), subject=member_id
    )
    members = service.runtime.db["members"]
    await eventually(lambda: members.find_one({"_id": member_id}), what=f"member {member_id}")


async def team(service: Requests, team_id: str, name: str, parent: str | None = None) -> None:
    view = TeamView(
        team_id=team_id,
        name=name,
        community_id="c1",
        parent_id=parent,
        path=[parent] if parent else [],
    )
    await service.publish(TeamCreated(team=view), subject=team_id)
    teams = service.runtime.db["teams"]
    await eventually(lambda: teams.find_one({"_id": team_id, "name": name}), what=f"team {team_id}")
