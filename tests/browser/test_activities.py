"""The activities' pages in the browser: a team leader sees their team's calendar (a month
grid on a desktop, a list on a phone), plans an activity (bad input shown beside the fields),
and, for an activity whose volunteers signed up, enters the paper roster, approves the hours
and completes it: the volunteer who came is credited 2 h in the registry, once."""

import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Stack, screenshot, sign_in_as, unlabelled_fields
from tests.e2e.conftest import new_account
from tests.e2e.registry_helpers import community, join, register, team
from tests.waiting import eventually

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Sign-ups close when the activity starts, the roster opens then: the sign-ups take a few
# seconds on a loaded machine; the browser shows the calendar meanwhile.
LEAD = timedelta(seconds=12)


async def leader_of_a_team(http: httpx.AsyncClient, stack: Stack) -> dict[str, Any]:
    """A community, a team with its leader's account (tied to a member) and two members."""
    admin = stack.admin
    own = await community(http, admin, "景星")
    team_id = (await team(http, admin, "惠管家", community_id=own))["id"]
    leader_member = (await register(http, admin, own, "王建军"))["id"]
    came = (await register(http, admin, own, "张桂英"))["id"]
    absent = (await register(http, admin, own, "刘志强"))["id"]
    await join(http, admin, team_id, leader_member, "leader")
    for member in (came, absent):
        await join(http, admin, team_id, member, "member")
    password = secrets.token_urlsafe(12)
    account, headers = await new_account(
        http,
        admin,
        "惠管家队长",
        password=password,
        roles=["team_leader"],
        teams=[team_id],
        member_id=leader_member,
    )
    return {
        "community": own,
        "team": team_id,
        "came": came,
        "absent": absent,
        "username": account["username"],
        "password": password,
        "headers": headers,
    }


async def total_hours(http: httpx.AsyncClient, stack: Stack, member_id: str) -> float:
    answer = await http.get(f"/api/v1/members/{member_id}/record", headers=stack.admin)
    assert answer.status_code == 200, answer.text
    hours: float = answer.json()["total_hours"]
    return hours


async def test_a_team_leader_enters_a_paper_roster_and_the_hours_are_credited_once(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        world = await leader_of_a_team(http, stack)
        leader = world["headers"]
        before = await total_hours(http, stack, world["came"])

        starts_at = datetime.now(UTC) + LEAD
        made = await http.post(
            "/api/v1/activities",
            headers=leader,
            json={
                "title": "小小植物学家",
                "activity_type": "science_class",
                "community_id": world["community"],
                "place": "社区活动室",
                "starts_at": starts_at.isoformat(),
                "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
                "target_group": "children",
                "organiser_team_ids": [world["team"]],
                "roles": [{"role_id": "teacher", "name": "讲解员", "head_count": 2}],
                "participant_capacity": 20,
                "publish": True,
            },
        )
        assert made.status_code == 201, made.text
        activity_id = made.json()["activity_id"]
        url = f"/api/v1/activities/{activity_id}"

        async def sign_up(member: str) -> httpx.Response:
            return await http.post(
                url + "/signups", headers=leader, json={"member_id": member, "role_id": "teacher"}
            )

        for member in (world["came"], world["absent"]):
            signed = await eventually(
                partial(sign_up, member),
                lambda r: r.status_code != 422,
                what="the activities service to know the member",
            )
            assert signed.status_code == 201, signed.text
            assert signed.json()["status"] == "confirmed"

        # The team's calendar, while the activity has not started yet.
        await sign_in_as(page, stack, world["username"], world["password"])
        month = starts_at.astimezone(SHANGHAI).strftime("%Y-%m")
        await page.goto(f"{stack.url}/console/activities?month={month}")
        await expect(page.get_by_role("heading", level=1)).to_have_text("活动日历")
        grid = page.get_by_role("table")
        link = grid.get_by_role("link", name=re.compile("小小植物学家"))
        await expect(link).to_be_visible()
        assert await unlabelled_fields(page) == []
        await screenshot(page, "activities-calendar-desktop")
        await page.set_viewport_size(PHONE)
        await expect(grid).to_be_hidden()
        await expect(page.get_by_role("link", name="小小植物学家")).to_be_visible()
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], f"the calendar is {wide}px wide on a 375px phone"
        await screenshot(page, "activities-calendar-phone")
        await page.set_viewport_size(DESKTOP)
        await link.click()

        # The detail: both volunteers on the role; the roster opens once it has started.
        await expect(page.get_by_role("heading", level=1)).to_have_text("小小植物学家")
        await expect(page.get_by_text("2 / 2").first).to_be_visible()
        roster = page.get_by_role("heading", name="录入纸质签到表")
        await expect(roster).to_be_visible(timeout=40_000)
        assert await unlabelled_fields(page) == []

        came = page.get_by_role("group", name=re.compile("^张"))
        await came.get_by_label("出勤").select_option(label="到场")
        await came.get_by_label("服务时长（小时）").fill("2")
        absent = page.get_by_role("group", name=re.compile("^刘"))
        await absent.get_by_label("出勤").select_option(label="未到场")
        await screenshot(page, "activity-detail-desktop")
        await page.get_by_role("button", name="保存签到表").click()
        await expect(page.get_by_role("status")).to_have_text("已录入 2 人的出勤。")

        # Approve the hours as entered: 2 h for one, 0 for the one who did not come.
        approval = page.get_by_role("spinbutton", name=re.compile("^张.*的服务时长"))
        await expect(approval).to_have_value("2")
        await page.get_by_role("button", name="审核通过").click()
        await expect(page.get_by_role("status")).to_have_text("已审核 2 人的时长。")

        await page.get_by_label("活动小结").fill("孩子们认识了二十种植物")
        await page.get_by_label("参加居民人数").fill("15")
        await page.get_by_role("button", name="结项").click()
        await expect(page.get_by_role("status")).to_contain_text("活动已结项")
        await expect(page.get_by_text("已完成", exact=True)).to_be_visible()
        await expect(page.get_by_text("孩子们认识了二十种植物")).to_be_visible()
        await expect(page.get_by_role("heading", name="录入纸质签到表")).to_have_count(0)

        await page.set_viewport_size(PHONE)
        await expect(page.get_by_role("heading", name="签到与时长")).to_be_visible()
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], f"the activity is {wide}px wide on a 375px phone"
        await page.set_viewport_size(DESKTOP)

        # The registry credits the 2 h once: the volunteer's member page shows them (reloaded
        # until they are there), and still 2 h, not 4, after two more reloads.
        shown = page.get_by_test_id("total-hours")

        async def member_page() -> str:
            await page.goto(f"{stack.url}/console/org/members/{world['came']}")
            await expect(shown).to_be_visible()
            return await shown.inner_text()

        expected = f"{before + 2:g}"
        await eventually(member_page, lambda text: text == expected, within=30, what="2 h shown")
        for _ in range(2):
            await page.reload()
            await expect(shown).to_have_text(expected)
        assert await total_hours(http, stack, world["came"]) == before + 2
        record = await http.get(f"/api/v1/members/{world['came']}/record", headers=stack.admin)
        sources = [e["source_id"] for e in record.json()["entries"]]
        assert sources.count(activity_id) == 1, sources
        assert await total_hours(http, stack, world["absent"]) == 0.0


async def test_planning_an_activity_shows_bad_input_beside_the_fields_then_publishes(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        world = await leader_of_a_team(http, stack)
    await sign_in_as(page, stack, world["username"], world["password"])
    await page.goto(f"{stack.url}/console/activities")
    await page.get_by_role("link", name="新建活动").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("新建活动")
    await expect(page.get_by_label("主办队伍")).to_have_value(world["team"])
    assert await unlabelled_fields(page) == []

    # Nothing filled in: each required field says so, beside it.
    await page.get_by_role("button", name="保存并发布").click()
    await expect(page.get_by_role("alert").filter(has_text="必填")).to_have_count(5)

    # The server's 422 (a role for nobody) beside its field.
    await page.get_by_label("活动名称").fill("防诈骗快板宣讲")
    await page.get_by_label("活动类型").select_option("clapper_talk_show")
    await page.get_by_label("活动地点").fill("社区广场")
    await page.get_by_label("开始时间").fill("2030-05-11T09:00")
    await page.get_by_label("结束时间").fill("2030-05-11T11:00")
    await page.get_by_label("岗位名称").fill("演员")
    await page.get_by_label("需要人数").fill("0")
    await page.get_by_role("button", name="保存并发布").click()
    count_error = page.locator("#role-count-0 + [role=alert]")
    await expect(count_error).to_be_visible()

    await page.get_by_label("需要人数").fill("3")
    await page.get_by_role("button", name="保存并发布").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("防诈骗快板宣讲")
    await expect(page.get_by_text("已发布", exact=True)).to_be_visible()
    await expect(page.get_by_text("2030年5月11日 09:00 – 11:00", exact=True)).to_be_visible()
