"""Intake: extra fields checked against the kind (unknown, required, type, choice), all
named at once, stored typed."""

from datetime import UTC, datetime

import pytest

from services.requests.domain import kinds
from services.requests.domain.intake import checked_extra
from services.requests.domain.model import submit
from shared.contracts.commands.requests import CreateRequest, DefineKind
from shared.contracts.rpc import Invalid

pytestmark = pytest.mark.unit

LIFT = kinds.from_definition(
    DefineKind.model_validate(
        {
            "code": "lift",
            "zh": "电梯",
            "en": "Lift",
            "group": "repair",
            "time_limit": {"working_days": 2},
            "extra_fields": [
                {
                    "code": "no",
                    "zh": "编号",
                    "en": "No.",
                    "type": "choice",
                    "values": ["A", "B"],
                    "required": True,
                },
                {"code": "trapped", "zh": "被困", "en": "Trapped", "type": "boolean"},
                {"code": "people", "zh": "人数", "en": "People", "type": "number"},
                {"code": "where", "zh": "位置", "en": "Where"},
            ],
        }
    )
)


def errors(extra: dict[str, str | float | bool]) -> list[tuple[list[str | int], str]]:
    with pytest.raises(Invalid) as caught:
        checked_extra(LIFT, extra)
    return [(e.loc, e.type) for e in caught.value.details]


def test_values_are_stored_typed() -> None:
    given = {"no": "A", "trapped": "true", "people": "2", "where": " 3号梯 "}
    assert checked_extra(LIFT, given) == {
        "no": "A",
        "trapped": True,
        "people": 2.0,
        "where": "3号梯",
    }
    assert checked_extra(LIFT, {"no": "B", "trapped": False, "people": 1}) == {
        "no": "B",
        "trapped": False,
        "people": 1.0,
    }


def test_every_wrong_field_is_named() -> None:
    assert errors({"pets": "cat", "trapped": "perhaps", "people": True, "where": 3}) == [
        (["extra", "pets"], "unknown_field"),
        (["extra", "no"], "missing"),
        (["extra", "trapped"], "bool_type"),
        (["extra", "people"], "number_type"),
        (["extra", "where"], "string_type"),
    ]
    assert errors({"no": "C"}) == [(["extra", "no"], "enum")]
    assert errors({"no": "  "}) == [(["extra", "no"], "missing")]
    assert errors({"no": "A", "people": "nan"}) == [(["extra", "people"], "number_type")]
    assert errors({"no": "A", "where": "长" * 501}) == [(["extra", "where"], "string_too_long")]


def test_the_unknown_field_message_names_the_kind() -> None:
    with pytest.raises(Invalid) as caught:
        checked_extra(kinds.DEFAULTS["repair"], {"pets": "cat"})
    assert caught.value.details[0].msg == "unknown field for kind repair"


def test_submit_keeps_what_intake_gives_and_the_scheduler_marks_start_empty() -> None:
    cmd = CreateRequest.model_validate(
        {
            "kind": "lift",
            "title": "电梯困人",
            "location": {"community_id": "c1"},
            "resident_member_id": "m1",
            "photo_refs": ["p/1.jpg"],
            "extra": {"no": "A"},
        }
    )
    now = datetime(2026, 5, 27, tzinfo=UTC)
    request, created = submit(cmd, request_id="r1", now=now, kinds={"lift": LIFT})
    assert request.kind_name.zh == "电梯" and created.kind_name == request.kind_name
    assert request.resident.member_id == "m1" and request.photo_refs == ["p/1.jpg"]
    assert request.extra == {"no": "A"}
    assert (request.reminded_at, request.overdue_at, request.escalated_at) == (None, None, None)
    with pytest.raises(kinds.UnknownKind, match="one of: lift"):
        submit(
            cmd.model_copy(update={"kind": "repair"}),
            request_id="r2",
            now=now,
            kinds={"lift": LIFT},
        )
