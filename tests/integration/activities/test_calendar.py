"""The calendar (filters, paging by start time), a team's activities through the teams
projection (the registry's events), a volunteer's upcoming and past activities, and one
activity's detail with its masked roster."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.contracts.commands import activities as commands
from shared.contracts.events.registry import TeamCreated, TeamView
from shared.contracts.rpc import Invalid
from tests.integration.activities.conftest import Activities
from tests.integration.activities.core_support import (
    SATURDAY,
    create,
    participant,
    poke,
    seed_member,
    volunteer,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def flat(pages: list[list[str]]) -> list[str]:
    return [activity_id for page in pages for activity_id in page]


async def page_through(activities: Activities, **filters: Any) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = commands.Calendar(limit=2, cursor=cursor, **filters)
        answer = await activities.call(commands.CALENDAR, query)
        pages.append([item["activity_id"] for item in answer["items"]])
        cursor = answer["next_cursor"]
        if cursor is None:
            return pages


async def test_the_calendar_pages_by_start_time_and_filters_combine(
    activities: Activities,
) -> None:
    # Three at the same time (ties broken by id), in two communities, one published.
    for activity_id, hours, community in [
        ("cc", 0, "quanyun"),
        ("aa", 0, "quanyun"),
        ("bb", 0, "lianhua"),
        ("dd", 26, "quanyun"),
        ("ee", -48, "quanyun"),
    ]:
        starts = SATURDAY + timedelta(hours=hours)
        await create(
            activities,
            activity_id=activity_id,
            community_id=community,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            publish=activity_id == "dd",
        )
    assert await page_through(activities) == [["ee", "aa"], ["bb", "cc"], ["dd"]]
    assert await page_through(activities, community_id="quanyun") == [["ee", "aa"], ["cc", "dd"]]
    window = {"starts_from": SATURDAY, "starts_to": SATURDAY + timedelta(days=1)}
    assert await page_through(activities, **window) == [["aa", "bb"], ["cc"]]
    assert await page_through(activities, status="published") == [["dd"]]
    line = (await activities.call(commands.CALENDAR, commands.Calendar(status="published")))[
        "items"
    ][0]
    assert line["volunteers_needed"] == 3 and line["participants_confirmed"] == 0
    assert "volunteers" not in line and "check_in_code" not in line


async def test_a_bad_cursor_or_window_is_invalid(activities: Activities) -> None:
    with pytest.raises(Invalid) as caught:
        await activities.call(commands.CALENDAR, commands.Calendar(cursor="nonsense"))
    assert caught.value.details[0].loc == ["cursor"]
    with pytest.raises(Invalid) as caught:
        await activities.call(
            commands.CALENDAR, commands.Calendar(starts_from=SATURDAY, starts_to=SATURDAY)
        )
    assert caught.value.details[0].loc == ["starts_to"]


def team(team_id: str, path: list[str]) -> TeamCreated:
    view = TeamView(
        team_id=team_id,
        name=f"队伍{team_id}",
        community_id="quanyun",
        parent_id=path[-1] if path else None,
        path=path,
    )
    return TeamCreated(team=view)


async def test_a_team_sees_its_own_and_its_sub_squads_activities(activities: Activities) -> None:
    for team_id, path in [("wlh", []), ("wlh-kids", ["wlh"]), ("wlh-kids-a", ["wlh", "wlh-kids"])]:
        await activities.publish(team(team_id, path), subject=team_id)
    await activities.publish(team("other", []), subject="other")
    known = activities.runtime.db["teams"]
    await eventually(lambda: known.count_documents({}), lambda n: n == 4, what="teams")

    for activity_id, teams in [
        ("top", ["wlh"]),
        ("kids", ["wlh-kids"]),
        ("deep", ["partner", "wlh-kids-a"]),
        ("else", ["other"]),
    ]:
        await create(activities, activity_id=activity_id, organiser_team_ids=teams)
    assert sorted(flat(await page_through(activities, team_id="wlh"))) == [
        "deep",
        "kids",
        "top",
    ]
    assert sorted(flat(await page_through(activities, team_id="wlh-kids"))) == [
        "deep",
        "kids",
    ]
    # A team the registry has not told us of yet: its own activities still.
    assert await page_through(activities, team_id="partner") == [["deep"]]


async def commit(activities: Activities, member_id: str, doc: dict[str, Any]) -> None:
    """A commitment as the sign-ups part keeps it."""
    await activities.runtime.db["commitments"].insert_one(
        {
            "_id": f"{member_id}:{doc['activity_id']}",
            "member_id": member_id,
            "activity_id": doc["activity_id"],
            "starts_at": datetime.fromisoformat(doc["starts_at"]),
            "ends_at": datetime.fromisoformat(doc["ends_at"]),
        }
    )


async def test_a_volunteers_upcoming_and_past_activities(activities: Activities) -> None:
    now = datetime.now(UTC)
    made = {}
    for activity_id, days in [("soon", 3), ("later", 10), ("gone", -5), ("long-ago", -40)]:
        starts = (now + timedelta(days=days)).replace(microsecond=0)
        made[activity_id] = await create(
            activities,
            activity_id=activity_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            publish=True,
        )
    await poke(activities, "soon", lambda d: d.update(volunteers=[volunteer("m1", "teacher", 1)]))
    waiting = [volunteer("m9", "helper", 1), volunteer("m1", "helper", 2, status="waitlisted")]
    await poke(activities, "later", lambda d: d.update(volunteers=waiting))
    attended = [{"member_id": "m1", "role_id": "teacher", "hours": 2.0, "approved_hours": 2.0}]
    await poke(activities, "gone", lambda d: d.update(attendance=attended, status="completed"))
    cancelled = [volunteer("m1", "teacher", 1, status="cancelled")]
    await poke(activities, "long-ago", lambda d: d.update(volunteers=cancelled))
    for activity_id in made:
        await commit(activities, "m1", made[activity_id])

    upcoming = await activities.call(
        commands.MEMBER_ACTIVITIES, commands.MemberActivities(member_id="m1", limit=1)
    )
    assert [i["activity_id"] for i in upcoming["items"]] == ["soon"]
    assert upcoming["items"][0]["mine"]["status"] == "confirmed"
    rest = await activities.call(
        commands.MEMBER_ACTIVITIES,
        commands.MemberActivities(member_id="m1", limit=1, cursor=upcoming["next_cursor"]),
    )
    assert [(i["activity_id"], i["mine"]["status"]) for i in rest["items"]] == [
        ("later", "waitlisted")
    ]
    assert rest["next_cursor"] is None
    past = await activities.call(
        commands.MEMBER_ACTIVITIES, commands.MemberActivities(member_id="m1", when="past")
    )
    # Only where they came or still hold a place: the cancelled sign-up is not theirs.
    assert [i["activity_id"] for i in past["items"]] == ["gone"]
    assert past["items"][0]["mine"]["approved_hours"] == 2.0


async def test_the_detail_shows_the_roster_masked_with_waitlists_in_order(
    activities: Activities,
) -> None:
    await create(activities, activity_id="clinic", publish=True, participant_capacity=2)
    await seed_member(activities, "m1", "QT000001", "王**")
    await seed_member(activities, "m2", "QT000002", "李**")
    people = [
        volunteer("m2", "teacher", 3, status="waitlisted"),
        volunteer("m1", "teacher", 1),
        volunteer("m3", "teacher", 2, status="waitlisted"),
    ]
    registered = [
        participant(1, 4, name="张三丰", phone="13812341234"),
        participant(2, 5, name="赵大妈", proxy=True, entered_by="user:v1"),
        participant(3, 7, name="钱老伯", status="waitlisted"),
        participant(4, 6, name="孙奶奶", status="waitlisted"),
    ]
    await poke(activities, "clinic", lambda d: d.update(volunteers=people, participants=registered))
    detail = await activities.call(
        commands.GET_ACTIVITY, commands.GetActivity(activity_id="clinic")
    )
    teacher = detail["roles"][0]
    assert [(v["member_id"], v["display_name"]) for v in teacher["confirmed"]] == [("m1", "王**")]
    assert [(v["member_id"], v["waitlist_position"]) for v in teacher["waitlist"]] == [
        ("m3", 1),
        ("m2", 2),
    ]
    shown = detail["participants"]
    assert [(p["display_name"], p["phone"], p["proxy"]) for p in shown["confirmed"]] == [
        ("张**", "138****1234", False),
        ("赵**", None, True),
    ]
    assert shown["confirmed"][1]["entered_by"] == "user:v1"
    assert [p["display_name"] for p in shown["waitlist"]] == ["孙**", "钱**"]
    text = str(detail)
    assert "13812341234" not in text and "张三丰" not in text
    assert "check_in_code" not in detail
