"""The dashboard in the browser: a community admin sees their community's requests due
soon, this month's activities, the three rates, volunteer hours by team and stars, each with
the numbers the API gives; a request accepted elsewhere appears without reloading; the page
fits a phone."""

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, Stack, screenshot, sign_in_as, unlabelled_fields
from tests.e2e.conftest import new_account
from tests.e2e.registry_helpers import community, register, team
from tests.waiting import eventually

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


def percent(rate: float | None) -> str:
    """As the console shows a rate (Intl percent, at most one decimal)."""
    return "—" if rate is None else f"{round(rate * 100, 1):g}%"


def hours(value: float) -> str:
    return f"{round(value, 1):g}"


def this_month_slot() -> tuple[str, str]:
    """Start and end of an activity later this month (Shanghai), an hour long."""
    now = datetime.now(SHANGHAI)
    start = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    if start.month != now.month:  # the month's last day: later today instead
        start = now + timedelta(minutes=20)
    return start.isoformat(), (start + timedelta(minutes=30)).isoformat()


async def emergency(http: httpx.AsyncClient, who: dict[str, str], where: str, title: str) -> str:
    """An emergency recorded and accepted: due at 24:00 today, so within 24 hours."""
    made = await http.post(
        "/api/v1/requests",
        headers=who,
        json={"kind": "emergency", "title": title, "location": {"community_id": where}},
    )
    assert made.status_code == 201, made.text
    request_id: str = made.json()["id"]
    accepted = await http.post(f"/api/v1/requests/{request_id}/accept", headers=who)
    assert accepted.status_code == 200, accepted.text
    return request_id


async def api(http: httpx.AsyncClient, who: dict[str, str], path: str, **query: Any) -> Any:
    answer = await http.get(path, headers=who, params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_community_admin_sees_their_numbers_and_a_new_request_arrives_live(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        own = await community(http, stack.admin, "景星")
        password = secrets.token_urlsafe(12)
        account, ca = await new_account(
            http,
            stack.admin,
            "景星社区书记",
            password=password,
            roles=["community_admin"],
            communities=[own],
        )
        squad = (await team(http, ca, "3栋志愿队", community_id=own))["id"]
        member = (await register(http, ca, own, "刘志强"))["id"]
        joined = await http.post(
            f"/api/v1/teams/{squad}/members",
            headers=ca,
            json={"member_id": member, "role": "member"},
        )
        assert joined.status_code == 200, joined.text
        first = await emergency(http, ca, own, "燃气味很重，请速来")
        plain = await http.post(
            "/api/v1/requests",
            headers=ca,
            json={"kind": "repair", "title": "楼道灯坏了", "location": {"community_id": own}},
        )
        assert plain.status_code == 201, plain.text
        starts, ends = this_month_slot()
        made = await eventually(
            lambda: http.post(
                "/api/v1/activities",
                headers=ca,
                json={
                    "title": "楼道清扫",
                    "activity_type": "clean_up",
                    "community_id": own,
                    "place": "3栋楼下",
                    "starts_at": starts,
                    "ends_at": ends,
                    "organiser_team_ids": [squad],
                    "roles": [{"role_id": "sweep", "name": "清扫", "head_count": 3}],
                },
            ),
            lambda r: r.status_code == 201,
            what="the activity created once the activities service knows the team",
        )
        assert made.status_code == 201, made.text

        metrics = (await api(http, ca, "/api/v1/requests/metrics", community_id=own))["total"]
        assert metrics["submitted"] == 2 and metrics["response_rate"] == 0.5, metrics
        stars = (await api(http, ca, "/api/v1/registry/stats", community_id=own))["totals"]
        month = datetime.now(SHANGHAI).strftime("%Y-%m")
        team_stats = await api(
            http,
            ca,
            "/api/v1/activities/stats",
            team_id=squad,
            month_from=f"{month[:4]}-01",
            month_to=month,
        )
        overdue = await api(http, ca, "/api/v1/requests", community_id=own, overdue="true")

        await sign_in_as(page, stack, account["username"], password)
        await expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
        await expect(page.get_by_text("我的社区：景星社区")).to_be_visible()

        # Due today: the accepted emergency, linked to its page; nothing overdue yet.
        near = page.get_by_role("region", name="24 小时内到期的诉求")
        await expect(near.get_by_test_id("near-count")).to_have_text("即将到期：1 件")
        link = near.get_by_role("link", name="燃气味很重，请速来")
        await expect(link).to_have_attribute("href", f"/console/requests/{first}")
        overdue_box = page.get_by_role("region", name="已超时的诉求")
        await expect(overdue_box.get_by_test_id("overdue-count")).to_have_text(
            f"已超时：{len(overdue['items'])} 件"
        )
        # This month's activity.
        activities = page.get_by_role("region", name="本月活动")
        await expect(activities.get_by_role("link", name="楼道清扫")).to_be_visible()

        # The three rates with the numbers beside the chart: as the API answers.
        rates = page.get_by_role("figure", name="各社区的响应率、办结率、满意率（近 12 个月）")
        row = rates.get_by_role("row", name="景星社区")
        cells = row.get_by_role("cell")
        await expect(cells).to_have_text(
            [
                percent(metrics["response_rate"]),
                percent(metrics["resolution_rate"]),
                percent(metrics["satisfaction_rate"]),
                str(metrics["submitted"]),
                str(metrics["overdue"]),
            ]
        )
        # Hours by team and stars, each as the API counts them.
        hours_row = page.get_by_role("figure", name=f"各队伍的志愿服务时长（{month[:4]} 年，小时）")
        await expect(
            hours_row.get_by_role("row", name="3栋志愿队").get_by_role("cell")
        ).to_have_text(
            [
                hours(team_stats["totals"]["volunteer_hours"]),
                str(team_stats["totals"]["activities_completed"]),
            ]
        )
        star_rows = page.get_by_role("figure", name="达到各星级的志愿者人数").get_by_role("row")
        for level in range(1, 6):
            await expect(star_rows.filter(has_text=f"{level} 星").get_by_role("cell")).to_have_text(
                str(stars["by_star_level"][str(level)])
            )
        assert await unlabelled_fields(page) == []
        await screenshot(page, "dashboard-desktop")

        # Live: another emergency accepted through the API appears without a reload.
        await emergency(http, ca, own, "老人家中停电")
        await expect(near.get_by_test_id("near-count")).to_have_text("即将到期：2 件")
        await expect(near.get_by_role("link", name="老人家中停电")).to_be_visible()

        # English, with the same numbers.
        await page.get_by_role("button", name="English").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        near_en = page.get_by_role("region", name="Requests due within 24 hours")
        await expect(near_en.get_by_test_id("near-count")).to_have_text("Due soon: 2")
        await page.get_by_role("button", name="中文").click()

        # A phone: no sideways scrolling, the charts stacked over their numbers.
        await page.set_viewport_size(PHONE)
        await expect(rates.get_by_role("row", name="景星社区")).to_be_visible()
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], f"the dashboard is {wide}px wide on a 375px phone"
        await screenshot(page, "dashboard-phone")
