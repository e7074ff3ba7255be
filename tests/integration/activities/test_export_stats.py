"""The attendance export (XLSX and CSV) and the monthly stats, for a small known world whose
sign-ups, attendance and completions are written straight into the documents."""

import base64
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import openpyxl
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
HEADER = [
    "类别",
    "岗位",
    "志愿者编号",
    "姓名",
    "电话",
    "状态",
    "签到",
    "签退",
    "时长(小时)",
    "核定时长(小时)",
    "代报名",
    "录入人",
]


async def health_day(activities: Activities) -> None:
    roles = [
        {"role_id": "bp", "name": "量血压", "head_count": 2, "required_skill": "medical"},
        {"role_id": "desk", "name": "登记", "head_count": 1},
    ]
    await create(
        activities,
        activity_id="clinic",
        activity_type="health_check",
        roles=roles,
        partner_unit_ids=["renai-clinic"],
        target_group="elders",
        participant_capacity=120,
        publish=True,
    )
    for n, name in [(1, "王**"), (2, "李**"), (3, "周**")]:
        await seed_member(activities, f"m{n}", f"QT00000{n}", name)
    people = [volunteer("m2", "desk", 2), volunteer("m1", "bp", 1), volunteer("m3", "bp", 3)]
    came = [
        {
            "member_id": "m1",
            "role_id": "bp",
            "checked_in_at": SATURDAY - timedelta(minutes=10),
            "checked_out_at": SATURDAY + timedelta(hours=2),
            "method": "code",
            "no_show": False,
            "hours": 2.0,
            "hours_source": "computed",
            "approved_hours": 2.0,
        },
        {"member_id": "m3", "role_id": "bp", "no_show": True, "hours": None},
        {"member_id": "m7", "role_id": "desk", "hours": 1.5, "method": "roster"},
    ]
    registered = [
        participant(n, 10 + n, name=f"老人{n}号", proxy=n % 3 == 0, entered_by="志愿者王**")
        for n in range(1, 106)
    ]
    registered[0]["phone"] = "13912345678"
    await poke(
        activities,
        "clinic",
        lambda d: d.update(volunteers=people, attendance=came, participants=registered),
    )


async def export(
    activities: Activities, fmt: Literal["xlsx", "csv"]
) -> tuple[dict[str, Any], list[list[str]]]:
    answer = await activities.call(
        commands.EXPORT_ATTENDANCE, commands.ExportAttendance(activity_id="clinic", format=fmt)
    )
    content = base64.b64decode(answer["content_base64"])
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # Excel opens the Chinese
        lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        assert sheet is not None
        lines = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    return answer, lines


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_the_attendance_export_lists_volunteers_then_participants_with_proxy_marks(
    activities: Activities, fmt: Literal["xlsx", "csv"]
) -> None:
    await health_day(activities)
    answer, lines = await export(activities, fmt)
    assert answer["filename"] == f"attendance-clinic.{fmt}"
    assert answer["rows"] == 4 + 105 == len(lines) - 1
    assert lines[0] == HEADER
    volunteers = [line[:10] for line in lines[1:5]]
    assert volunteers == [
        [
            "志愿者",
            "量血压",
            "QT000001",
            "王**",
            "",
            "已到",
            "2031-03-08 08:50",
            "2031-03-08 11:00",
            "2",
            "2",
        ],
        ["志愿者", "量血压", "QT000003", "周**", "", "缺席", "", "", "", ""],
        ["志愿者", "登记", "QT000002", "李**", "", "已报名", "", "", "", ""],
        ["志愿者", "登记", "", "", "", "已到", "", "", "1.5", ""],  # from a paper roster
    ]
    first, third = lines[5], lines[7]
    assert first[:6] == ["参与者", "", "", "老***", "139****5678", "已报名"]
    assert (first[10], third[10], third[11]) == ("", "是", "志愿者王**")
    assert sum(1 for line in lines if line[10] == "是") == 35
    assert "老人1号" not in str(lines) and "13912345678" not in str(lines)


def team(team_id: str, path: list[str]) -> TeamCreated:
    return TeamCreated(
        team=TeamView(
            team_id=team_id,
            name=team_id,
            community_id="quanyun",
            parent_id=path[-1] if path else None,
            path=path,
        )
    )


async def completed(
    activities: Activities,
    activity_id: str,
    starts: datetime,
    *,
    community: str = "quanyun",
    teams: list[str],
    approved: list[float | None],
    participants: int | None = None,
    status: str = "completed",
) -> None:
    await create(
        activities,
        activity_id=activity_id,
        community_id=community,
        organiser_team_ids=teams,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        publish=True,
    )
    came = [
        {"member_id": f"v{n}", "role_id": "teacher", "hours": hours or 3.0, "approved_hours": hours}
        for n, hours in enumerate(approved)
    ]
    registered = [participant(1, 1), participant(2, 2), participant(3, 3, status="waitlisted")]
    completion = None if participants is None else {"participant_count": participants}
    await poke(
        activities,
        activity_id,
        lambda d: d.update(
            status=status, attendance=came, participants=registered, completion=completion
        ),
    )


async def stats(activities: Activities, **scope: Any) -> list[dict[str, Any]]:
    answer = await activities.call(commands.ACTIVITY_STATS, commands.ActivityStats(**scope))
    return [
        {k: line[k] for k in ("month", "activities_completed", "volunteer_hours", "participants")}
        for line in answer["months"]
    ]


async def test_stats_per_month_for_the_subdistrict_a_community_and_a_team(
    activities: Activities,
) -> None:
    await activities.publish(team("wlh", []), subject="wlh")
    await activities.publish(team("wlh-kids", ["wlh"]), subject="wlh-kids")
    known = activities.runtime.db["teams"]
    await eventually(lambda: known.count_documents({}), lambda n: n == 2, what="teams")
    jan = datetime(2031, 1, 10, 1, 0, tzinfo=UTC)
    # 2031-01-31 17:00 UTC is 1 February 01:00 in Shanghai: February's.
    feb_first = datetime(2031, 1, 31, 17, 0, tzinfo=UTC)
    await completed(activities, "jan", jan, teams=["wlh"], approved=[2, 1.5, None], participants=12)
    await completed(activities, "feb-kids", feb_first, teams=["wlh-kids"], approved=[3])
    await completed(
        activities,
        "feb-lianhua",
        datetime(2031, 2, 15, 1, 0, tzinfo=UTC),
        community="lianhua",
        teams=["other"],
        approved=[4],
        participants=5,
    )
    await completed(
        activities,
        "feb-open",
        datetime(2031, 2, 20, 1, 0, tzinfo=UTC),
        teams=["wlh"],
        approved=[8],
        status="published",
    )
    assert await stats(activities) == [
        {"month": "2031-01", "activities_completed": 1, "volunteer_hours": 3.5, "participants": 12},
        {"month": "2031-02", "activities_completed": 2, "volunteer_hours": 7.0, "participants": 7},
    ]
    quanyun = [
        {"month": "2031-01", "activities_completed": 1, "volunteer_hours": 3.5, "participants": 12},
        {"month": "2031-02", "activities_completed": 1, "volunteer_hours": 3.0, "participants": 2},
    ]
    assert await stats(activities, community_id="quanyun") == quanyun
    assert await stats(activities, team_id="wlh") == quanyun
    assert await stats(activities, team_id="wlh-kids") == quanyun[1:]
    assert await stats(activities, month_from="2031-02") == [
        {"month": "2031-02", "activities_completed": 2, "volunteer_hours": 7.0, "participants": 7}
    ]
    totals = await activities.call(commands.ACTIVITY_STATS, commands.ActivityStats())
    assert totals["totals"] == {
        "activities_completed": 3,
        "volunteer_hours": 10.5,
        "participants": 19,
    }
    with pytest.raises(Invalid) as caught:
        await stats(activities, month_from="2031-03", month_to="2031-02")
    assert caught.value.details[0].loc == ["month_to"]
