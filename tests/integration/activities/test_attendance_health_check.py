"""A health-check day with a partner clinic as co-organiser: over a hundred elders, most
registered by proxy by volunteers (for those without a phone); the attendance export lists
them with proxy marks and who entered them; the doctors' hours come from a paper roster."""

import asyncio
import base64
import csv
import io
from datetime import timedelta

import pytest

from shared.contracts.commands import activities as commands
from shared.contracts.events.activities import ActivityCompleted, ParticipantRegistered
from tests.integration.activities.conftest import Activities
from tests.integration.activities.signup_support import (
    get_activity,
    movable_clock,
    next_saturday_9am,
    published_activity,
    register_members,
    role,
)

pytestmark = pytest.mark.integration

DOCTORS = ["doctor-1", "doctor-2", "doctor-3"]
HELPERS = ["helper-1", "helper-2"]
PROXIES = 80
SELF = 30


async def test_health_check_day_with_elders_by_proxy(
    activities: Activities, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = next_saturday_9am()
    clock = movable_clock(monkeypatch, starts - timedelta(days=2))
    await register_members(activities, DOCTORS, skills=("medical",))
    await register_members(activities, HELPERS)
    await published_activity(
        activities,
        "health-day",
        starts,
        hours=4,
        activity_type="health_check",
        target_group="elders",
        partner_unit_ids=["clinic-renai"],
        roles=[role("bp", 3, "medical", name="量血压"), role("guide", 2, name="引导")],
        participant_capacity=150,
    )
    for member_id, role_id in [*((d, "bp") for d in DOCTORS), *((h, "guide") for h in HELPERS)]:
        await activities.call(
            commands.SIGN_UP,
            commands.SignUp(activity_id="health-day", member_id=member_id, role_id=role_id),
        )

    # Volunteers register elders without a phone by proxy; others register themselves.
    async def by_proxy(n: int) -> None:
        helper = HELPERS[n % 2]
        await activities.call(
            commands.REGISTER_PARTICIPANT,
            commands.RegisterParticipant(activity_id="health-day", name=f"张老{n:03d}", proxy=True),
            actor=f"user:{helper}",
            name=f"{helper}的账号",
        )

    async def themselves(n: int) -> None:
        await activities.call(
            commands.REGISTER_PARTICIPANT,
            commands.RegisterParticipant(
                activity_id="health-day", name=f"李老{n:03d}", phone=f"1390000{n:04d}"
            ),
            actor=f"user:elder-{n}",
        )

    for start in range(0, PROXIES, 20):  # in bursts, as a morning of registrations comes in
        await asyncio.gather(*(by_proxy(n) for n in range(start, min(start + 20, PROXIES))))
    await asyncio.gather(*(themselves(n) for n in range(SELF)))
    registered = await activities.events.wait_for(ParticipantRegistered, count=PROXIES + SELF)
    assert sum(e.proxy for e in registered) == PROXIES
    assert {e.entered_by for e in registered if e.proxy} == {"user:helper-1", "user:helper-2"}
    assert all(e.status == "confirmed" for e in registered)

    detail = await get_activity(activities, "health-day")
    roster = detail["participants"]["confirmed"]
    assert len(roster) == PROXIES + SELF
    proxied = [p for p in roster if p["proxy"]]
    assert len(proxied) == PROXIES and all(p["phone"] is None for p in proxied)
    assert {p["display_name"] for p in proxied} == {"张****"}  # masked

    # The doctors' hours from the paper list the clinic kept; one helper never came.
    clock.at = starts + timedelta(hours=5)
    await activities.call(
        commands.ENTER_ROSTER,
        commands.EnterRoster(
            activity_id="health-day",
            lines=[
                *(commands.RosterLine(member_id=d, hours=4.0) for d in DOCTORS),
                commands.RosterLine(
                    member_id="helper-1",
                    checked_in_at=starts - timedelta(minutes=30),
                    checked_out_at=starts + timedelta(hours=3, minutes=50),
                ),
                commands.RosterLine(member_id="helper-2", no_show=True),
            ],
        ),
        actor="user:leader",
    )
    export = await activities.call(
        commands.EXPORT_ATTENDANCE,
        commands.ExportAttendance(activity_id="health-day", format="csv"),
    )
    text = base64.b64decode(export["content_base64"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    elders = [r for r in rows if r["类别"] == "参与者"]
    assert len(elders) == PROXIES + SELF
    marked = [r for r in elders if r["代报名"] == "是"]
    assert len(marked) == PROXIES
    assert {r["录入人"] for r in marked} == {"helper-1的账号", "helper-2的账号"}
    assert {r["电话"][:7] for r in elders} == {"", "139****"}  # phones masked
    hours = {r["志愿者编号"]: r["时长(小时)"] for r in rows if r["类别"] == "志愿者"}
    assert hours == {
        "QT-doctor-1": "4",
        "QT-doctor-2": "4",
        "QT-doctor-3": "4",
        "QT-helper-1": "4.5",  # 4 h 20 min: to the nearest half hour
        "QT-helper-2": "0",
    }

    await activities.call(
        commands.COMPLETE_ACTIVITY,
        commands.CompleteActivity(activity_id="health-day", summary="为110位老人量了血压"),
    )
    completed = (await activities.events.wait_for(ActivityCompleted))[0]
    assert {v.member_id: v.hours for v in completed.volunteers} == {
        "doctor-1": 4.0,
        "doctor-2": 4.0,
        "doctor-3": 4.0,
        "helper-1": 4.5,
    }
    assert completed.participant_count == PROXIES + SELF
