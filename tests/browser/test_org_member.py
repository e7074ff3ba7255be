"""The member page: hours, star level and points as the API has them, the record and the
points statement; at desktop and phone width; a team leader reads it but issues no proof."""

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, Stack, screenshot, sign_in_as
from tests.browser.test_org import org_world
from tests.e2e.conftest import new_account

pytestmark = pytest.mark.browser


async def test_the_member_page_shows_the_hours_star_and_points_the_api_has(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        world = await org_world(http, stack.admin)
        member_id = world.member["id"]
        api = (await http.get(f"/api/v1/members/{member_id}", headers=stack.admin)).json()
        leader_password = "leader-password-1"
        leader, _ = await new_account(
            http,
            stack.admin,
            "先锋队长",
            password=leader_password,
            roles=["team_leader"],
            teams=[world.team_id],
        )
    assert (api["total_hours"], api["star_level"], api["points_balance"]) == (100, 1, 1000)

    await sign_in_as(page, stack, stack.username, stack.password)
    await page.goto(f"{stack.url}/console/org/members")
    await page.get_by_label("社区").select_option(world.community)
    await page.get_by_label("姓名（开头）").fill("张")
    await page.get_by_role("button", name="搜索").click()
    await expect(page.get_by_text("共 1 人")).to_be_visible()
    await page.get_by_role("link", name=world.member["volunteer_no"]).click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"志愿者 {world.member['volunteer_no']} 张**"
    )
    await expect(page.get_by_test_id("total-hours")).to_have_text("100")
    await expect(page.get_by_test_id("star-level")).to_have_text("★")
    await expect(page.get_by_test_id("points-balance")).to_have_text("1,000")
    record = page.get_by_role("table").first
    await expect(record.get_by_role("row")).to_have_count(6)  # the header and five entries
    await expect(record.get_by_role("row").nth(1)).to_contain_text("助老送餐 第5期")
    await expect(page.get_by_text("期初 0，存入 1000，兑换 0，余额 1000")).to_be_visible()
    await expect(page.get_by_text("景星社区 海德公元 3栋 2单元")).to_be_visible()
    await expect(page.get_by_role("link", name="先锋")).to_be_visible()
    await screenshot(page, "member-desktop")

    await page.set_viewport_size(PHONE)
    await expect(page.get_by_test_id("total-hours")).to_be_visible()
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"the member page is {wide}px wide on a 375px phone"
    await screenshot(page, "member-phone")

    # A team leader of 惠管家 (the member's 先锋 is under it) reads the page, without proofs.
    await page.get_by_role("button", name="退出").click()
    await sign_in_as(page, stack, leader["username"], leader_password)
    await page.goto(f"{stack.url}/console/org/members/{member_id}")
    await expect(page.get_by_test_id("total-hours")).to_have_text("100")
    await expect(page.get_by_role("button", name="下载 PDF")).to_have_count(0)
    await expect(page.get_by_role("link", name="打印志愿服务证明")).to_have_count(0)
