"""Open311 GeoReport v2 <-> our requests: the pure mapping."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.gateway import open311_mapping as spec
from shared.contracts.commands.requests import CreateRequest

pytestmark = pytest.mark.unit

REPAIR = {
    "code": "repair",
    "name": {"zh": "维修", "en": "Repair"},
    "group": {"code": "living", "name": {"zh": "居住环境", "en": "Living environment"}},
    "fields": [],
}
KINDS = [REPAIR, {**REPAIR, "code": "complaint", "name": {"zh": "投诉", "en": "Complaint"}}]
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)

VIEW: dict[str, Any] = {
    "id": "0190abc",
    "kind": "repair",
    "title": "3栋楼道灯坏了",
    "description": "",
    "location": {"community_id": "quanyun", "compound_id": None, "building_id": "b3"},
    "channel": "app",
    "urgency": "normal",
    "status": "submitted",
    "resident": {"name": "李**", "phone": "138****1234"},
    "entered_by": None,
    "submitted_at": "2026-05-01T08:30:15.123000+00:00",
    "revision": 1,
}


def test_a_kind_is_a_service_with_the_specs_field_names() -> None:
    assert spec.service(REPAIR, "zh") == {
        "service_code": "repair",
        "service_name": "维修",
        "description": "维修",
        "metadata": True,
        "type": "realtime",
        "keywords": "Repair,repair",
        "group": "居住环境",
    }
    assert spec.service(REPAIR, "en")["service_name"] == "Repair"
    assert spec.service(REPAIR, "en")["group"] == "Living environment"


@pytest.mark.parametrize(
    ("header", "lang"),
    [(None, "zh"), ("zh-CN,zh;q=0.9", "zh"), ("en-US,en;q=0.8", "en"), ("fr, en", "zh")],
)
def test_language_follows_the_first_preference(header: str | None, lang: str) -> None:
    assert spec.language(header) == lang


def test_a_service_definition_has_the_location_attributes() -> None:
    definition = spec.service_definition(REPAIR, "en")
    assert definition["service_code"] == "repair"
    attributes = definition["attributes"]
    assert [(a["code"], a["required"], a["order"]) for a in attributes] == [
        ("community_id", True, 1),
        ("compound_id", False, 2),
        ("building_id", False, 3),
    ]
    assert set(attributes[0]) == {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    }
    assert attributes[0]["datatype"] == "string" and attributes[0]["variable"] is True


def test_a_kinds_own_fields_follow_as_attributes() -> None:
    kind = {
        **REPAIR,
        "fields": [
            {
                "code": "floor",
                "type": "integer",
                "required": True,
                "name": {"zh": "楼层", "en": "Floor"},
            },
            {
                "code": "where",
                "values": [{"key": "indoor", "name": {"zh": "室内", "en": "Indoor"}}, "outdoor"],
            },
        ],
    }
    floor, where = spec.service_definition(kind, "zh")["attributes"][3:]
    assert (floor["code"], floor["datatype"], floor["required"], floor["order"]) == (
        "floor",
        "number",
        True,
        4,
    )
    assert floor["description"] == "楼层"
    assert where["datatype"] == "singlevaluelist"
    assert where["values"] == [
        {"key": "indoor", "name": "室内"},
        {"key": "outdoor", "name": "outdoor"},
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("submitted", "open"),
        ("accepted", "open"),
        ("dispatched", "open"),
        ("reopened", "open"),
        ("some_new_status", "open"),
        ("resolved", "closed"),
        ("closed", "closed"),
        ("cancelled", "closed"),
        ("duplicate", "closed"),
        ("not_responsible", "closed"),
        ("in_progress", "open"),
        ("returned", "closed"),
        ("transferred", "closed"),
    ],
)
def test_our_statuses_map_onto_open_and_closed(status: str, expected: str) -> None:
    assert spec.spec_status(status) == expected


def test_a_request_as_a_service_request_has_every_spec_field_and_no_resident() -> None:
    mapped = spec.service_request(VIEW, KINDS, "zh")
    assert mapped == {
        "service_request_id": "0190abc",
        "status": "open",
        "status_notes": None,
        "service_name": "维修",
        "service_code": "repair",
        "description": "3栋楼道灯坏了",  # no description: the title
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2026-05-01T08:30:15.123000+00:00",
        "updated_datetime": "2026-05-01T08:30:15.123000+00:00",
        "expected_datetime": None,
        "address": None,
        "address_id": "quanyun//b3",  # no compound: its part stays empty
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    assert "138" not in str(mapped) and "李" not in str(mapped)


def test_status_notes_are_the_latest_public_note() -> None:
    later = {
        **VIEW,
        "status": "not_responsible",
        "timeline": [
            {"at": "2026-05-02T09:00:00+00:00", "note": "已受理"},
            {"at": "2026-05-02T10:00:00+00:00", "note": "调解记录", "private": True},
            {"at": "2026-05-03T10:00:00+00:00", "note": "属物业管理范围"},
            {"at": "2026-05-03T11:00:00+00:00", "note": None},
        ],
        "handler": {"kind": "property", "name": "物业公司"},
        "due_at": "2026-05-08T18:00:00+08:00",
    }
    mapped = spec.service_request(later, KINDS, "en")
    assert mapped["status"] == "closed"
    assert mapped["status_notes"] == "属物业管理范围"
    assert mapped["updated_datetime"] == "2026-05-03T11:00:00+00:00"
    assert mapped["agency_responsible"] == "物业公司"
    assert mapped["expected_datetime"] == "2026-05-08T18:00:00+08:00"
    assert mapped["service_name"] == "Repair"


def test_a_form_post_becomes_a_valid_create_request() -> None:
    form = {
        "service_code": "repair",
        "description": "  3栋2单元楼道灯坏了，晚上看不清台阶，老人出入不便，请尽快修理  ",
        "attribute[community_id]": "quanyun",
        "attribute[building_id]": "b3",
        "first_name": "秀英",
        "last_name": "王",
        "phone": "+86 138-1234-1234",
        "email": "wang@example.com",
        "lat": "30.1",
        "long": "120.2",
        "api_key": "rvk_x",
        "jurisdiction_id": "quantang",
    }
    body = spec.create_request_body(form, KINDS, entered_by="open311:k1")
    command = CreateRequest.model_validate(body)
    assert command.kind == "repair"
    assert command.description == "3栋2单元楼道灯坏了，晚上看不清台阶，老人出入不便，请尽快修理"
    assert command.title == command.description[:30]
    assert command.location.community_id == "quanyun"
    assert command.location.building_id == "b3"
    assert command.resident_name == "王秀英"
    assert command.resident_phone == "13812341234"
    assert command.channel == "app" and command.entered_by == "open311:k1"
    assert "wang@example.com" not in str(body)  # accepted, not kept


def test_a_json_post_may_nest_its_attributes() -> None:
    body = spec.create_request_body(
        {"service_code": "complaint", "attribute": {"community_id": "c1"}},
        KINDS,
        entered_by=None,
    )
    assert body["location"] == {"community_id": "c1"}
    assert body["title"] == "投诉"  # no description: the service's name


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"attribute[community_id]": "c1"}, 400, "service_code was not provided"),
        ({"service_code": "", "attribute[community_id]": "c1"}, 400, "service_code"),
        ({"service_code": "gossip", "attribute[community_id]": "c1"}, 404, "'gossip'"),
        ({"service_code": "repair"}, 400, "attribute[community_id]"),
        ({"service_code": "repair", "attribute[community_id]": " "}, 400, "community_id"),
        (
            {"service_code": "repair", "attribute[community_id]": "c1", "attribute[colour]": "r"},
            400,
            "attribute[colour]",
        ),
        ({"service_code": "repair", "attribute[community_id]": "c1", "colour": "r"}, 400, "colour"),
        ({"service_code": ["repair"], "attribute": {"community_id": {"a": 1}}}, 400, "text"),
    ],
)
def test_a_post_that_breaks_the_spec_is_a_spec_error(
    fields: dict[str, Any], status: int, says: str
) -> None:
    with pytest.raises(spec.Open311Error) as caught:
        spec.create_request_body(fields, KINDS, entered_by=None)
    assert caught.value.status == status
    assert says in caught.value.description
    assert spec.error_body(status, "x") == [{"code": status, "description": "x"}]


def test_command_errors_name_the_specs_fields() -> None:
    body = spec.create_request_body(
        {"service_code": "repair", "attribute[community_id]": "c1", "phone": "12345"},
        KINDS,
        entered_by=None,
    )
    with pytest.raises(ValidationError) as caught:
        CreateRequest.model_validate(body)
    assert spec.validation_description(caught.value).startswith("phone:")


@pytest.mark.parametrize(
    ("location", "path"),
    [
        ({"community_id": "quanyun"}, "quanyun"),
        ({"community_id": "quanyun", "compound_id": "hd"}, "quanyun/hd"),
        ({"community_id": "quanyun", "compound_id": None, "building_id": "b3"}, "quanyun//b3"),
        ({"community_id": "quanyun", "compound_id": "hd", "building_id": "b3"}, "quanyun/hd/b3"),
        ({}, None),
    ],
)
def test_address_id_reads_back_as_the_same_location(
    location: dict[str, Any], path: str | None
) -> None:
    assert spec.address_id(location) == path
    if path:
        given = {k: v for k, v in location.items() if v}
        assert spec.location_of_address_id(path) == given


def test_a_post_may_give_its_place_as_the_address_id_get_answers() -> None:
    posted = {"service_code": "repair", "address_id": spec.address_id(VIEW["location"])}
    body = spec.create_request_body(posted, KINDS, entered_by=None)
    assert body["location"] == {"community_id": "quanyun", "building_id": "b3"}
    assert CreateRequest.model_validate(body).location.building_id == "b3"
    both = {**posted, "attribute[community_id]": "jingxing"}
    body = spec.create_request_body(both, KINDS, entered_by=None)
    assert body["location"] == {"community_id": "jingxing"}, "the attributes win"
    for bad in ("/hd/b3", "a/b/c/d"):
        with pytest.raises(spec.Open311Error) as caught:
            spec.create_request_body({**posted, "address_id": bad}, KINDS, entered_by=None)
        assert caught.value.status == 400 and "address_id" in caught.value.description


def test_a_one_value_field_given_twice_is_refused_not_cut_to_the_last() -> None:
    for field in ("description", "attribute[community_id]", "phone"):
        fields = {"service_code": "repair", "attribute[community_id]": "c1", field: ["a", "b"]}
        with pytest.raises(spec.Open311Error) as caught:
            spec.create_request_body(fields, KINDS, entered_by=None)
        assert caught.value.status == 400
        assert caught.value.description == f"{field} was given more than once; it takes one value"
    once = {"service_code": ["repair"], "attribute[community_id]": ["c1"]}
    assert spec.create_request_body(once, KINDS, entered_by=None)["location"] == {
        "community_id": "c1"
    }


def test_a_kinds_attribute_takes_one_value() -> None:
    """The catalogue's extra fields take one value each: the spec's multi-value notation
    with one value is that value; more than one is refused, not cut to one."""
    pets = {"code": "pets", "type": "choice", "values": ["cat", "dog"]}
    kinds = [{**REPAIR, "fields": [pets]}]
    one = {"service_code": "repair", "attribute[community_id]": "c1", "attribute[pets][]": "cat"}
    assert spec.create_request_body(one, kinds, entered_by=None)["extra"] == {"pets": "cat"}
    for given in (
        {"attribute[pets][]": ["cat", "dog"]},  # the spec's multivaluelist notation
        {"attribute[pets]": ["cat", "dog"]},  # the same key twice
        {"attribute": {"community_id": "c1", "pets": ["cat", "dog"]}},  # JSON
    ):
        fields = {"service_code": "repair", "attribute[community_id]": "c1", **given}
        with pytest.raises(spec.Open311Error) as refused:
            spec.create_request_body(fields, kinds, entered_by=None)
        assert refused.value.status == 400 and "attribute[pets]" in refused.value.description


# A kind as the catalogue (list_kinds) has it: the extra fields with their names and types.
LEAK = {
    "code": "repair",
    "zh": "维修",
    "en": "Repair",
    "group": "repair",
    "time_limit": {"same_day": False, "working_days": 3},
    "default_handler": "property_company",
    "extra_fields": [
        {"code": "floor", "zh": "楼层", "en": "Floor", "type": "number", "required": True},
        {"code": "indoor", "zh": "户内", "en": "Indoors", "type": "boolean"},
        {
            "code": "part",
            "zh": "部位",
            "en": "Part",
            "type": "choice",
            "values": ["水管", "屋顶"],
        },
        {"code": "note", "zh": "补充", "en": "Note"},
    ],
    "auto_dispatch": False,
}


def test_the_catalogues_kinds_are_services_with_their_extra_fields_as_attributes() -> None:
    assert spec.service(LEAK, "en") == {
        "service_code": "repair",
        "service_name": "Repair",
        "description": "Repair",
        "metadata": True,
        "type": "realtime",
        "keywords": "维修,repair",
        "group": "Repairs",
    }
    floor, indoor, part, note = spec.service_definition(LEAK, "zh")["attributes"][3:]
    assert (floor["code"], floor["datatype"], floor["required"], floor["order"]) == (
        "floor",
        "number",
        True,
        4,
    )
    assert floor["description"] == "楼层"
    assert indoor["datatype"] == "singlevaluelist" and indoor["required"] is False
    assert indoor["values"] == [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}]
    assert part["datatype"] == "singlevaluelist"
    assert part["values"] == [{"key": "水管", "name": "水管"}, {"key": "屋顶", "name": "屋顶"}]
    assert (note["datatype"], note["description"]) == ("string", "补充")


def test_the_catalogues_own_field_shape_reads_the_same() -> None:
    """LIST_KINDS answers `fields` (each with a `name`) beside `extra_fields`."""
    fields = [{**f, "name": {"zh": f["zh"], "en": f["en"]}} for f in LEAK["extra_fields"]]
    listed = {**LEAK, "name": {"zh": "维修", "en": "Repair"}, "fields": fields}
    assert spec.service_definition(listed, "en") == spec.service_definition(LEAK, "en")


def test_a_posts_extra_attributes_become_typed_extra_fields() -> None:
    form = {
        "service_code": "repair",
        "attribute[community_id]": "c1",
        "attribute[floor]": "6",
        "attribute[indoor]": "true",
        "attribute[part]": "水管",
        "attribute[note]": "",
    }
    body = spec.create_request_body(form, [LEAK], entered_by=None)
    assert body["extra"] == {"floor": 6.0, "indoor": True, "part": "水管"}
    command = CreateRequest.model_validate(body)
    assert command.extra == {"floor": 6.0, "indoor": True, "part": "水管"}
    as_json = {
        "service_code": "repair",
        "attribute": {"community_id": "c1", "floor": 3, "indoor": False},
    }
    assert spec.create_request_body(as_json, [LEAK], entered_by=None)["extra"] == {
        "floor": 3.0,
        "indoor": False,
    }


@pytest.mark.parametrize(
    ("attributes", "says"),
    [
        ({}, "required attribute(s) not provided: attribute[floor]"),
        ({"attribute[floor]": "six"}, "attribute[floor] must be a number"),
        ({"attribute[floor]": "6", "attribute[indoor]": "maybe"}, "attribute[indoor] must be"),
        ({"attribute[floor]": "6", "attribute[part]": "窗户"}, "attribute[part] must be one of"),
        ({"attribute[floor]": "6", "attribute[colour]": "red"}, "attribute[colour]: not an"),
    ],
)
def test_a_bad_extra_attribute_is_a_400_naming_it(attributes: dict[str, str], says: str) -> None:
    form = {"service_code": "repair", "attribute[community_id]": "c1", **attributes}
    with pytest.raises(spec.Open311Error) as refused:
        spec.create_request_body(form, [LEAK], entered_by=None)
    assert refused.value.status == 400
    assert says in refused.value.description


def test_command_errors_on_extra_fields_name_the_attribute() -> None:
    bad = {"kind": "repair", "title": "t", "location": {"community_id": "c1"}}
    with pytest.raises(ValidationError) as exc:
        CreateRequest.model_validate({**bad, "extra": {"Floor": 1}})
    assert "attribute[Floor]" in spec.validation_description(exc.value)


def test_the_lifecycles_view_maps_its_deadline_handler_photos_and_close_reason() -> None:
    view = {
        **VIEW,
        "status": "closed",
        "closed_as": "not_responsible",
        "close_reason": "属物业管理范围",
        "deadline": "2026-05-06T15:59:59+00:00",
        "handler": {"type": "property_company", "id": "hd", "name": "海德物业"},
        "photo_refs": ["photos/leak-1.jpg"],
        "timeline": [
            {"at": "2026-05-02T09:00:00+00:00", "action": "accept", "note": None},
            {"at": "2026-05-02T10:00:00+00:00", "action": "note", "note": "内部记录"},
            {"at": "2026-05-02T11:00:00+00:00", "note": "调解记录", "mediation": True},
        ],
    }
    mapped = spec.service_request(view, [LEAK], "zh")
    assert mapped["status"] == "closed"
    assert mapped["status_notes"] == "属物业管理范围"  # no working or mediation note
    assert mapped["expected_datetime"] == "2026-05-06T15:59:59+00:00"
    assert mapped["agency_responsible"] == "海德物业"
    assert mapped["media_url"] == "photos/leak-1.jpg"
    assert mapped["service_name"] == "维修"


@pytest.mark.parametrize(
    ("first", "last", "name"),
    [("秀英", "王", "王秀英"), ("Mary", "Smith", "Mary Smith"), (None, "王", "王"), ("", "", None)],
)
def test_resident_names(first: str | None, last: str | None, name: str | None) -> None:
    assert spec.resident_name(first, last) == name


def test_the_default_window_is_the_last_90_days_of_any_status() -> None:
    assert spec.list_filters(
        service_request_id=None,
        service_code=None,
        start_date=None,
        end_date=None,
        status=None,
        now=NOW,
    ) == {"submitted_from": NOW - timedelta(days=90)}


def test_filters_map_onto_list_requests() -> None:
    filters = spec.list_filters(
        service_request_id=None,
        service_code="repair, complaint",
        start_date="2026-05-01T00:00:00+08:00",
        end_date="2026-05-10T12:00:00.123456Z",
        status="open",
        now=NOW,
    )
    assert filters == {
        "kinds": ["repair", "complaint"],
        "submitted_from": datetime(2026, 4, 30, 16, 0, tzinfo=UTC),
        "submitted_to": datetime(2026, 5, 10, 12, 0, 0, 124000, tzinfo=UTC),  # inclusive end
        "not_statuses": sorted(spec.CLOSED_STATUSES),
    }
    closed = spec.list_filters(
        service_request_id=None,
        service_code=None,
        start_date=None,
        end_date=None,
        status="closed",
        now=NOW,
    )
    assert closed["statuses"] == sorted(spec.CLOSED_STATUSES)
    both = spec.list_filters(
        service_request_id=None,
        service_code=None,
        start_date=None,
        end_date=None,
        status="open,closed",
        now=NOW,
    )
    assert "statuses" not in both and "not_statuses" not in both


def test_ids_override_every_other_filter() -> None:
    assert spec.list_filters(
        service_request_id="a,b",
        service_code="repair",
        start_date="garbage",
        end_date=None,
        status="open",
        now=NOW,
    ) == {"ids": ["a", "b"]}


@pytest.mark.parametrize(
    ("start", "end", "status", "says"),
    [
        ("2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z", None, "90 days"),
        ("2026-01-01T00:00:00Z", None, None, "90 days"),
        ("2026-05-02T00:00:00Z", "2026-05-01T00:00:00Z", None, "after"),
        ("2026-05-01", None, None, "time zone"),
        ("yesterday", None, None, "ISO 8601"),
        (None, None, "pending", "open and/or closed"),
    ],
)
def test_bad_filters_are_400(
    start: str | None, end: str | None, status: str | None, says: str
) -> None:
    with pytest.raises(spec.Open311Error) as caught:
        spec.list_filters(
            service_request_id=None,
            service_code=None,
            start_date=start,
            end_date=end,
            status=status,
            now=NOW,
        )
    assert caught.value.status == 400 and says in caught.value.description


def test_the_jurisdiction_is_the_subdistrict() -> None:
    spec.check_jurisdiction(None, "quantang")
    spec.check_jurisdiction("quantang", "quantang")
    with pytest.raises(spec.Open311Error) as caught:
        spec.check_jurisdiction("elsewhere", "quantang")
    assert caught.value.status == 404
