"""An activity's lifecycle through the service: drafts, publishing, cancelling, edits with
their guards, and the events subscribers see."""

from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from shared.contracts.commands import activities as commands
from shared.contracts.events.activities import (
    ActivityCancelled,
    ActivityDrafted,
    ActivityPublished,
    ActivityUpdated,
)
from shared.contracts.rpc import Conflict, Invalid
from tests.integration.activities.conftest import Activities
from tests.integration.activities.core_support import (
    SATURDAY,
    create,
    participant,
    plan,
    poke,
    volunteer,
)

pytestmark = pytest.mark.integration


async def test_a_draft_is_published_then_cancelled_and_subscribers_see_each_step(
    activities: Activities,
) -> None:
    draft = await create(activities, activity_id="plants")
    assert draft["status"] == "draft"
    assert "check_in_code" not in draft
    stored = await activities.runtime.db["activities"].find_one({"_id": "plants"})
    assert stored is not None and len(stored["check_in_code"]) == 6
    drafted = await activities.events.wait_for(ActivityDrafted)
    assert drafted[0].activity.activity_id == "plants"
    assert [r.role_id for r in drafted[0].activity.roles] == ["teacher", "helper"]

    published = await activities.call(
        commands.PUBLISH_ACTIVITY, commands.PublishActivity(activity_id="plants")
    )
    assert published["status"] == "published"
    seen = await activities.events.wait_for(ActivityPublished)
    assert seen[0].activity.status == "published"

    await poke(activities, "plants", lambda d: d.update(volunteers=[volunteer("m1", "teacher", 1)]))
    cancelled = await activities.call(
        commands.CANCEL_ACTIVITY,
        commands.CancelActivity(activity_id="plants", reason="暴雨预警，联系13812341234"),
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelled"]["reason"] == "暴雨预警，联系138****1234"
    (event,) = await activities.events.wait_for(ActivityCancelled)
    assert event.signed_up_member_ids == ["m1"]
    assert "13812341234" not in event.reason


async def test_create_and_publish_at_once_emits_both_events(activities: Activities) -> None:
    answer = await create(activities, activity_id="talk", publish=True, activity_type="talk")
    assert answer["status"] == "published"
    await activities.events.wait_for(ActivityDrafted, lambda e: e.activity.activity_id == "talk")
    await activities.events.wait_for(ActivityPublished, lambda e: e.activity.activity_id == "talk")


async def test_the_same_activity_id_twice_is_a_conflict(activities: Activities) -> None:
    await create(activities, activity_id="once")
    with pytest.raises(Conflict, match="once"):
        await create(activities, activity_id="once")


async def _to(activities: Activities, activity_id: str, status: str) -> None:
    await create(activities, activity_id=activity_id)
    if status == "published":
        await activities.call(
            commands.PUBLISH_ACTIVITY, commands.PublishActivity(activity_id=activity_id)
        )
    elif status == "cancelled":
        await activities.call(
            commands.CANCEL_ACTIVITY,
            commands.CancelActivity(activity_id=activity_id, reason="改期"),
        )
    elif status == "completed":
        await poke(activities, activity_id, lambda d: d.update(status="completed"))


@pytest.mark.parametrize(
    ("status", "command", "message"),
    [
        ("published", "publish", "already published"),
        ("cancelled", "publish", "a cancelled activity cannot be published"),
        ("completed", "publish", "a completed activity cannot be published"),
        ("cancelled", "cancel", "a cancelled activity cannot be cancelled"),
        ("completed", "cancel", "a completed activity cannot be cancelled"),
        ("completed", "update", "a completed activity cannot be changed"),
        ("cancelled", "update", "a cancelled activity cannot be changed"),
    ],
)
async def test_a_wrong_transition_is_a_conflict_naming_the_status(
    activities: Activities, status: str, command: str, message: str
) -> None:
    await _to(activities, "a1", status)
    calls: dict[str, tuple[str, Any]] = {
        "publish": (commands.PUBLISH_ACTIVITY, commands.PublishActivity(activity_id="a1")),
        "cancel": (
            commands.CANCEL_ACTIVITY,
            commands.CancelActivity(activity_id="a1", reason="取消"),
        ),
        "update": (commands.UPDATE_ACTIVITY, commands.UpdateActivity(activity_id="a1", title="新")),
    }
    with pytest.raises(Conflict, match=message):
        await activities.call(*calls[command])
    doc = await activities.runtime.db["activities"].find_one({"_id": "a1"})
    assert doc is not None and doc["status"] == status


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"ends_at": SATURDAY}, ["ends_at"]),
        ({"ends_at": SATURDAY - timedelta(hours=1)}, ["ends_at"]),
        ({"activity_type": "karaoke"}, ["activity_type"]),
        (
            {"roles": [{"role_id": "bp", "name": "量血压", "head_count": 4}] * 2},
            ["roles", 1, "role_id"],
        ),
    ],
)
async def test_bad_input_is_invalid_naming_the_field(
    activities: Activities, overrides: dict[str, Any], loc: list[Any]
) -> None:
    with pytest.raises(Invalid) as caught:
        await create(activities, **overrides)
    assert [e.loc for e in caught.value.details] == [loc]
    assert await activities.runtime.db["activities"].count_documents({}) == 0


async def test_the_contract_refuses_what_is_not_well_formed(activities: Activities) -> None:
    body = plan().model_dump(mode="json")
    body["roles"][0]["required_skill"] = "Medical Skill"
    with pytest.raises(Invalid) as caught:
        await activities.rpc.call(commands.SERVICE, commands.CREATE_ACTIVITY, _Raw(**body))
    assert caught.value.details[0].loc[:3] == ["roles", 0, "required_skill"]


class _Raw(BaseModel):
    """A body the caller built by hand (what the contract would refuse to build)."""

    model_config = ConfigDict(extra="allow")


async def test_roles_without_ids_are_named_by_position_and_any_skill_code_is_taken(
    activities: Activities,
) -> None:
    roles = [
        {"name": "量血压", "head_count": 4, "required_skill": "medical"},
        {"name": "登记", "head_count": 2, "required_skill": "paperwork_new_code"},
    ]
    answer = await create(activities, roles=roles, activity_type="health_check")
    assert [(r["role_id"], r["required_skill"]) for r in answer["roles"]] == [
        ("role-1", "medical"),
        ("role-2", "paperwork_new_code"),
    ]


async def test_editing_a_published_activity_tells_those_signed_up_and_moves_commitments(
    activities: Activities,
) -> None:
    await create(activities, activity_id="plants", publish=True)
    people = [volunteer("m1", "teacher", 1), volunteer("m2", "helper", 2, status="waitlisted")]
    people.append(volunteer("m3", "teacher", 3) | {"status": "cancelled"})
    registered = [participant(1, 4, member_id="m4"), participant(2, 5)]
    await poke(activities, "plants", lambda d: d.update(volunteers=people, participants=registered))
    commitments = activities.runtime.db["commitments"]
    await commitments.insert_one(
        {
            "_id": "m1:plants",
            "member_id": "m1",
            "activity_id": "plants",
            "starts_at": SATURDAY,
            "ends_at": SATURDAY + timedelta(hours=2),
        }
    )
    later = SATURDAY + timedelta(hours=1)
    answer = await activities.call(
        commands.UPDATE_ACTIVITY,
        commands.UpdateActivity(
            activity_id="plants", starts_at=later, ends_at=later + timedelta(hours=2), place="二楼"
        ),
    )
    assert answer["place"] == "二楼"
    (event,) = await activities.events.wait_for(ActivityUpdated)
    assert sorted(event.changed) == ["ends_at", "place", "starts_at"]
    assert event.signed_up_member_ids == ["m1", "m2", "m4"]
    assert event.activity.starts_at == later
    moved = await commitments.find_one({"_id": "m1:plants"})
    assert moved is not None and moved["starts_at"] == later


async def test_an_edit_that_changes_nothing_writes_nothing(activities: Activities) -> None:
    first = await create(activities, activity_id="same")
    again = await activities.call(
        commands.UPDATE_ACTIVITY, commands.UpdateActivity(activity_id="same", title=first["title"])
    )
    assert again["revision"] == first["revision"]


async def test_a_stale_revision_is_a_conflict(activities: Activities) -> None:
    first = await create(activities, activity_id="rev")
    await activities.call(
        commands.UPDATE_ACTIVITY, commands.UpdateActivity(activity_id="rev", title="第一次改")
    )
    with pytest.raises(Conflict, match="revision"):
        await activities.call(
            commands.UPDATE_ACTIVITY,
            commands.UpdateActivity(
                activity_id="rev", title="第二次改", expected_revision=first["revision"]
            ),
        )


async def test_an_edit_must_keep_the_times_in_order(activities: Activities) -> None:
    await create(activities, activity_id="times")
    with pytest.raises(Invalid) as caught:
        await activities.call(
            commands.UPDATE_ACTIVITY,
            commands.UpdateActivity(activity_id="times", starts_at=SATURDAY + timedelta(hours=3)),
        )
    assert caught.value.details[0].loc == ["ends_at"]


@pytest.mark.parametrize(
    ("change", "loc", "number"),
    [
        ({"participant_capacity": 1}, ["participant_capacity"], "2 confirmed"),
        (
            {
                "roles": [
                    {"role_id": "teacher", "name": "讲解老师", "head_count": 1},
                    {"role_id": "helper", "name": "秩序维护", "head_count": 1},
                ]
            },
            ["roles", "teacher", "head_count"],
            "2 confirmed",
        ),
        (
            {"roles": [{"role_id": "helper", "name": "秩序维护", "head_count": 3}]},
            ["roles"],
            "2 volunteers are confirmed",
        ),
    ],
)
async def test_capacity_cannot_drop_below_those_confirmed(
    activities: Activities, change: dict[str, Any], loc: list[Any], number: str
) -> None:
    await create(activities, activity_id="full", publish=True)
    people = [volunteer("m1", "teacher", 1), volunteer("m2", "teacher", 2)]
    people.append(volunteer("m3", "teacher", 3, status="waitlisted"))
    registered = [participant(1, 4), participant(2, 5), participant(3, 6, status="waitlisted")]
    await poke(activities, "full", lambda d: d.update(volunteers=people, participants=registered))
    with pytest.raises(Conflict, match=number) as caught:
        await activities.call(
            commands.UPDATE_ACTIVITY, commands.UpdateActivity(activity_id="full", **change)
        )
    assert caught.value.details[0].loc == loc
    # Down to exactly those confirmed is fine.
    answer = await activities.call(
        commands.UPDATE_ACTIVITY,
        commands.UpdateActivity(activity_id="full", participant_capacity=2),
    )
    assert answer["participant_capacity"] == 2


async def test_activity_types_are_a_managed_list(activities: Activities) -> None:
    listed = await activities.call(commands.LIST_ACTIVITY_TYPES, commands.ListActivityTypes())
    codes = {t["code"]: t["zh"] for t in listed["items"]}
    assert codes["clapper_talk_show"] == "快板表演"
    assert len(codes) == 10
    with pytest.raises(Invalid):
        await create(activities, activity_type="tea_party")
    await activities.call(
        commands.DEFINE_ACTIVITY_TYPE,
        commands.DefineActivityType(code="tea_party", zh="茶话会", en="Tea party"),
    )
    assert (await create(activities, activity_type="tea_party"))["activity_type"] == "tea_party"
