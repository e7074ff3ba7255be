"""The envelope, the catalogue and the subjects: pure, no I/O."""

import json
from datetime import datetime

import pytest

from shared.contracts.catalogue import MalformedEvent, catalogue, parse_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.notify import NotificationSent
from shared.contracts.events.requests import RequestCreated
from shared.contracts.ids import new_id
from shared.contracts.subjects import (
    check_subdistrict,
    dead_letter_stream,
    events_filter,
    events_stream,
)
from tests.factories import notification_sent, request_created

pytestmark = pytest.mark.unit


def test_envelope_is_cloudevents_1_0_structured_json_with_our_extensions() -> None:
    event = request_created("quantang")
    body = json.loads(event.to_bytes())
    assert body["specversion"] == "1.0"
    assert body["type"] == "cn.redvest.requests.request.created.v1"
    assert body["source"] == "/redvest/quantang/requests"
    assert body["datacontenttype"] == "application/json"
    assert body["subject"] == body["data"]["request_id"]
    assert body["subdistrict"] == "quantang"
    assert body["correlationid"] == body["id"]  # a first event starts its own correlation
    assert datetime.fromisoformat(body["time"]).tzinfo is not None


def test_event_ids_sort_by_creation_time() -> None:
    ids = [new_id() for _ in range(200)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 200


def test_every_event_type_has_a_versioned_hierarchical_subject() -> None:
    types = catalogue()
    assert {t.name for t in types.values()} >= {"RequestCreated", "NotificationSent"}
    for spec in types.values():
        subject = spec.subject("quantang")
        assert subject == (
            f"rv.quantang.evt.{spec.service}.{spec.aggregate}.{spec.action}.v{spec.version}"
        )
        assert spec.type.endswith(f".v{spec.version}")


def test_wildcards_select_one_subdistrict_one_service_or_everything() -> None:
    assert events_filter("quantang") == "rv.quantang.evt.>"
    assert events_filter("quantang", "requests") == "rv.quantang.evt.requests.>"
    assert events_filter() == "rv.*.evt.>"
    assert events_stream("quantang") == "RV_EVT_QUANTANG"
    assert dead_letter_stream("quantang") == "RV_DLQ_QUANTANG"


@pytest.mark.parametrize("bad", ["", "Q", "quan.tang", "quan tang", "1abc", "a>", "a*"])
def test_subdistrict_ids_that_would_break_subjects_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="subdistrict id"):
        check_subdistrict(bad)


def test_parse_round_trips_and_ignores_unknown_fields() -> None:
    event = request_created("quantang")
    raw = event.model_dump(mode="json")
    raw["data"]["added_in_a_later_minor_version"] = 1
    raw["newextension"] = "x"
    envelope, data = parse_event(json.dumps(raw).encode())
    assert isinstance(data, RequestCreated)
    assert envelope.id == event.id and data.request_id == event.data["request_id"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.update(type="cn.redvest.requests.request.created.v2"), "unknown event type"),
        (lambda r: r["data"].pop("title"), "title: Field required"),
        (lambda r: r.pop("id"), "id: Field required"),
        (lambda r: r.pop("time"), "time: Field required"),
        (lambda r: r.update(specversion="0.3"), "specversion"),
    ],
)
def test_parse_names_what_is_wrong(mutate: object, reason: str) -> None:
    raw = request_created("quantang").model_dump(mode="json")
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(MalformedEvent, match=reason):
        parse_event(json.dumps(raw).encode())


def test_not_json_is_malformed() -> None:
    with pytest.raises(MalformedEvent):
        parse_event(b"\x00not json")


def test_payload_models_are_frozen_and_carry_no_personal_data() -> None:
    fields = set(RequestCreated.model_fields) | set(NotificationSent.model_fields)
    assert not {"resident_phone", "phone", "id_number", "address"} & fields
    sent = notification_sent()
    with pytest.raises(ValueError):
        sent.channel = "sms"  # type: ignore[misc]


def test_envelope_requires_the_subdistrict_and_correlation_extensions() -> None:
    with pytest.raises(ValueError):
        CloudEvent(source="/x", type="t", data={})  # type: ignore[call-arg]
