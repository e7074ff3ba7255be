"""The issue's neighbour dispute: handled by the building head, mediation notes left out of
the view unless asked for (the handler's and admins' only), closed as "not responsible" with
its reason shown on the request."""

import pytest

from shared.contracts.commands import requests as commands
from shared.contracts.events import requests as events
from shared.contracts.rpc import Conflict, Invalid
from tests.integration.requests.conftest import Requests
from tests.integration.requests.lifecycle_support import (
    ADMIN,
    accepted,
    building,
    get,
    member,
    movable_clock,
)

pytestmark = pytest.mark.integration

HEAD = "m-head"


async def test_a_dispute_handled_by_the_building_head(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    movable_clock(monkeypatch)
    await member(service, HEAD, "王**")
    await member(service, "m-other", "赵**")
    await building(service, "b2", heads=[HEAD])
    made = await accepted(service, kind="neighbour_dispute", title="楼上噪音扰民", building="b2")
    request_id = made["id"]

    def dispatch(member_id: str) -> commands.DispatchRequest:
        return commands.DispatchRequest(
            request_id=request_id, handler_type="building_head", handler_id=member_id
        )

    # Only a head of the request's building may take it as its building head.
    with pytest.raises(Invalid, match="not a building head of b2") as other:
        await service.call(commands.DISPATCH_REQUEST, dispatch("m-other"))
    assert other.value.details[0].loc == ["handler_id"]
    with pytest.raises(Invalid, match="no member m-nobody"):
        await service.call(commands.DISPATCH_REQUEST, dispatch("m-nobody"))
    dispatched = await service.call(commands.DISPATCH_REQUEST, dispatch(HEAD), actor=ADMIN)
    assert dispatched["handler"]["name"] == "王**"
    [assigned] = await service.events.wait_for(
        events.VolunteerAssigned, lambda e: e.request_id == request_id
    )
    assert assigned.member_id == HEAD and assigned.kind == "neighbour_dispute"
    await service.call(
        commands.START_REQUEST, commands.StartRequest(request_id=request_id), actor="user:head"
    )

    for text, mediation in [("双方同意晚十点后不再装修", True), ("已上门两次", False)]:
        note = commands.AddNote(request_id=request_id, text=text, mediation=mediation)
        await service.call(commands.ADD_NOTE, note, actor="user:head")

    # A team leader (the gateway leaves include_mediation off) sees the plain note only.
    view = await get(service, request_id)
    assert [n["text"] for n in view["notes"]] == ["已上门两次"]
    assert "双方同意" not in str(view)
    handler_view = await get(service, request_id, include_mediation=True)
    assert [(n["text"], n["mediation"]) for n in handler_view["notes"]] == [
        ("双方同意晚十点后不再装修", True),
        ("已上门两次", False),
    ]
    # The listing the Open311 view reads leaves them out too.
    listed = await service.call(commands.LIST_REQUESTS, commands.ListRequests(ids=[request_id]))
    assert "双方同意" not in str(listed)

    mine = await service.call(
        commands.ASSIGNED_TO_MEMBER, commands.AssignedToMember(member_id=HEAD)
    )
    assert [item["id"] for item in mine["items"]] == [request_id]

    reason = "系房屋质量纠纷, 属法院管辖"
    closed = await service.call(
        commands.MARK_NOT_RESPONSIBLE,
        commands.MarkNotResponsible(request_id=request_id, reason=reason),
        actor=ADMIN,
    )
    assert closed["status"] == "closed" and closed["closed_as"] == "not_responsible"
    shown = await get(service, request_id)
    assert shown["close_reason"] == reason
    assert shown["timeline"][-1]["action"] == "marked_not_responsible"
    assert shown["timeline"][-1]["note"] == reason
    [ended] = await service.events.wait_for(
        events.RequestClosed, lambda e: e.request_id == request_id
    )
    assert ended.closed_as == "not_responsible" and ended.reason == reason
    with pytest.raises(Conflict, match="is closed: it cannot be resolved"):
        await service.call(
            commands.RESOLVE_REQUEST,
            commands.ResolveRequest(request_id=request_id, notes="调解成功"),
        )
    # No longer open work for the building head; still among everything they handled.
    mine = await service.call(
        commands.ASSIGNED_TO_MEMBER, commands.AssignedToMember(member_id=HEAD)
    )
    assert mine["items"] == []
    everything = await service.call(
        commands.ASSIGNED_TO_MEMBER, commands.AssignedToMember(member_id=HEAD, open_only=False)
    )
    assert [item["id"] for item in everything["items"]] == [request_id]
