"""Pure rules of the requests service, and the requests service's masking."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.requests.domain.kinds import UnknownKind
from services.requests.domain.model import submit
from services.requests.domain.privacy import mask_name, mask_phone
from shared.contracts.commands.requests import CreateRequest, CreateRequestBody
from shared.contracts.events.common import Location
from shared.contracts.events.requests import RequestCreated

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)


def command(**overrides: object) -> CreateRequest:
    body = {"kind": "repair", "title": "漏水", "location": {"community_id": "jingxing"}}
    return CreateRequest.model_validate({**body, **overrides})


def test_submitting_records_the_request_and_one_event_without_personal_data() -> None:
    request, event = submit(
        command(resident_phone="13812341234", entered_by="v1"), request_id="r1", now=NOW
    )
    assert request.status == "submitted" and request.resident.phone == "13812341234"
    assert event.request_id == "r1" and event.entered_by == "v1"
    assert event.submitted_at == NOW
    assert "13812341234" not in event.model_dump_json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "Repair"),
        ("title", ""),
        ("title", "长" * 101),
        ("resident_phone", "12345"),
        ("urgency", "whenever"),
        ("unknown_field", 1),
    ],
)
def test_commands_reject_bad_fields_by_name(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        command(**{field: value})
    assert caught.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812341234", "138****1234"), (None, None), ("", ""), ("12345", "*****")],
)
def test_phone_masking(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_name_masking_keeps_only_the_family_name() -> None:
    assert mask_name("李奶奶") == "李**"
    assert mask_name(None) is None


def test_location_requires_a_community() -> None:
    with pytest.raises(ValidationError):
        Location.model_validate({"building_id": "b1"})


def test_an_unknown_kind_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(UnknownKind, match="unknown request kind 'gossip'; one of: emergency"):
        submit(command(kind="gossip"), request_id="r4", now=NOW)


@pytest.mark.parametrize("field", ["entered_by", "client_ref"])
def test_the_http_body_does_not_let_the_caller_say_who_entered_it_or_its_reference(
    field: str,
) -> None:
    body = {"kind": "repair", "title": "漏水", "location": {"community_id": "c1"}}
    with pytest.raises(ValidationError) as caught:
        CreateRequestBody.model_validate({**body, field: "a" * 64})
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [((field,), "extra_forbidden")]
    assert set(CreateRequest.model_fields) == set(CreateRequestBody.model_fields) | {
        "entered_by",
        "client_ref",
    }


def test_a_commands_location_refuses_unknown_fields_and_an_events_ignores_them() -> None:
    location = {"community_id": "c1", "bogus": 1}
    for model in (CreateRequestBody, CreateRequest):
        with pytest.raises(ValidationError) as caught:
            model.model_validate({"kind": "repair", "title": "漏水", "location": location})
        assert [e["loc"] for e in caught.value.errors()] == [("location", "bogus")]
    assert Location.model_validate(location) == Location(community_id="c1")
    _, event = submit(command(), request_id="r7", now=NOW)
    newer = {**event.model_dump(mode="json"), "location": location, "added_later": True}
    assert RequestCreated.model_validate(newer).location.community_id == "c1"


def test_a_client_ref_is_a_sha256_digest() -> None:
    assert command(client_ref="ab" * 32).client_ref == "ab" * 32
    with pytest.raises(ValidationError):
        command(client_ref="my-own-ref")
