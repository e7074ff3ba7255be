"""Masking by default, revealing only what is named: the requests service's view and the
gateway's checks on who may ask, for which fields, and why."""

from datetime import UTC, datetime

import pytest

from services.gateway.accounts.model import Principal, Role
from services.gateway.routes.requests import (
    REVEALABLE,
    may_reveal,
    reveal_reason,
    revealed_fields,
)
from services.requests.domain.privacy import (
    RESIDENT_MASKS,
    mask_name,
    mask_phone,
    resident_view,
)
from services.requests.handlers import public
from shared.contracts.commands.requests import GetRequest
from shared.contracts.rpc import Invalid

pytestmark = pytest.mark.unit

RESIDENT = {"name": "李奶奶", "phone": "13812341234"}


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("057188881234", "057*****1234"),  # a landline with area code
        ("88881234", "****1234"),
        ("1234567", "*******"),  # too short to keep any digit and still hide four
        ("12345", "*****"),
        ("", ""),
        (None, None),
    ],
)
def test_a_phone_always_hides_at_least_four_digits(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked
    assert (masked or "").count("*") >= min(4, len(phone or ""))


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("李奶奶", "李**"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("李", "*"),
        ("", ""),
        (None, None),
    ],
)
def test_a_name_keeps_at_most_its_first_character(name: str | None, masked: str | None) -> None:
    assert mask_name(name) == masked


def test_the_resident_is_masked_unless_a_field_is_revealed() -> None:
    assert resident_view(RESIDENT) == {"name": "李**", "phone": "138****1234"}
    assert resident_view(RESIDENT, ["phone"]) == {"name": "李**", "phone": "13812341234"}
    assert resident_view(RESIDENT, ["name", "phone"]) == RESIDENT
    assert resident_view(None, ["phone"]) == {"name": None, "phone": None}


def test_fields_without_a_mask_never_leave_even_when_asked() -> None:
    stored = {**RESIDENT, "id_number": "330102199001011234"}
    assert "id_number" not in resident_view(stored, ["id_number", "phone"])


def test_the_service_view_reveals_only_what_the_command_names() -> None:
    doc = {
        "_id": "r1",
        "version": 3,
        "outbox": [],
        "has_outbox": False,
        "resident": RESIDENT,
        "submitted_at": datetime(2026, 5, 27, tzinfo=UTC),
    }
    assert public(doc)["resident"] == {"name": "李**", "phone": "138****1234"}
    assert public(doc, GetRequest(request_id="r1", reveal=["name"]).reveal)["resident"] == {
        "name": "李奶奶",
        "phone": "138****1234",
    }
    assert not {"outbox", "version", "_id"} & public(doc, ["phone"]).keys()


def test_the_contract_the_masks_and_the_gateway_agree_on_the_revealable_fields() -> None:
    assert set(REVEALABLE) == set(RESIDENT_MASKS) == {"phone", "name"}
    with pytest.raises(ValueError, match="reveal"):
        GetRequest(request_id="r1", reveal=["address"])  # type: ignore[list-item]
    assert GetRequest(request_id="r1").reveal == []


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        (None, []),
        ("", []),
        (" , ", []),
        ("phone", ["phone"]),
        ("name, phone,phone", ["phone", "name"]),
    ],
)
def test_reveal_lists_the_fields_once_in_a_fixed_order(raw: str | None, fields: list[str]) -> None:
    assert revealed_fields(raw) == fields


@pytest.mark.parametrize("raw", ["address", "phone,id_number", "PHONE"])
def test_an_unknown_field_is_refused_naming_reveal(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        revealed_fields(raw)
    assert [d.loc for d in caught.value.details] == [["reveal"]]
    if raw == "address":
        assert "no exact address" in caught.value.message


@pytest.mark.parametrize("raw", [None, "", "    ", "x", " 看 ", "x" * 201])
def test_a_reveal_needs_a_reason_of_2_to_200_characters(raw: str | None) -> None:
    with pytest.raises(Invalid) as caught:
        reveal_reason(raw)
    assert [d.loc for d in caught.value.details] == [["reason"]]


def test_a_reason_is_kept_trimmed() -> None:
    assert reveal_reason("  回访核实联系方式  ") == "回访核实联系方式"
    assert reveal_reason("回访") == "回访"  # two characters say it in Chinese
    assert reveal_reason("x" * 200) == "x" * 200


def person(*roles: Role, communities: frozenset[str] = frozenset()) -> Principal:
    return Principal(
        id="u1", name="王", kind="user", roles=frozenset(roles), communities=communities
    )


def test_only_admins_of_the_request_may_reveal_and_never_an_api_key() -> None:
    assert may_reveal(person(Role.SUBDISTRICT_ADMIN), "c1")
    assert may_reveal(person(Role.COMMUNITY_ADMIN, communities=frozenset({"c1"})), "c1")
    assert not may_reveal(person(Role.COMMUNITY_ADMIN, communities=frozenset({"c2"})), "c1")
    assert not may_reveal(person(Role.TEAM_LEADER), "c1")
    key = Principal(
        id="k1",
        name="城市平台",
        kind="api_key",
        roles=frozenset({Role.INTEGRATION}),
        scopes=frozenset({"read", "write"}),
    )
    assert not may_reveal(key, "c1")
