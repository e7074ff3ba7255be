"""The catalogue of request kinds: the defaults, definitions that cannot work, the stored
shape and the listing's shape (the one the gateway's Open311 mapping reads)."""

import pytest

from services.gateway import open311_mapping as spec
from services.requests.domain import kinds
from shared.contracts.commands.requests import DefineKind

pytestmark = pytest.mark.unit


def definition(**fields: object) -> DefineKind:
    body = {
        "code": "lift_repair",
        "zh": "电梯维修",
        "en": "Lift repair",
        "group": "repair",
        "time_limit": {"working_days": 2},
    }
    return DefineKind.model_validate({**body, **fields})


def test_the_defaults_have_the_documented_time_limits() -> None:
    limits = {
        k.code: "same day" if k.time_limit.same_day else k.time_limit.working_days
        for k in kinds.DEFAULT_KINDS
    }
    assert limits == {
        "emergency": "same day",
        "repair": 3,
        "hardship_help": 5,
        "neighbour_dispute": 5,
        "health": 3,
        "environment": 3,
        "suggestion": 15,
        "complaint": 15,
    }
    # A default never refuses a request for a detail the resident could not give.
    assert not [f for k in kinds.DEFAULT_KINDS for f in k.extra_fields if f.required]
    assert all(
        kinds.definition_errors(DefineKind(**k.model_dump())) == [] for k in kinds.DEFAULT_KINDS
    )


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"time_limit": {}}, ["time_limit"]),
        ({"time_limit": {"same_day": True, "working_days": 1}}, ["time_limit"]),
        (
            {"extra_fields": [{"code": "f", "zh": "层", "en": "Floor", "type": "choice"}]},
            ["extra_fields", 0, "values"],
        ),
        (
            {"extra_fields": [{"code": "f", "zh": "层", "en": "F", "values": ["1"]}]},
            ["extra_fields", 0, "values"],
        ),
        (
            {
                "extra_fields": [
                    {"code": "f", "zh": "层", "en": "F", "type": "choice", "values": ["1", "1"]}
                ]
            },
            ["extra_fields", 0, "values"],
        ),
    ],
)
def test_a_definition_that_cannot_work_names_its_field(
    fields: dict[str, object], loc: list[object]
) -> None:
    assert [e.loc for e in kinds.definition_errors(definition(**fields))] == [loc]


def test_a_kind_is_stored_by_its_code_and_read_back_the_same() -> None:
    kind = kinds.from_definition(
        definition(extra_fields=[{"code": "no", "zh": "编号", "en": "No.", "required": True}])
    )
    doc = kinds.to_doc(kind)
    assert doc["_id"] == "lift_repair" and "code" not in doc
    assert kinds.from_doc({**doc, "updated_by": "user:a"}) == kind


def test_the_listing_is_what_open311_turns_into_services_and_attributes() -> None:
    listed = kinds.view(kinds.DEFAULTS["repair"])
    assert spec.service(listed, "en")["group"] == "Repairs"
    attributes = spec.service_definition(listed, "zh")["attributes"]
    facility = next(a for a in attributes if a["code"] == "facility")
    assert facility["datatype"] == "singlevaluelist" and facility["description"] == "设施"
    assert {"key": "lighting", "name": "lighting"} in facility["values"]


def test_the_defaults_come_first_in_their_order_then_others_by_code() -> None:
    extra = [kinds.from_definition(definition(code=c)) for c in ("zz_last", "aa_first")]
    codes = [k.code for k in kinds.ordered([*extra, *reversed(kinds.DEFAULT_KINDS)])]
    assert codes == [*kinds.DEFAULTS, "aa_first", "zz_last"]
