"""Intake on real servers: a request's extra fields checked against its kind, everything
the request keeps from intake, and a refused command that does not use up its retry
reference."""

import hashlib

import pytest

from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from shared.contracts.events.requests import RequestCreated
from shared.contracts.rpc import Invalid
from tests.integration.requests.conftest import Requests

pytestmark = pytest.mark.integration

WHERE = CommandLocation(community_id="quanyun", compound_id="c2", building_id="b3")


def leak(**fields: object) -> commands.CreateRequest:
    body = {"kind": "repair", "title": "厨房漏水", "location": WHERE, **fields}
    return commands.CreateRequest.model_validate(body)


async def refused(service: Requests, cmd: commands.CreateRequest) -> Invalid:
    with pytest.raises(Invalid) as caught:
        await service.call(commands.CREATE_REQUEST, cmd)
    return caught.value


async def test_an_unknown_extra_field_is_refused_naming_it(requests_service: Requests) -> None:
    error = await refused(requests_service, leak(extra={"pets": "cat", "facility": "water_pipe"}))
    assert [(e.loc, e.msg) for e in error.details] == [
        (["extra", "pets"], "unknown field for kind repair")
    ]
    assert await requests_service.runtime.db["requests"].count_documents({}) == 0


async def test_wrong_values_are_refused_each_by_name(requests_service: Requests) -> None:
    error = await refused(requests_service, leak(extra={"facility": "roof", "indoor": "maybe"}))
    assert sorted(tuple(e.loc) for e in error.details) == [
        ("extra", "facility"),
        ("extra", "indoor"),
    ]
    assert "'roof' is not one of" in error.message
    emergency = leak(kind="emergency", extra={"people_at_risk": "many"})
    error = await refused(requests_service, emergency)
    assert [e.loc for e in error.details] == [["extra", "people_at_risk"]]


async def test_an_unknown_kind_is_refused_naming_the_kind(requests_service: Requests) -> None:
    error = await refused(requests_service, leak(kind="gossip"))
    assert [e.loc for e in error.details] == [["kind"]]
    assert "one of: emergency, repair" in error.message


async def test_a_request_keeps_what_intake_gave_it(requests_service: Requests) -> None:
    made = await requests_service.call(
        commands.CREATE_REQUEST,
        leak(
            channel="wechat_group",
            resident_name="李奶奶",
            resident_phone="13812341234",
            resident_member_id="m-li",
            photo_refs=["photos/leak-1.jpg", "photos/leak-2.jpg"],
            extra={"facility": "water_pipe", "indoor": True},
            entered_by="user:volunteer-wang",
        ),
        actor="user:volunteer-wang",
    )
    assert made["kind_name"] == {"zh": "维修", "en": "Repair"}
    assert made["photo_refs"] == ["photos/leak-1.jpg", "photos/leak-2.jpg"]
    assert made["extra"] == {"facility": "water_pipe", "indoor": True}
    assert made["resident"] == {"name": "李**", "phone": "138****1234", "member_id": "m-li"}
    assert made["entered_by"] == "user:volunteer-wang" and made["channel"] == "wechat_group"
    stored = await requests_service.runtime.aggregates("requests").get(made["id"])
    assert stored["resident"]["member_id"] == "m-li"
    assert {f: stored[f] for f in ("reminded_at", "overdue_at", "escalated_at")} == {
        "reminded_at": None,
        "overdue_at": None,
        "escalated_at": None,
    }
    [created] = await requests_service.events.wait_for(
        RequestCreated, where=lambda e: e.request_id == made["id"]
    )
    assert created.kind_name is not None and created.kind_name.zh == "维修"


async def test_a_refused_command_leaves_its_retry_reference_free(
    requests_service: Requests,
) -> None:
    ref = hashlib.sha256(b"user:v1 key-1").hexdigest()
    await refused(requests_service, leak(client_ref=ref, extra={"pets": "cat"}))
    first = await requests_service.call(commands.CREATE_REQUEST, leak(client_ref=ref))
    again = await requests_service.call(commands.CREATE_REQUEST, leak(client_ref=ref))
    assert again["id"] == first["id"]
    assert await requests_service.runtime.db["requests"].count_documents({}) == 1
