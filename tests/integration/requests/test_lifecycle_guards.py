"""What the lifecycle refuses: a return after more than one working day, an extension after
the deadline, the loser of two concurrent dispatches (409); bad input naming the field
(422). And the side exits: a duplicate linked to its original, a transfer, a cancel."""

import asyncio
from datetime import datetime, timedelta

import pytest

from shared.contracts.commands import requests as commands
from shared.contracts.events import requests as events
from shared.contracts.rpc import Conflict, Invalid
from tests.integration.requests.conftest import Requests
from tests.integration.requests.lifecycle_support import (
    ADMIN,
    accepted,
    compound_with_three,
    create,
    dispatched,
    get,
    movable_clock,
)

pytestmark = pytest.mark.integration


async def test_a_return_only_within_one_working_day(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    clock = movable_clock(monkeypatch)
    late, in_time = await create(service), await create(service)
    returned = await service.call(
        commands.RETURN_REQUEST,
        commands.ReturnRequest(request_id=in_time["id"], reason="不属于本社区范围"),
        actor=ADMIN,
    )
    assert returned["status"] == "returned" and returned["return_reason"] == "不属于本社区范围"
    await service.events.wait_for(events.RequestReturned, lambda e: e.request_id == in_time["id"])

    clock.move(timedelta(days=21))  # three weeks hold more than one working day, holidays or not
    with pytest.raises(Conflict, match="more than one working day"):
        await service.call(
            commands.RETURN_REQUEST,
            commands.ReturnRequest(request_id=late["id"], reason="不属于本社区范围"),
        )
    assert (await get(service, late["id"]))["status"] == "submitted"


async def test_an_extension_only_before_the_deadline(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    clock = movable_clock(monkeypatch)
    await compound_with_three(service)
    before = await dispatched(service, "property_company", "k1")
    after = await dispatched(service, "owners_committee", "k1")
    ask = commands.RequestExtensionBody(reason="需业委会表决维修基金", working_days=3)

    asked = await service.call(
        commands.REQUEST_EXTENSION,
        commands.RequestExtension(request_id=before["id"], **ask.model_dump()),
    )
    assert asked["extension"]["status"] == "pending"
    approved = await service.call(
        commands.APPROVE_EXTENSION, commands.ApproveExtension(request_id=before["id"]), actor=ADMIN
    )
    moved = datetime.fromisoformat(approved["deadline"])
    assert moved > datetime.fromisoformat(before["deadline"]) + timedelta(days=2)
    [event] = await service.events.wait_for(
        events.ExtensionApproved, lambda e: e.request_id == before["id"]
    )
    assert event.deadline == moved and event.reason == "需业委会表决维修基金"
    assert (await get(service, before["id"]))["extension"]["reason"] == "需业委会表决维修基金"

    clock.at = datetime.fromisoformat(after["deadline"]) + timedelta(minutes=1)
    with pytest.raises(Conflict, match="before the deadline"):
        await service.call(
            commands.REQUEST_EXTENSION,
            commands.RequestExtension(request_id=after["id"], **ask.model_dump()),
        )
    assert not [
        e for e in service.events.of(events.ExtensionRequested) if e.request_id == after["id"]
    ]


async def test_of_two_concurrent_dispatches_one_wins(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    movable_clock(monkeypatch)
    await compound_with_three(service)
    made = await accepted(service)

    def to(handler_type: str) -> commands.DispatchRequest:
        return commands.DispatchRequest(
            request_id=made["id"],
            handler_type=handler_type,  # type: ignore[arg-type]
            handler_id="k1",
            expected_revision=made["revision"],
        )

    outcomes = await asyncio.gather(
        service.call(commands.DISPATCH_REQUEST, to("property_company")),
        service.call(commands.DISPATCH_REQUEST, to("party_branch")),
        return_exceptions=True,
    )
    won = [o for o in outcomes if isinstance(o, dict)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], Conflict)
    view = await get(service, made["id"])
    assert view["handler"]["type"] == won[0]["handler"]["type"]
    assert [e["action"] for e in view["timeline"]] == ["accepted", "dispatched"]
    await service.events.wait_for(events.RequestDispatched, lambda e: e.request_id == made["id"])
    dispatches = [
        e for e in service.events.of(events.RequestDispatched) if e.request_id == made["id"]
    ]
    assert len(dispatches) == 1


async def test_bad_input_names_the_field(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    movable_clock(monkeypatch)
    made = await dispatched(service, "team", "t-any")

    # Refused by the command's own rules (sent as a caller might, unchecked).
    bad = commands.ResolveRequest.model_construct(
        request_id=made["id"], notes="修好了", hours_spent=0.3, volunteer_member_ids=[]
    )
    with pytest.raises(Invalid) as hours:
        await service.call(commands.RESOLVE_REQUEST, bad)
    assert any("hours_spent" in e.loc for e in hours.value.details)
    with pytest.raises(Invalid) as satisfaction:
        await service.call(
            commands.RECORD_FOLLOW_UP,
            commands.RecordFollowUp.model_construct(
                request_id=made["id"], satisfaction="so-so", comment=""
            ),
        )
    assert any("satisfaction" in e.loc for e in satisfaction.value.details)

    # Refused by what the service knows.
    with pytest.raises(Invalid) as original:
        await service.call(
            commands.MARK_DUPLICATE,
            commands.MarkDuplicate(request_id=made["id"], original_id="no-such-request"),
        )
    assert original.value.details[0].loc == ["original_id"]
    with pytest.raises(Invalid) as nowhere:
        await service.call(
            commands.TRANSFER_REQUEST,
            commands.TransferRequest(request_id=made["id"], reason="地址有误"),
        )
    assert nowhere.value.details[0].loc == ["to_community_id"]
    with pytest.raises(Invalid) as compound:
        await service.call(
            commands.DISPATCH_REQUEST,
            commands.DispatchRequest(
                request_id=made["id"], handler_type="owners_committee", handler_id="k-unknown"
            ),
        )
    assert compound.value.details[0].loc == ["handler_id"]
    assert (await get(service, made["id"]))["revision"] == made["revision"]


async def test_duplicate_transfer_and_cancel(
    requests_service: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = requests_service
    movable_clock(monkeypatch)
    original, copy = await accepted(service), await create(service)
    dup = await service.call(
        commands.MARK_DUPLICATE,
        commands.MarkDuplicate(request_id=copy["id"], original_id=original["id"]),
    )
    assert dup["closed_as"] == "duplicate" and dup["duplicate_of"] == original["id"]
    [closed] = await service.events.wait_for(
        events.RequestClosed, lambda e: e.request_id == copy["id"]
    )
    assert closed.duplicate_of == original["id"]

    moved = await service.call(
        commands.TRANSFER_REQUEST,
        commands.TransferRequest(request_id=original["id"], to_community_id="c2", reason="在c2"),
    )
    assert moved["status"] == "submitted" and moved["location"]["community_id"] == "c2"
    assert moved["deadline"] is None
    [transferred] = await service.events.wait_for(
        events.RequestTransferred, lambda e: e.request_id == original["id"]
    )
    assert transferred.community_id == "c1" and transferred.to_community_id == "c2"
    board = await service.call(commands.GET_BOARD, commands.GetBoard(community_id="c2"))
    assert [item["id"] for item in board["items"]] == [original["id"]]

    cancelled = await service.call(
        commands.CANCEL_REQUEST,
        commands.CancelRequest(request_id=original["id"], reason="居民已自行解决"),
        actor="user:volunteer-1",
    )
    assert cancelled["status"] == "cancelled" and cancelled["closed_as"] == "cancelled"
    await service.events.wait_for(events.RequestCancelled, lambda e: e.request_id == original["id"])
    with pytest.raises(Conflict, match="is cancelled: it cannot be cancelled"):
        await service.call(
            commands.CANCEL_REQUEST, commands.CancelRequest(request_id=original["id"])
        )
