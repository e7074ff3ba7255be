"""The catalogue of request kinds on real servers: the seeded defaults with their time
limits, DEFINE_KIND (added, changed, refused when it cannot work) and intake against a kind
defined at run time."""

import pytest

from services.requests.kind_catalogue import KindCatalogue
from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import CommandLocation
from shared.contracts.rpc import Invalid
from tests.integration.requests.conftest import Requests

pytestmark = pytest.mark.integration


async def list_kinds(service: Requests) -> dict[str, dict[str, object]]:
    listed = await service.call(commands.LIST_KINDS, commands.ListKinds())
    return {k["code"]: k for k in listed["items"]}


def lift_repair(**extra: object) -> commands.DefineKind:
    return commands.DefineKind.model_validate(
        {
            "code": "lift_repair",
            "zh": "电梯维修",
            "en": "Lift repair",
            "group": "repair",
            "time_limit": {"working_days": 2},
            "default_handler": "property_company",
            "extra_fields": [
                {
                    "code": "lift_no",
                    "zh": "电梯编号",
                    "en": "Lift number",
                    "type": "choice",
                    "required": True,
                    "values": ["A", "B"],
                },
                {"code": "trapped", "zh": "有人被困", "en": "Someone trapped", "type": "boolean"},
            ],
            **extra,
        }
    )


async def test_the_defaults_are_listed_with_time_limits_handlers_and_extra_fields(
    requests_service: Requests,
) -> None:
    kinds = await list_kinds(requests_service)
    assert list(kinds)[:2] == ["emergency", "repair"]
    assert kinds["emergency"]["time_limit"] == {"same_day": True, "working_days": None}
    assert kinds["repair"]["time_limit"] == {"same_day": False, "working_days": 3}
    assert kinds["neighbour_dispute"]["time_limit"] == {"same_day": False, "working_days": 5}
    assert kinds["complaint"]["time_limit"] == {"same_day": False, "working_days": 15}
    assert kinds["repair"]["default_handler"] == "property_company"
    assert kinds["repair"]["name"] == {"zh": "维修", "en": "Repair"}
    assert kinds["repair"]["group"] == {
        "code": "repair",
        "name": {"zh": "维修维护", "en": "Repairs"},
    }
    facility = kinds["repair"]["extra_fields"][0]  # type: ignore[index]
    assert facility["code"] == "facility" and facility["type"] == "choice"
    assert "water_pipe" in facility["values"] and facility["required"] is False


async def test_a_kind_defined_at_run_time_is_listed_and_takes_requests_with_its_fields(
    requests_service: Requests,
) -> None:
    defined = await requests_service.call(commands.DEFINE_KIND, lift_repair())
    assert defined["code"] == "lift_repair"
    listed = (await list_kinds(requests_service))["lift_repair"]
    assert listed["time_limit"] == {"same_day": False, "working_days": 2}
    assert [f["code"] for f in listed["extra_fields"]] == ["lift_no", "trapped"]  # type: ignore[attr-defined]
    stored = await requests_service.runtime.db["kinds"].find_one({"_id": "lift_repair"})
    assert stored is not None and stored["updated_by"] == "user:test-admin"

    where = CommandLocation(community_id="quanyun", building_id="b3")
    with pytest.raises(Invalid) as missing:
        await requests_service.call(
            commands.CREATE_REQUEST,
            commands.CreateRequest(kind="lift_repair", title="电梯停了", location=where),
        )
    assert [e.loc for e in missing.value.details] == [["extra", "lift_no"]]
    with pytest.raises(Invalid) as not_a_choice:
        await requests_service.call(
            commands.CREATE_REQUEST,
            commands.CreateRequest(
                kind="lift_repair", title="电梯停了", location=where, extra={"lift_no": "C"}
            ),
        )
    assert [e.loc for e in not_a_choice.value.details] == [["extra", "lift_no"]]
    assert "not one of: A, B" in not_a_choice.value.details[0].msg

    made = await requests_service.call(
        commands.CREATE_REQUEST,
        commands.CreateRequest(
            kind="lift_repair",
            title="电梯停了",
            location=where,
            extra={"lift_no": "B", "trapped": "true"},
        ),
    )
    assert made["extra"] == {"lift_no": "B", "trapped": True}
    assert made["kind_name"] == {"zh": "电梯维修", "en": "Lift repair"}


async def test_defining_again_changes_the_kind_and_a_restart_keeps_the_change(
    requests_service: Requests,
) -> None:
    await requests_service.call(commands.DEFINE_KIND, lift_repair())
    changed = lift_repair(time_limit={"working_days": 4}, extra_fields=[])
    await requests_service.call(commands.DEFINE_KIND, changed)
    repair = commands.DefineKind.model_validate(
        {
            "code": "repair",
            "zh": "报修",
            "en": "Repair",
            "group": "repair",
            "time_limit": {"working_days": 5},
        }
    )
    await requests_service.call(commands.DEFINE_KIND, repair)
    # What a restart (or a second replica starting) does: seed the defaults again.
    await KindCatalogue(requests_service.runtime.db["kinds"]).seed()
    kinds = await list_kinds(requests_service)
    assert kinds["lift_repair"]["time_limit"] == {"same_day": False, "working_days": 4}
    assert kinds["lift_repair"]["extra_fields"] == []
    assert kinds["repair"]["zh"] == "报修"
    assert kinds["repair"]["time_limit"] == {"same_day": False, "working_days": 5}
    assert len([k for k in kinds if k == "repair"]) == 1
    # The request now refuses the field the kind no longer has.
    with pytest.raises(Invalid) as gone:
        await requests_service.call(
            commands.CREATE_REQUEST,
            commands.CreateRequest(
                kind="lift_repair",
                title="电梯停了",
                location=CommandLocation(community_id="quanyun"),
                extra={"lift_no": "A"},
            ),
        )
    assert gone.value.details[0].loc == ["extra", "lift_no"]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"time_limit": {}}, ["time_limit"]),
        ({"time_limit": {"same_day": True, "working_days": 3}}, ["time_limit"]),
        (
            {"extra_fields": [{"code": "floor", "zh": "楼层", "en": "Floor", "type": "choice"}]},
            ["extra_fields", 0, "values"],
        ),
        (
            {
                "extra_fields": [
                    {"code": "floor", "zh": "楼层", "en": "Floor"},
                    {"code": "floor", "zh": "层", "en": "Level"},
                ]
            },
            ["extra_fields", 1, "code"],
        ),
    ],
)
async def test_a_definition_that_cannot_work_is_refused_naming_the_field(
    requests_service: Requests, change: dict[str, object], loc: list[object]
) -> None:
    with pytest.raises(Invalid) as caught:
        await requests_service.call(commands.DEFINE_KIND, lift_repair(**change))
    assert [e.loc for e in caught.value.details] == [loc]
    assert "lift_repair" not in await list_kinds(requests_service)
