"""Which addresses a signed-in account reads (from the account alone), the shape of a
delivery id, and what the notify routes mask."""

import pytest
from fastapi import HTTPException

from services.gateway.accounts.model import Principal, Role
from services.gateway.notify_targets import audiences_of, check_delivery_id, reader_of
from services.gateway.notify_view import delivery_view, mask_email, page_of, preferences_view
from shared.contracts.rpc import Invalid

pytestmark = pytest.mark.unit


def person(
    *roles: Role,
    communities: frozenset[str] = frozenset(),
    teams: frozenset[str] = frozenset(),
    member_id: str | None = None,
) -> Principal:
    return Principal(
        id="a1",
        name="测试",
        kind="user",
        roles=frozenset(roles),
        communities=communities,
        teams=teams,
        member_id=member_id,
    )


def test_a_volunteer_reads_their_account_and_their_member() -> None:
    volunteer = person(Role.VOLUNTEER, member_id="m1")
    assert audiences_of(volunteer) == ["account:a1", "member:m1"]


def test_an_admin_reads_the_desks_of_their_communities_and_the_subdistrict() -> None:
    ca = person(Role.COMMUNITY_ADMIN, communities=frozenset({"c2", "c1"}))
    assert audiences_of(ca) == [
        "account:a1",
        "role:community_admin@community:c1",
        "role:community_admin@community:c2",
    ]
    sa = person(Role.SUBDISTRICT_ADMIN)
    assert audiences_of(sa) == ["account:a1", "role:subdistrict_admin"]
    # A team leader reads no desk: notices to team leaders reach their member.
    assert audiences_of(person(Role.TEAM_LEADER, teams=frozenset({"t1"}))) == ["account:a1"]


def test_an_api_key_has_no_inbox() -> None:
    key = Principal(id="k1", name="city", kind="api_key", roles=frozenset({Role.INTEGRATION}))
    with pytest.raises(HTTPException) as refused:
        reader_of(key)
    assert refused.value.status_code == 403


@pytest.mark.parametrize(
    "delivery_id",
    [
        "01a2-e:member:m1:email",
        "01a2-e:role:community_admin@community:c1:wecom_robot",
        "01a2-e:robot:haide-3:wecom_robot",
    ],
)
def test_a_delivery_id_names_event_recipient_and_channel(delivery_id: str) -> None:
    check_delivery_id(delivery_id)


@pytest.mark.parametrize("delivery_id", ["x", "e:member:m1", "e:member:m1:fax", ":member:m1:sms"])
def test_anything_else_is_refused_naming_it(delivery_id: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_delivery_id(delivery_id)
    assert refused.value.details[0].loc == ["delivery_id"]


def test_addresses_leave_masked_and_masking_twice_changes_nothing() -> None:
    prefs = preferences_view({"phone": "13812345678", "email": "li.lei@example.com"})
    assert prefs == {"phone": "138****5678", "email": "li***@example.com"}
    assert preferences_view(prefs) == prefs
    assert mask_email("li***@example.com") == "li***@example.com"
    sms = {"channel": "sms", "address": "13812345678", "last_error": "号码 13812345678 停机"}
    email = {"channel": "email", "address": "zhang@x.cn", "title": "致 zhang@x.cn"}
    robot = {"channel": "wecom_robot", "address": "haide-3"}
    page = page_of({"items": [sms, email, robot], "next_cursor": None}, delivery_view)
    assert [i["address"] for i in page["items"]] == ["138****5678", "zh***@x.cn", "haide-3"]
    assert page["items"][0]["last_error"] == "号码 138****5678 停机"
    assert page["items"][1]["title"] == "致 zh***@x.cn"
