"""Dispatch suggestions over NATS, from the world the registry's events built and the open
requests the service holds."""

from datetime import UTC, datetime

import pytest

from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from shared.contracts.rpc import NotFound
from tests.integration.requests.conftest import Requests
from tests.integration.requests.registry_world import member, projected, team

pytestmark = pytest.mark.integration


async def open_request(service: Requests, n: int, member_id: str, status: str) -> None:
    """A request in someone's hands, as the lifecycle stores it."""
    await service.runtime.db["requests"].insert_one(
        {
            "_id": f"busy-{member_id}-{n}",
            "kind": "repair",
            "title": "修水管",
            "location": {"community_id": "quanyun", "compound_id": "haide"},
            "status": status,
            "handler": {
                "type": "volunteer",
                "id": member_id,
                "name": "张**",
                "member_id": member_id,
            },
            "submitted_at": datetime.now(UTC),
        }
    )


async def test_a_skilled_volunteer_in_the_same_compound_with_few_open_requests_comes_first(
    requests_service: Requests,
) -> None:
    await member(requests_service, "idle", skills=["repair"], building="haide-2", name="李**")
    await member(requests_service, "busy", skills=["repair"], building="haide-2", name="张**")
    await member(requests_service, "neighbour", skills=["talks"], building="haide-1")
    await member(requests_service, "far", skills=["repair"], compound="zhongmao")
    await member(requests_service, "away", skills=["repair"], status="suspended")
    await team(requests_service, "huiguanjia", "惠管家", ["neighbour"])
    await projected(requests_service, "teams", "huiguanjia", member_ids=["neighbour"])
    await projected(requests_service, "members", "far")
    await projected(requests_service, "members", "away")
    for n, status in enumerate(["accepted", "dispatched", "in_progress"]):
        await open_request(requests_service, n, "busy", status)
    await open_request(requests_service, 9, "idle", "closed")  # done: no load
    leak = await requests_service.call(
        commands.CREATE_REQUEST,
        commands.CreateRequest(
            kind="repair",
            title="楼上漏水",
            location=CommandLocation(
                community_id="quanyun", compound_id="haide", building_id="haide-1"
            ),
        ),
    )

    found = await requests_service.call(
        commands.SUGGEST_HANDLERS, commands.SuggestHandlers(request_id=leak["id"])
    )

    assert found["useful_skills"] == ["repair"]
    order = [item["id"] for item in found["items"]]
    assert order[0] == "idle" and "away" not in order
    assert order.index("idle") < order.index("busy")
    first, busy = found["items"][0], found["items"][order.index("busy")]
    assert first["name"] == "李**" and first["open_requests"] == 0
    assert {"zh": "同一小区", "en": "same compound"} in first["reasons"]
    assert {"zh": "技能对口：维修", "en": "useful skill: repair"} in first["reasons"]
    assert busy["open_requests"] == 3 and busy["score"] < first["score"]
    assert {"zh": "在办诉求 3 件", "en": "3 open requests"} in busy["reasons"]
    crew = found["items"][order.index("huiguanjia")]
    assert crew["type"] == "team" and {"zh": "同一楼栋", "en": "same building"} in crew["reasons"]


async def test_an_unknown_request_is_not_found(requests_service: Requests) -> None:
    with pytest.raises(NotFound):
        await requests_service.call(
            commands.SUGGEST_HANDLERS, commands.SuggestHandlers(request_id="nope")
        )
