"""The request loop in the console, as a community admin and a volunteer would click it: the
admin records a request for an elder (on her behalf, by phone), accepts it and dispatches it
to the volunteer the suggestions rank first (its reasons shown); the volunteer signs in on
their own browser, finds it in their requests, starts and resolves it; the admin's
follow-up call finds the elder satisfied: closed. The board shows it live, its month's
rates change; another community's admin sees nothing of it."""

import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Stack,
    screenshot,
    sign_in_as,
    unlabelled_fields,
)
from tests.e2e.conftest import Launch, new_account
from tests.e2e.registry_helpers import community, register
from tests.e2e.requests_world import ELDER_PHONE, unit
from tests.waiting import eventually
from tools.admin import create_admin, sign_in

pytestmark = pytest.mark.browser

TITLE = "独居老人需要陪诊"


@pytest.fixture
async def stack(launch: Launch) -> Stack:
    """As conftest's stack, but the follow-up call may come the day of the resolution: the
    test cannot wait for tomorrow (tests/e2e/test_requests_flow.py does the same)."""
    processes = [
        launch("registry"),
        launch("activities"),
        launch("requests", FOLLOW_UP_FROM_NEXT_DAY="false"),
        launch("notify"),
        launch("gateway"),
    ]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    username, password = "console_admin", "console-admin-password"
    create_admin(gateway.spec.env, username, password)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        admin = await sign_in(http, username, password)
    return Stack(gateway, admin, username, password)


async def account(http: httpx.AsyncClient, admin: dict[str, str], name: str, **scope: Any) -> str:
    """A new account's username (its password is PASSWORD)."""
    created, _ = await new_account(http, admin, name, password=PASSWORD, **scope)
    username: str = created["username"]
    return username


PASSWORD = "loop-" + secrets.token_hex(6)


@pytest.fixture
async def other_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        yield context
    finally:
        await context.close()


def dashboard_resolution_rate(page: Page) -> Locator:
    """The community's resolution rate in the numbers beside the dashboard's rates chart
    (columns: response, resolution, satisfaction rate, …)."""
    row = page.get_by_test_id("rates-chart").get_by_role("row").filter(has_text="景星社区")
    return row.get_by_role("cell").nth(1)


async def test_a_request_for_an_elder_from_intake_to_a_satisfied_follow_up(
    page: Page, context: BrowserContext, other_context: BrowserContext, stack: Stack
) -> None:
    async with stack.http() as http:
        admin = stack.admin
        own, other = await community(http, admin, "景星"), await community(http, admin, "星港")
        compound = await unit(http, admin, kind="compound", name="海德公元", parent_id=own)
        building = await unit(http, admin, kind="building", name="3栋", parent_id=compound)
        volunteer = await register(
            http,
            admin,
            own,
            "张桂英",
            skills=["elder_care"],
            home={"community_id": own, "compound_id": compound, "building_id": building},
        )
        ca = await account(
            http, admin, "景星社区书记", roles=["community_admin"], communities=[own]
        )
        stranger = await account(
            http, admin, "星港社区书记", roles=["community_admin"], communities=[other]
        )
        helper = await account(
            http, admin, "张桂英", roles=["volunteer"], member_id=volunteer["id"]
        )

        # The admin's board, open before the request exists: it must come by itself.
        board = page
        await sign_in_as(board, stack, ca, PASSWORD)
        await board.goto(f"{stack.url}/console/requests")
        await expect(board.get_by_role("heading", level=1)).to_have_text("居民诉求")
        submitted = board.locator('[data-status="submitted"]')
        closed = board.locator('[data-status="closed"]')
        await expect(submitted.get_by_role("heading")).to_contain_text("0 件")
        await expect(board.locator('[data-metric="resolution_rate"]')).to_have_text("—")
        assert await unlabelled_fields(board) == []

        # Intake in another tab: on behalf of an elder who phoned.
        desk = await context.new_page()
        await sign_in_as(desk, stack, ca, PASSWORD)  # lands on the dashboard
        resolution = dashboard_resolution_rate(desk)
        await expect(resolution).to_have_text("—")  # nothing due yet
        await desk.goto(f"{stack.url}/console/requests")
        await desk.get_by_role("link", name="登记诉求").click()
        await expect(desk.get_by_role("heading", level=1)).to_have_text("登记诉求")
        await desk.get_by_label("诉求类别").select_option(label="困难帮扶")
        await desk.get_by_label("需求").select_option(label="陪诊")  # the kind's extra field
        await desk.get_by_label("小区").select_option(label="海德公元")
        await desk.get_by_label("楼栋").select_option(label="3栋")
        await desk.get_by_label("标题").fill(TITLE)
        await desk.get_by_label("详细描述").fill("王奶奶下周二要去医院复查，子女不在身边")
        await desk.get_by_label("来源渠道").select_option(label="电话")
        await desk.get_by_label("紧急程度").select_option(label="紧急")
        await desk.get_by_label("居民姓名").fill("王秀英")
        await desk.get_by_label("居民电话").fill("12345")  # a wrong number: said beside it
        assert await unlabelled_fields(desk) == []
        await desk.get_by_role("button", name="提交登记").click()
        phone_field = desk.get_by_label("居民电话")
        await expect(phone_field).to_have_attribute("aria-invalid", "true")
        await expect(desk.locator("#e-resident_phone")).to_be_visible()
        await phone_field.fill(ELDER_PHONE)
        await desk.get_by_role("button", name="提交登记").click()
        await expect(desk.get_by_role("heading", level=1)).to_have_text(TITLE)
        await expect(desk).to_have_url(re.compile(r"/console/requests/(?!new$)[^/]+$"))
        request_id = desk.url.rsplit("/", 1)[-1]
        await expect(desk.get_by_test_id("request-status")).to_have_text("待受理")
        await expect(desk.get_by_test_id("resident")).to_have_text("王** 138****5678")

        # The board got it without reloading.
        await expect(submitted.get_by_role("link", name=TITLE)).to_be_visible()

        # 受理, then 派单 to the first suggestion: the volunteer, with the reasons.
        await desk.get_by_role("button", name="受理").click()
        await expect(desk.get_by_test_id("request-status")).to_have_text("已受理")
        await expect(desk.get_by_test_id("deadline")).to_contain_text("24:00")  # end of its day
        await eventually(  # the requests service has heard of the volunteer
            lambda: http.get(f"/api/v1/requests/{request_id}/suggestions", headers=admin),
            lambda r: volunteer["id"] in [s["id"] for s in r.json().get("items", [])],
            within=20,
            interval=0.5,
            what="the volunteer among the suggestions",
        )
        await desk.get_by_role("button", name="派单").click()
        first = desk.get_by_test_id("suggestion").first
        await expect(first).to_contain_text("张**")
        await expect(first).to_contain_text("技能对口：助老")
        await expect(first).to_contain_text("同一楼栋")
        await first.get_by_role("button", name="派给 张**").click()
        await expect(desk.get_by_test_id("request-status")).to_have_text("已派单")
        await expect(desk.get_by_test_id("handler")).to_have_text("志愿者 张**")

        # The volunteer, on their own browser: their requests, the elder's phone to call.
        mobile = await other_context.new_page()
        await sign_in_as(mobile, stack, helper, PASSWORD)
        await mobile.goto(f"{stack.url}/console/requests")
        mine = mobile.get_by_role("region", name="我的诉求")
        await mine.get_by_role("link", name=TITLE).click()
        await expect(mobile.get_by_test_id("resident")).to_have_text(f"王** {ELDER_PHONE}")
        await expect(mobile.get_by_role("button", name="受理")).to_have_count(0)
        await mobile.get_by_role("button", name="开始办理").click()
        await expect(mobile.get_by_test_id("request-status")).to_have_text("办理中")
        await mobile.get_by_role("button", name="办结").click()
        await mobile.get_by_label("办理情况").fill("陪王奶奶去医院复查，已送回家")
        await mobile.get_by_label("服务时长（小时）").fill("3")
        assert await unlabelled_fields(mobile) == []
        await mobile.get_by_role("button", name="提交").click()
        await expect(mobile.get_by_test_id("request-status")).to_have_text("已办结")

        # The admin's follow-up call: satisfied, closed.
        await desk.reload()
        await expect(desk.get_by_test_id("request-status")).to_have_text("已办结")
        await desk.get_by_role("button", name="回访").click()
        await desk.get_by_label("满意度").select_option(label="满意")
        await desk.get_by_role("button", name="提交").click()
        await expect(desk.get_by_test_id("request-status")).to_have_text("已关闭")
        steps = desk.get_by_test_id("timeline-entry")
        await expect(steps).to_have_count(5)  # accepted, dispatched, started, resolved, followed up
        await expect(steps.last).to_contain_text("回访")
        await screenshot(desk, "request-detail-desktop")

        # The board moved it by itself, and this month's rates changed.
        await expect(closed.get_by_role("link", name=TITLE)).to_be_visible()
        await expect(closed.get_by_role("heading")).to_contain_text("1 件")
        await expect(submitted.get_by_role("heading")).to_contain_text("0 件")
        await expect(board.locator('[data-metric="resolution_rate"]')).to_have_text("100%")
        await expect(board.locator('[data-metric="satisfaction_rate"]')).to_have_text("100%")
        await screenshot(board, "requests-board-desktop")
        await board.set_viewport_size(PHONE)
        wide = await board.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], f"the board is {wide}px wide on a 375px phone"
        await screenshot(board, "requests-board-phone")

        # The dashboard's rates for the community changed too.
        await desk.goto(f"{stack.url}/console/")
        await expect(resolution).to_have_text("100%")

        # A wish on the wall, for its screenshot.
        made = await http.post(
            "/api/v1/wishes",
            headers=admin,
            json={
                "title": "想要一台收音机",
                "description": "李爷爷眼睛不好，想听戏曲",
                "location": {"community_id": own},
                "resident_name": "李建华",
            },
        )
        assert made.status_code == 201, made.text
        await desk.goto(f"{stack.url}/console/wishes")
        pending = desk.get_by_test_id("wish-pending")
        await pending.get_by_role("button", name="发布", exact=True).click()
        await expect(desk.get_by_test_id("wish").filter(has_text="想要一台收音机")).to_contain_text(
            "待认领"
        )
        assert await unlabelled_fields(desk) == []
        await screenshot(desk, "wishes-desktop")

        # Another community's admin: not on their board, and its page is not found.
        stranger_page = await other_context.new_page()
        await sign_in_as(stranger_page, stack, stranger, PASSWORD)
        await stranger_page.goto(f"{stack.url}/console/requests")
        await expect(
            stranger_page.locator('[data-status="closed"]').get_by_role("heading")
        ).to_contain_text("0 件")
        await expect(stranger_page.get_by_role("link", name=TITLE)).to_have_count(0)
        await stranger_page.goto(f"{stack.url}/console/requests/{request_id}")
        await expect(stranger_page.get_by_role("alert")).to_have_text(
            "找不到这条诉求，或您无权查看。"
        )
