import asyncio
import json
from typing import Any

import pytest

from shared.contracts.commands import registry as commands
from shared.contracts.commands.registry import HomeIn
from shared.contracts.events.registry import (
    MemberRegistered,
    MemberStatusChanged,
    MemberUpdated,
)
from shared.contracts.rpc import Conflict, Invalid, NotFound
from tests.integration.registry.conftest import Registry
from tests.integration.registry.member_support import (
    person_name,
    phone,
    registration,
    resident_id,
    seed_org,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def org(registry: Registry) -> Registry:
    await seed_org(registry.runtime.db)
    return registry


async def register(registry: Registry, n: int, **overrides: Any) -> dict[str, Any]:
    return dict(await registry.call(commands.REGISTER_MEMBER, registration(n, **overrides)))


async def test_wulaohong_thirty_members_each_with_a_volunteer_number(org: Registry) -> None:
    tags: list[list[Any]] = [["old_party_member", "party_member"]] * 25 + [["old_cadre"]] * 5
    members = [await register(org, n, tags=tags[n]) for n in range(30)]

    numbers = [m["volunteer_no"] for m in members]
    assert len(set(numbers)) == 30
    for n, member in enumerate(members):
        assert member["volunteer_no"].startswith("QT") and len(member["volunteer_no"]) == 8
        assert resident_id(n) not in member["volunteer_no"]
        assert member["volunteer_no"] not in resident_id(n)
        assert member["status"] == "active" and member["total_hours"] == 0.0
    old = await org.call(
        commands.SEARCH_MEMBERS,
        commands.SearchMembers(community_id="quanyun", tag="old_party_member", limit=100),
    )
    assert len(old["items"]) == 25

    seen = await org.events.wait_for(MemberRegistered, count=30)
    assert {e.member.volunteer_no for e in seen} == set(numbers)


async def test_a_duplicate_id_number_is_a_conflict_naming_the_existing_number(
    org: Registry,
) -> None:
    first = await register(org, 31)
    counter_before = await org.runtime.db["counters"].find_one({"_id": "volunteer_no"})
    lower_x = resident_id(31).lower()  # written differently, still the same number
    with pytest.raises(Conflict) as caught:
        await register(org, 99, id_number=lower_x, id_type="passport")
    message = f"this ID number is already registered as volunteer {first['volunteer_no']}"
    assert caught.value.message == message
    assert [(d.loc, d.type) for d in caught.value.details] == [(["id_number"], "duplicate")]
    counter_after = await org.runtime.db["counters"].find_one({"_id": "volunteer_no"})
    assert counter_after == counter_before  # no volunteer number spent on it
    assert await org.runtime.db["members"].count_documents({}) == 1


async def test_member_registered_reaches_an_outside_subscriber_without_personal_data(
    org: Registry,
) -> None:
    member = await register(org, 40, tags=["old_soldier"])
    [event] = await org.events.wait_for(
        MemberRegistered, where=lambda e: e.member.member_id == member["id"]
    )
    assert event.member.display_name == person_name(40)[0] + "*" * (len(person_name(40)) - 1)
    assert event.member.tags == ["old_soldier"]
    raw = json.dumps([envelope.model_dump(mode="json") for envelope, _ in org.events.seen])
    for secret in (resident_id(40), phone(40), person_name(40), resident_id(40)[-8:]):
        assert secret not in raw


async def test_the_stored_document_holds_the_id_number_only_encrypted(org: Registry) -> None:
    member = await register(org, 41)
    doc = await org.runtime.db["members"].find_one({"_id": member["id"]})
    assert doc is not None
    assert resident_id(41) not in json.dumps(doc, default=str)
    assert doc["id_cipher"].startswith("k1:") and len(doc["id_hash"]) == 64
    assert doc["records"] == [] and doc["points_balance"] == 0 and doc["star_level"] == 0
    assert "id_cipher" not in member and "id_hash" not in member and "records" not in member


@pytest.mark.parametrize(
    ("overrides", "loc", "says"),
    [
        ({"id_number": resident_id(50)[:17] + "0"}, ["id_number"], "check digit should be"),
        ({"home": HomeIn(community_id="nowhere")}, ["home", "community_id"], "no community"),
        (
            {"home": HomeIn(community_id="xinggang", compound_id="haide")},
            ["home", "compound_id"],
            "not in community xinggang",
        ),
        (
            {"home": HomeIn(community_id="quanyun", compound_id="haide", building_id="pingguo-1")},
            ["home", "building_id"],
            "not in compound haide",
        ),
        ({"skills": ["talks", "juggling"]}, ["skills", 1], "juggling"),
    ],
)
async def test_bad_registrations_are_invalid_naming_the_field(
    org: Registry, overrides: dict[str, Any], loc: list[Any], says: str
) -> None:
    if overrides.get("id_number", "").endswith("0") and resident_id(50).endswith("0"):
        overrides = {"id_number": resident_id(50)[:17] + "1"}
    with pytest.raises(Invalid) as caught:
        await register(org, 50, **overrides)
    [detail] = caught.value.details
    assert detail.loc == loc and says in detail.msg


async def test_get_masks_unless_revealed(org: Registry) -> None:
    member = await register(org, 60)
    assert member["name"] != person_name(60) and member["name"].startswith(person_name(60)[0])
    assert member["phone"] == phone(60)[:3] + "****" + phone(60)[-4:]
    assert member["id_number"] == resident_id(60)[:4] + "*" * 10 + resident_id(60)[-4:]

    masked = await org.call(commands.GET_MEMBER, commands.GetMember(member_id=member["id"]))
    assert masked == member
    shown = await org.call(
        commands.GET_MEMBER,
        commands.GetMember(member_id=member["id"], reveal=["name", "phone", "id_number"]),
    )
    assert (shown["name"], shown["phone"], shown["id_number"]) == (
        person_name(60),
        phone(60),
        resident_id(60),
    )
    with pytest.raises(NotFound):
        await org.call(commands.GET_MEMBER, commands.GetMember(member_id="nobody"))


async def test_update_changes_given_fields_and_names_them(org: Registry) -> None:
    member = await register(org, 70)
    changed = await org.call(
        commands.UPDATE_MEMBER,
        commands.UpdateMember(
            member_id=member["id"],
            phone="13700000000",
            skills=["repair", "medical"],
            home=HomeIn(community_id="quanyun", compound_id="haide", building_id="haide-2"),
            tags=member["tags"],  # unchanged: not named
            expected_revision=member["revision"],
        ),
    )
    assert changed["skills"] == ["repair", "medical"]
    assert changed["home"]["building_id"] == "haide-2"
    assert changed["revision"] == member["revision"] + 1
    [event] = await org.events.wait_for(
        MemberUpdated, where=lambda e: e.member.member_id == member["id"]
    )
    assert event.changed == ["phone", "home", "skills"]
    assert "13700000000" not in json.dumps(
        [envelope.model_dump(mode="json") for envelope, _ in org.events.seen]
    )

    with pytest.raises(Conflict, match="revision"):
        await org.call(
            commands.UPDATE_MEMBER,
            commands.UpdateMember(member_id=member["id"], name="王五", expected_revision=1),
        )
    with pytest.raises(Invalid) as caught:
        await org.call(
            commands.UPDATE_MEMBER,
            commands.UpdateMember(
                member_id=member["id"], home=HomeIn(community_id="quanyun", compound_id="pingguo")
            ),
        )
    assert caught.value.details[0].loc == ["home", "compound_id"]
    with pytest.raises(Invalid) as caught:
        await org.call(
            commands.UPDATE_MEMBER, commands.UpdateMember(member_id=member["id"], skills=["x_y"])
        )
    assert caught.value.details[0].loc == ["skills", 0]


async def test_status_moves_keep_history_and_guard_their_rules(org: Registry) -> None:
    member = await register(org, 80)
    mid = member["id"]

    async def move(status: str, reason: str | None = None) -> dict[str, Any]:
        body = commands.ChangeMemberStatus(member_id=mid, status=status, reason=reason)  # type: ignore[arg-type]
        return dict(await org.call(commands.CHANGE_MEMBER_STATUS, body))

    with pytest.raises(Invalid) as caught:
        await move("suspended")
    assert caught.value.details[0].loc == ["reason"]
    with pytest.raises(Conflict, match="already active"):
        await move("active")
    assert (await move("suspended", "health"))["status"] == "suspended"
    left = await move("left", "moved away")
    assert left["status"] == "left" and left["left"]["reason"] == "moved away"
    with pytest.raises(Conflict, match="cannot be updated"):
        await org.call(commands.UPDATE_MEMBER, commands.UpdateMember(member_id=mid, name="王五"))
    with pytest.raises(Conflict, match="cannot become suspended"):
        await move("suspended", "no")
    rejoined = await move("active")
    assert rejoined["status"] == "active" and rejoined["left"] is None

    doc = await org.runtime.db["members"].find_one({"_id": mid})
    assert doc is not None
    assert [(h["previous"], h["status"]) for h in doc["status_history"]] == [
        (None, "active"),
        ("active", "suspended"),
        ("suspended", "left"),
        ("left", "active"),
    ]
    events = await org.events.wait_for(
        MemberStatusChanged, where=lambda e: e.member_id == mid, count=3
    )
    assert [(e.previous, e.status, e.reason) for e in events] == [
        ("active", "suspended", "health"),
        ("suspended", "left", "moved away"),
        ("left", "active", None),
    ]


async def test_a_merged_member_is_returned_with_merged_into_and_cannot_change(
    org: Registry,
) -> None:
    kept, merged = await register(org, 90), await register(org, 91)
    # MERGE_MEMBERS belongs to the record part; the merged state is what it leaves.
    await org.runtime.db["members"].update_one(
        {"_id": merged["id"]}, {"$set": {"status": "merged", "merged_into": kept["id"]}}
    )
    found = await org.call(commands.GET_MEMBER, commands.GetMember(member_id=merged["id"]))
    assert found["merged_into"] == kept["id"] and found["status"] == "merged"
    with pytest.raises(Conflict):
        await org.call(
            commands.CHANGE_MEMBER_STATUS,
            commands.ChangeMemberStatus(member_id=merged["id"], status="active"),
        )
    with pytest.raises(Conflict):
        await org.call(
            commands.UPDATE_MEMBER, commands.UpdateMember(member_id=merged["id"], name="王五")
        )


async def test_search_filters_combine_and_pages_follow_registration_order(
    org: Registry,
) -> None:
    xinggang = HomeIn(community_id="xinggang", compound_id="pingguo", building_id="pingguo-1")
    quanyun = [await register(org, n, tags=["old_party_member"]) for n in range(100, 105)]
    others = [
        await register(org, n, home=xinggang, skills=["clapper_talk"]) for n in range(105, 108)
    ]
    special = await register(org, 108, name="欧阳(1)*明", skills=["medical"])

    async def find(**filters: Any) -> dict[str, Any]:
        return dict(await org.call(commands.SEARCH_MEMBERS, commands.SearchMembers(**filters)))

    pages, cursor = [], None
    while True:
        page = await find(community_id="quanyun", tag="old_party_member", limit=2, cursor=cursor)
        pages.append([m["id"] for m in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [
        [quanyun[0]["id"], quanyun[1]["id"]],
        [quanyun[2]["id"], quanyun[3]["id"]],
        [quanyun[4]["id"]],
    ]
    assert [
        m["id"] for m in (await find(skill="clapper_talk", compound_id="pingguo"))["items"]
    ] == [m["id"] for m in others]
    assert (await find(skill="clapper_talk", community_id="quanyun"))["items"] == []
    assert [m["id"] for m in (await find(name_prefix="欧阳(1)*"))["items"]] == [special["id"]]
    assert (await find(name_prefix="(1)"))["items"] == []
    by_number = await find(volunteer_no=others[1]["volunteer_no"])
    assert [m["id"] for m in by_number["items"]] == [others[1]["id"]]
    assert all(m["phone"].count("*") == 4 for m in (await find(limit=100))["items"])
    with pytest.raises(Invalid):
        await find(cursor="%%%")


async def test_search_by_team_includes_sub_squads(org: Registry) -> None:
    a, b, c = [await register(org, n) for n in range(110, 113)]
    teams = org.runtime.db["teams"]

    def member(m: dict[str, Any], left_on: str | None = None) -> dict[str, Any]:
        return {
            "member_id": m["id"],
            "role": "member",
            "joined_on": "2025-01-01",
            "left_on": left_on,
            "left_reason": None,
        }

    await teams.insert_many(
        [
            {
                "_id": "huiguanjia",
                "name": "惠管家",
                "community_id": "quanyun",
                "parent_id": None,
                "path": [],
                "members": [member(a)],
            },
            {
                "_id": "hgj-xianfeng",
                "name": "先锋",
                "community_id": "quanyun",
                "parent_id": "huiguanjia",
                "path": ["huiguanjia"],
                "members": [member(b), member(c, "2025-02-01")],
            },
        ]
    )
    found = await org.call(commands.SEARCH_MEMBERS, commands.SearchMembers(team_id="huiguanjia"))
    assert [m["id"] for m in found["items"]] == [a["id"], b["id"]]
    assert [t["team_id"] for t in found["items"][1]["teams"]] == ["hgj-xianfeng"]
    squad = await org.call(commands.SEARCH_MEMBERS, commands.SearchMembers(team_id="hgj-xianfeng"))
    assert [m["id"] for m in squad["items"]] == [b["id"]]
    detail = await org.call(commands.GET_MEMBER, commands.GetMember(member_id=b["id"]))
    assert [(t["team_id"], t["path"]) for t in detail["teams"]] == [
        ("hgj-xianfeng", ["huiguanjia"])
    ]
    left = await org.call(commands.GET_MEMBER, commands.GetMember(member_id=c["id"]))
    assert left["teams"] == []


async def test_two_registrations_of_one_id_number_at_once_make_one_member(
    org: Registry,
) -> None:
    results = await asyncio.gather(
        *(register(org, 120, name=f"王{i}") for i in range(4)), return_exceptions=True
    )
    made = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 3
    message = f"this ID number is already registered as volunteer {made[0]['volunteer_no']}"
    assert all(r.message == message for r in refused)
    assert await org.runtime.db["members"].count_documents({}) == 1
