"""Who may sign up, and what is refused: overlaps (naming the other activity), members the
registry suspended or let go, missing skills, wrong transitions (409) and bad input (422)."""

from datetime import timedelta

import pytest
from pydantic import BaseModel

from shared.contracts.commands import activities as commands
from shared.contracts.rpc import Conflict, Invalid
from tests.integration.activities.conftest import Activities
from tests.integration.activities.signup_support import (
    change_status,
    get_activity,
    movable_clock,
    next_saturday_9am,
    published_activity,
    register_members,
    role,
)

pytestmark = pytest.mark.integration


def sign_up(activity_id: str, member_id: str, role_id: str = "help") -> commands.SignUp:
    return commands.SignUp(activity_id=activity_id, member_id=member_id, role_id=role_id)


async def test_an_overlapping_sign_up_names_the_other_activity(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()  # 09:00 in Shanghai
    movable_clock(monkeypatch, starts - timedelta(days=1))
    await register_members(activities, ["zhang"])
    for activity_id, offset, hours in [("talk", 0, 2), ("repair", 1, 2), ("after", 2, 1)]:
        await published_activity(
            activities,
            activity_id,
            starts + timedelta(hours=offset),
            hours=hours,
            roles=[role("help", 5)],
            title=f"{activity_id} title",
        )
    talk = await activities.call(commands.SIGN_UP, sign_up("talk", "zhang"))

    with pytest.raises(Conflict) as overlap:
        await activities.call(commands.SIGN_UP, sign_up("repair", "zhang"))
    assert "overlaps 'talk title' (talk)" in overlap.value.message
    assert "09:00–11:00" in overlap.value.message
    # Back to back is no overlap.
    await activities.call(commands.SIGN_UP, sign_up("after", "zhang"))
    # A cancelled sign-up frees the time.
    await activities.call(
        commands.CANCEL_SIGN_UP,
        commands.CancelSignUp(activity_id="talk", signup_id=talk["signup_id"]),
    )
    with pytest.raises(Conflict, match="overlaps 'after title'"):
        await activities.call(commands.SIGN_UP, sign_up("repair", "zhang"))
    detail = await get_activity(activities, "repair")
    assert detail["roles"][0]["confirmed"] == []  # the refused claim left nothing behind


async def test_members_the_registry_let_go_or_does_not_know(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()
    movable_clock(monkeypatch, starts - timedelta(days=1))
    await register_members(activities, ["li", "wang"])
    await register_members(activities, ["doctor"], skills=("medical",))
    await published_activity(
        activities,
        "health",
        starts,
        roles=[role("help", 5), role("bp", 2, "medical")],
        activity_type="health_check",
    )
    await change_status(activities, "li", "left", previous="active")
    with pytest.raises(Conflict, match="member li is left"):
        await activities.call(commands.SIGN_UP, sign_up("health", "li"))

    with pytest.raises(Invalid) as unknown:
        await activities.call(commands.SIGN_UP, sign_up("health", "nobody"))
    assert unknown.value.details[0].loc == ["member_id"]
    assert "not yet known to activities" in unknown.value.message

    with pytest.raises(Conflict, match="role bp needs the skill medical"):
        await activities.call(commands.SIGN_UP, sign_up("health", "wang", "bp"))
    assert (await activities.call(commands.SIGN_UP, sign_up("health", "doctor", "bp")))[
        "status"
    ] == "confirmed"
    with pytest.raises(Conflict, match="already holds"):
        await activities.call(commands.SIGN_UP, sign_up("health", "doctor", "help"))

    # Suspended, then active again: the projection follows the registry both ways.
    await change_status(activities, "wang", "suspended", previous="active")
    with pytest.raises(Conflict, match="suspended"):
        await activities.call(commands.SIGN_UP, sign_up("health", "wang"))
    await change_status(activities, "wang", "active", previous="suspended")
    await activities.call(commands.SIGN_UP, sign_up("health", "wang"))


async def test_wrong_transitions_are_conflicts(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()
    clock = movable_clock(monkeypatch, starts - timedelta(days=1))
    await register_members(activities, ["chen", "zhou"])
    await activities.call(
        commands.CREATE_ACTIVITY,
        commands.CreateActivity(
            activity_id="draft",
            title="还在计划",
            activity_type="talk",
            community_id="quanyun",
            place="广场",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            roles=[role("help", 2)],
        ),
    )
    with pytest.raises(Conflict, match="is draft"):
        await activities.call(commands.SIGN_UP, sign_up("draft", "chen"))

    await published_activity(activities, "talk", starts, roles=[role("help", 2)])
    signed = await activities.call(commands.SIGN_UP, sign_up("talk", "chen"))
    with pytest.raises(Conflict, match="open from"):  # a day early
        await activities.call(
            commands.CHECK_IN,
            commands.CheckIn(activity_id="talk", member_id="chen", by_organiser=True),
        )
    with pytest.raises(Conflict, match="only once it has started"):
        await activities.call(
            commands.COMPLETE_ACTIVITY,
            commands.CompleteActivity(activity_id="talk", summary="太早了"),
        )
    with pytest.raises(Conflict, match="only once it has started"):
        await activities.call(
            commands.MARK_NO_SHOW, commands.MarkNoShow(activity_id="talk", member_id="chen")
        )

    clock.at = starts + timedelta(minutes=5)
    with pytest.raises(Conflict, match="started"):
        await activities.call(commands.SIGN_UP, sign_up("talk", "zhou"))
    with pytest.raises(Conflict, match="not signed up"):
        await activities.call(
            commands.CHECK_IN,
            commands.CheckIn(activity_id="talk", member_id="zhou", by_organiser=True),
        )
    with pytest.raises(Conflict, match="has not checked in"):
        await activities.call(
            commands.CHECK_OUT, commands.CheckOut(activity_id="talk", member_id="chen")
        )
    marked = await activities.call(
        commands.MARK_NO_SHOW, commands.MarkNoShow(activity_id="talk", member_id="chen")
    )
    assert (marked["no_show"], marked["hours"]) == (True, 0.0)
    await activities.call(
        commands.COMPLETE_ACTIVITY, commands.CompleteActivity(activity_id="talk", summary="完成")
    )
    with pytest.raises(Conflict, match="is completed"):
        await activities.call(
            commands.COMPLETE_ACTIVITY,
            commands.CompleteActivity(activity_id="talk", summary="再来一次"),
        )
    with pytest.raises(Conflict, match="is completed"):
        await activities.call(
            commands.CANCEL_SIGN_UP,
            commands.CancelSignUp(activity_id="talk", signup_id=signed["signup_id"]),
        )


async def test_bad_input_names_the_field(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()
    clock = movable_clock(monkeypatch, starts - timedelta(days=1))
    await register_members(activities, ["sun"])
    await published_activity(activities, "talk", starts, roles=[role("help", 2)])

    async def refused(command: str, body: BaseModel) -> list[str | int]:
        with pytest.raises(Invalid) as bad:
            await activities.call(command, body)
        return bad.value.details[0].loc

    assert await refused(commands.SIGN_UP, sign_up("talk", "sun", "cook")) == ["role_id"]
    assert await refused(
        commands.REGISTER_PARTICIPANT, commands.RegisterParticipant(activity_id="talk")
    ) == ["name"]
    assert await refused(
        commands.REGISTER_PARTICIPANT,
        commands.RegisterParticipant.model_construct(activity_id="talk", name="王", phone="12"),
    ) == ["phone"]
    assert await refused(
        commands.CHECK_IN, commands.CheckIn(activity_id="talk", member_id="sun")
    ) == ["code"]

    await activities.call(commands.SIGN_UP, sign_up("talk", "sun"))
    clock.at = starts + timedelta(hours=2)
    roster = commands.EnterRoster(
        activity_id="talk",
        lines=[commands.RosterLine(member_id="sun", checked_out_at=starts)],
    )
    assert await refused(commands.ENTER_ROSTER, roster) == ["lines", 0, "checked_in_at"]
    walk_in = commands.EnterRoster(
        activity_id="talk", lines=[commands.RosterLine(member_id="ghost", hours=1.0)]
    )
    assert await refused(commands.ENTER_ROSTER, walk_in) == ["lines", 0, "member_id"]
    half_hours = commands.ApproveHours.model_construct(
        activity_id="talk",
        approvals=[commands.HoursApproval.model_construct(member_id="sun", hours=0.3)],
    )
    assert await refused(commands.APPROVE_HOURS, half_hours) == ["approvals", 0, "hours"]
    assert await refused(
        commands.APPROVE_HOURS,
        commands.ApproveHours(
            activity_id="talk", approvals=[commands.HoursApproval(member_id="sun")]
        ),
    ) == ["approvals", 0, "member_id"]  # never checked in: no attendance to approve
