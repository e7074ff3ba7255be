"""Sign-ups with waitlists, the reminder the day before, check-in/out and completion, on the
running service: a kids' plant-science class, and fifty volunteers racing for thirty places."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from services.activities.reminder_scheduler import Reminders
from shared.contracts.commands import activities as commands
from shared.contracts.events.activities import (
    ActivityCompleted,
    ActivityReminderDue,
    ParticipantRegistered,
    VolunteerCheckedOut,
    VolunteerSignedUp,
    WaitlistPromoted,
)
from shared.contracts.events.registry import TeamCreated, TeamView
from shared.contracts.rpc import Invalid
from shared.store.aggregates import AggregateStore
from tests.integration.activities.conftest import ADMIN, Activities
from tests.integration.activities.signup_support import (
    COMMUNITY,
    get_activity,
    movable_clock,
    next_saturday_9am,
    published_activity,
    register_members,
    role,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration

TEACHERS = ["teacher-1", "teacher-2"]


async def known_team(activities: Activities, team_id: str, name: str) -> None:
    team = TeamView(team_id=team_id, name=name, community_id=COMMUNITY, parent_id=None, path=[])
    await activities.publish(TeamCreated(team=team), subject=team_id)

    async def found() -> Any:
        return await activities.runtime.db["teams"].find_one({"_id": team_id})

    await eventually(found, what="the team in the teams projection")


async def test_kids_plant_science_class(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()
    clock = movable_clock(monkeypatch, starts - timedelta(days=3))
    await register_members(activities, TEACHERS, skills=("teaching",))
    await known_team(activities, "wulaohong", "五老红志愿服务队")
    await published_activity(
        activities,
        "plants",
        starts,
        roles=[role("teacher", 2, "teaching", name="讲解")],
        participant_capacity=20,
        target_group="children",
        organiser_team_ids=["wulaohong"],
    )
    for teacher in TEACHERS:
        signed = await activities.call(
            commands.SIGN_UP,
            commands.SignUp(activity_id="plants", member_id=teacher, role_id="teacher"),
        )
        assert signed["status"] == "confirmed"

    # 25 children registered by their parents: 20 places, then the waitlist in order.
    registered = []
    for n in range(25):
        registered.append(
            await activities.call(
                commands.REGISTER_PARTICIPANT,
                commands.RegisterParticipant(
                    activity_id="plants", name=f"小朋友{n:02d}", phone=f"1380000{n:04d}"
                ),
                actor=f"user:parent-{n}",
            )
        )
    assert [r["status"] for r in registered] == ["confirmed"] * 20 + ["waitlisted"] * 5
    assert [r["waitlist_position"] for r in registered[20:]] == [1, 2, 3, 4, 5]
    detail = await get_activity(activities, "plants")
    waitlist = [p["signup_id"] for p in detail["participants"]["waitlist"]]
    assert waitlist == [r["signup_id"] for r in registered[20:]]
    assert detail["participants"]["confirmed_count"] == 20
    assert detail["participants"]["confirmed"][0]["phone"] == "138****0000"  # masked
    events = await activities.events.wait_for(ParticipantRegistered, count=25)
    assert all("0000" not in e.display_name for e in events)

    # One cancels: the first waitlisted is promoted, and told (the event).
    await activities.call(
        commands.CANCEL_SIGN_UP,
        commands.CancelSignUp(
            activity_id="plants", signup_id=registered[3]["signup_id"], reason="生病"
        ),
    )
    promoted = await activities.events.wait_for(WaitlistPromoted)
    assert promoted[0].signup_id == registered[20]["signup_id"] and promoted[0].title == "plants"
    detail = await get_activity(activities, "plants")
    assert [p["signup_id"] for p in detail["participants"]["waitlist"]] == waitlist[1:]

    # The reminder: not yet 30 h before; once the day before, whoever ticks and however often.
    store = activities.runtime.aggregates("activities")
    here = Reminders(store, activities.settings)
    other_replica = Reminders(
        AggregateStore(activities.runtime.db["activities"]), activities.settings
    )
    assert await here.tick(starts - timedelta(hours=30)) == []
    day_before = starts - timedelta(hours=20)
    first, second = await asyncio.gather(here.tick(day_before), other_replica.tick(day_before))
    assert sorted(first + second) == ["plants"]
    assert await here.tick(day_before + timedelta(hours=1)) == []
    assert await other_replica.tick(day_before + timedelta(hours=2)) == []
    reminder = (await activities.events.wait_for(ActivityReminderDue))[0]
    assert reminder.volunteer_member_ids == TEACHERS and reminder.participant_count == 20

    # Check-in with the code (or the scanned token), check-out: hours to the nearest 0.5 h.
    code = await activities.call(
        commands.GET_CHECK_IN_CODE, commands.GetCheckInCode(activity_id="plants")
    )
    clock.at = starts - timedelta(minutes=10)
    with pytest.raises(Invalid) as wrong:
        await activities.call(
            commands.CHECK_IN,
            commands.CheckIn(activity_id="plants", member_id="teacher-1", code="000000x"),
            actor="user:teacher-1",
        )
    assert wrong.value.details[0].loc == ["code"]
    for teacher, given in zip(TEACHERS, [code["code"], code["token"]], strict=True):
        checked = await activities.call(
            commands.CHECK_IN,
            commands.CheckIn(activity_id="plants", member_id=teacher, code=given),
            actor=f"user:{teacher}",
        )
        assert checked["method"] == "code"
    clock.at = starts + timedelta(minutes=100)  # 1 h 50 min after the check-in
    out = await activities.call(
        commands.CHECK_OUT, commands.CheckOut(activity_id="plants", member_id="teacher-1")
    )
    assert (out["hours"], out["hours_source"]) == (2.0, "computed")
    clock.at = starts + timedelta(minutes=60)  # 1 h 10 min
    out = await activities.call(
        commands.CHECK_OUT, commands.CheckOut(activity_id="plants", member_id="teacher-2")
    )
    assert out["hours"] == 1.0
    # Published after the reminder: once these are here, a second reminder would be too.
    await activities.events.wait_for(VolunteerCheckedOut, count=2)
    assert len(activities.events.of(ActivityReminderDue)) == 1

    # Completion: hours for the volunteer teachers only, never for the children.
    clock.at = starts + timedelta(hours=3)
    done = await activities.call(
        commands.COMPLETE_ACTIVITY,
        commands.CompleteActivity(
            activity_id="plants", summary="认识了向日葵和多肉", photo_refs=["photos/p1.jpg"]
        ),
    )
    assert done["status"] == "completed"
    completed = (await activities.events.wait_for(ActivityCompleted))[0]
    assert [(v.member_id, v.hours, v.role) for v in completed.volunteers] == [
        ("teacher-1", 2.0, "讲解"),
        ("teacher-2", 1.0, "讲解"),
    ]
    assert completed.participant_count == 20 and completed.organiser == "五老红志愿服务队"
    assert completed.approved_by == ADMIN and completed.photo_refs == ["photos/p1.jpg"]


async def test_fifty_volunteers_race_for_thirty_places(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()
    movable_clock(monkeypatch, starts - timedelta(days=1))
    crowd = [f"v{n:02d}" for n in range(50)]
    await register_members(activities, crowd)
    await published_activity(activities, "clean-up", starts, roles=[role("sweep", 30)])

    answers = await asyncio.gather(
        *(
            activities.call(
                commands.SIGN_UP,
                commands.SignUp(activity_id="clean-up", member_id=m, role_id="sweep"),
            )
            for m in crowd
        )
    )
    assert sorted(a["status"] for a in answers).count("confirmed") == 30
    positions = sorted(a["waitlist_position"] for a in answers if a["status"] == "waitlisted")
    detail = await get_activity(activities, "clean-up")
    (sweep,) = detail["roles"]
    holders = [v["member_id"] for v in sweep["confirmed"] + sweep["waitlist"]]
    assert (len(sweep["confirmed"]), len(sweep["waitlist"])) == (30, 20)
    assert sorted(holders) == crowd  # everybody once, nobody twice
    assert [v["waitlist_position"] for v in sweep["waitlist"]] == list(range(1, 21))
    assert len(set(positions)) == len(positions)  # each answer had its own place in line
    seqs = [v["seq"] for v in sweep["confirmed"] + sweep["waitlist"]]
    assert max(seqs[:30]) < min(seqs[30:])  # the first thirty to arrive hold the places
    signed = await activities.events.wait_for(VolunteerSignedUp, count=50)
    assert sum(e.status == "confirmed" for e in signed) == 30


async def test_a_larger_head_count_gives_its_places_to_the_waitlisted_in_order(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()
    movable_clock(monkeypatch, starts - timedelta(days=2))
    people = ["p1", "p2", "p3", "p4"]
    await register_members(activities, people)
    await published_activity(activities, "repair", starts, roles=[role("fix", 1)])
    for member in people:
        await activities.call(
            commands.SIGN_UP,
            commands.SignUp(activity_id="repair", member_id=member, role_id="fix"),
        )

    new_roles = [commands.RoleIn(role_id="fix", name="fix", head_count=3)]
    await activities.call(
        commands.UPDATE_ACTIVITY, commands.UpdateActivity(activity_id="repair", roles=new_roles)
    )

    (fix,) = (await get_activity(activities, "repair"))["roles"]
    assert [v["member_id"] for v in fix["confirmed"]] == ["p1", "p2", "p3"]
    assert [v["member_id"] for v in fix["waitlist"]] == ["p4"]
    promoted = await activities.events.wait_for(
        WaitlistPromoted, where=lambda e: e.activity_id == "repair", count=2
    )
    assert sorted(e.member_id for e in promoted) == ["p2", "p3"]
