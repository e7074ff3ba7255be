"""Members' preferences through the service: defaults until chosen, addresses masked, choices
that cannot work refused naming the field, who changed them last."""

from typing import Any

import pytest

from shared.contracts.commands import notify as commands
from shared.contracts.rpc import Invalid
from tests.integration.notify.conftest import Notify
from tests.integration.notify.fanout_world import PHONE, member, preferences, projected

pytestmark = pytest.mark.integration


async def get(notify: Notify, member_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = await notify.call(
        commands.GET_PREFERENCES, commands.GetPreferences(member_id=member_id)
    )
    return answer


async def test_defaults_until_chosen_then_masked_with_who_changed_them(notify: Notify) -> None:
    fresh = await get(notify, "m1")
    assert fresh["stored"] is False and fresh["channels"] == ["inbox"]
    assert fresh["language"] == "zh-CN" and fresh["quiet_hours"] == {
        "start": "21:00",
        "end": "08:00",
    }
    assert fresh["has_email"] is False and fresh["email"] is None

    saved = await preferences(
        notify,
        "m1",
        channels=["inbox", "email", "sms"],
        email="li.lei@example.com",
        phone=PHONE,
        language="en",
        quiet_hours={"start": "22:00", "end": "07:00"},
        digest=True,
    )
    shown = await get(notify, "m1")
    assert saved == shown
    assert shown["email"] == "li***@example.com" and shown["phone"] == "138****1234"
    assert shown["has_email"] and shown["has_phone"] and shown["stored"]
    assert shown["changed_by"] == "user:test-admin"
    assert shown["language"] == "en" and shown["digest"] is True
    assert "li.lei" not in str(shown) and PHONE not in str(shown)

    # A client sends back what it read, where addresses are masked: one left out is kept.
    await preferences(notify, "m1", channels=["inbox", "email"], quiet_hours=None)
    kept = await get(notify, "m1")
    assert kept["has_email"] and kept["has_phone"] and kept["quiet_hours"] is None
    assert kept["channels"] == ["inbox", "email"]
    # null clears an address; the masked one read back is refused, not stored.
    await preferences(notify, "m1", channels=["inbox"], email=None, phone=None)
    after = await get(notify, "m1")
    assert after["has_email"] is False and after["has_phone"] is False
    with pytest.raises(ValueError, match="email"):
        commands.PutPreferences(member_id="m1", email=shown["email"])


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"channels": ["inbox", "email"]}, ["channels"]),
        ({"channels": ["sms"], "email": "li.lei@example.com"}, ["channels"]),
        ({"via_member_id": "m1"}, ["via_member_id"]),
        ({"via_member_id": "nobody"}, ["via_member_id"]),
    ],
)
async def test_choices_that_cannot_work_are_refused(
    notify: Notify, fields: dict[str, Any], loc: list[str]
) -> None:
    with pytest.raises(Invalid) as refused:
        await preferences(notify, "m1", **fields)
    assert [d.loc for d in refused.value.details] == [loc]
    assert (await get(notify, "m1"))["stored"] is False


async def test_a_known_volunteer_may_receive_for_a_resident(notify: Notify) -> None:
    await member(notify, "v1")
    await projected(notify, "members", "v1", status="active")
    shown = await preferences(notify, "r1", channels=["inbox"], via_member_id="v1")
    assert shown["via_member_id"] == "v1"
