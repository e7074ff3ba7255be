"""Hours from the requests service: RequestResolved credits each volunteer who served once,
however often it arrives; a partner's confirmed wish credits nobody."""

from datetime import UTC, datetime

import pytest
from nats.js import JetStreamContext

from shared.contracts.catalogue import EventData
from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import ServiceHoursCredited
from shared.contracts.events.requests import Claimant, Handler, RequestResolved, WishConfirmed
from tests.integration.registry.conftest import Registry
from tests.integration.registry.record_support import register
from tests.integration.service_harness import publish_event

pytestmark = pytest.mark.integration

RESOLVED_AT = datetime(2026, 5, 1, 17, 0, tzinfo=UTC)  # 2 May in Shanghai


async def publish(js: JetStreamContext, subdistrict: str, data: EventData, subject: str) -> None:
    """As the requests service's relay would; each call is a new event id and message."""
    await publish_event(js, subdistrict, data, subject=subject)


def resolved(request_id: str, member_ids: list[str], hours: float) -> RequestResolved:
    return RequestResolved(
        request_id=request_id,
        community_id="quanyun",
        kind="repair",
        title="楼道灯维修",
        handler=Handler(type="team", id="t1", name="惠管家志愿服务队"),
        resolved_by="user:leader",
        resolved_at=RESOLVED_AT,
        hours_spent=hours,
        volunteer_member_ids=member_ids,
    )


async def test_a_resolved_request_credits_each_volunteer_once(
    registry: Registry, js: JetStreamContext, subdistrict: str
) -> None:
    first, second = [(await register(registry, n))["id"] for n in range(2)]
    event = resolved("req-1", [first, "nobody-registered", second, first], 1.5)
    await publish(js, subdistrict, event, "req-1")
    await publish(js, subdistrict, event, "req-1")  # again, under a new id
    partner = WishConfirmed(
        wish_id="wish-p",
        community_id="quanyun",
        claimant=Claimant(type="partner", id=first),  # a partner: no record, even so named
        title="送台灯",
        hours=2,
        confirmed_at=RESOLVED_AT,
    )
    await publish(js, subdistrict, partner, "wish-p")
    await publish(js, subdistrict, resolved("req-2", [first], 1.0), "req-2")  # in order: last

    await registry.events.wait_for(ServiceHoursCredited, where=lambda e: e.source_id == "req-2")
    mine = await registry.call(commands.GET_RECORD, commands.GetRecord(member_id=first))
    assert [(e["source"], e["source_id"], e["hours"]) for e in mine["entries"]] == [
        ("request", "req-2", 1.0),
        ("request", "req-1", 1.5),
    ]
    entry = mine["entries"][1]
    assert entry["content"] == "楼道灯维修" and entry["organiser"] == "惠管家志愿服务队"
    assert entry["served_on"] == "2026-05-02" and entry["approver"] == "user:leader"
    theirs = await registry.call(commands.GET_RECORD, commands.GetRecord(member_id=second))
    assert [e["source_id"] for e in theirs["entries"]] == ["req-1"]
    assert theirs["total_hours"] == 1.5 and theirs["points_balance"] == 15


async def test_work_after_a_reopening_is_credited_as_its_own_entry(
    registry: Registry, js: JetStreamContext, subdistrict: str
) -> None:
    (member,) = [(await register(registry, n))["id"] for n in range(1)]
    await publish(js, subdistrict, resolved("req-9", [member], 1.0), "req-9")
    again = resolved("req-9", [member], 0.5).model_copy(update={"resolution": 2})
    await publish(js, subdistrict, again, "req-9")
    await publish(js, subdistrict, again, "req-9")  # the second resolution, delivered twice

    await registry.events.wait_for(ServiceHoursCredited, where=lambda e: e.source_id == "req-9#2")
    record = await registry.call(commands.GET_RECORD, commands.GetRecord(member_id=member))
    assert sorted((e["source_id"], e["hours"]) for e in record["entries"]) == [
        ("req-9", 1.0),
        ("req-9#2", 0.5),
    ]
