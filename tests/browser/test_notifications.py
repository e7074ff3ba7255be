"""Notifications in the browser: a request recorded by someone else reaches the community
admin's inbox, the header's badge counts it, marking it read clears both; a rule's template
naming a variable the event lacks is refused beside the field; the delivery log filters by
status. Every page has its fields labelled and fits a phone."""

import secrets
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, Stack, screenshot, sign_in_as, unlabelled_fields
from tests.e2e.conftest import new_account
from tests.e2e.registry_helpers import community
from tests.waiting import eventually

pytestmark = pytest.mark.browser


async def unread(http: httpx.AsyncClient, who: dict[str, str]) -> int:
    answer = await http.get("/api/v1/notifications/unread-count", headers=who)
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["unread"]
    return count


async def fits_a_phone(page: Page) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{page.url} is {wide}px wide on a 375px phone"


async def test_a_new_request_reaches_the_inbox_and_the_badge_until_read(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        own = await community(http, stack.admin, "泉韵")
        password = secrets.token_urlsafe(12)
        account, ca = await new_account(
            http,
            stack.admin,
            "泉韵社区书记",
            password=password,
            roles=["community_admin"],
            communities=[own],
        )
        await sign_in_as(page, stack, account["username"], password)
        badge = page.get_by_test_id("unread-badge")
        await expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
        await expect(badge).to_have_count(0)

        # The subdistrict admin records a request in the community: its desk is told.
        title = f"楼道灯坏了 {secrets.token_hex(2)}"
        made = await http.post(
            "/api/v1/requests",
            headers=stack.admin,
            json={"kind": "repair", "title": title, "location": {"community_id": own}},
        )
        assert made.status_code == 201, made.text
        await eventually(lambda: unread(http, ca), lambda n: n == 1, what="one unread notice")

        # Opening the inbox (a page change) refreshes the badge.
        await page.locator('nav a[href="/console/inbox"]').click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("我的通知")
        await expect(badge.locator("[aria-hidden=true]")).to_have_text("1")
        # Screen readers hear the count with the link.
        await expect(page.get_by_role("link", name="通知 1 条未读")).to_be_visible()
        item = page.get_by_test_id("notification").filter(has_text=title)
        await expect(item).to_have_count(1)
        await expect(item.get_by_text("未读", exact=True)).to_be_visible()
        assert await unlabelled_fields(page) == []
        await screenshot(page, "inbox-desktop")
        await page.set_viewport_size(PHONE)
        await fits_a_phone(page)
        await screenshot(page, "inbox-phone")
        await page.set_viewport_size({"width": 1280, "height": 800})

        # Marked read (with the keyboard): the mark and the badge go, the API agrees.
        mark = item.get_by_role("button", name="标为已读")
        await mark.focus()
        await page.keyboard.press("Enter")
        await expect(item.get_by_text("未读", exact=True)).to_have_count(0)
        await expect(badge).to_have_count(0)
        assert await unread(http, ca) == 0
        # "Unread only" then shows nothing.
        await page.get_by_label("只看未读").check()
        await expect(page.get_by_text("暂无通知")).to_be_visible()


async def test_an_unknown_template_variable_is_refused_beside_the_field(
    page: Page, stack: Stack
) -> None:
    await sign_in_as(page, stack, stack.username, stack.password)
    await page.goto(f"{stack.url}/console/notify/rules")
    await expect(page.get_by_role("heading", level=1)).to_have_text("通知规则")
    await page.get_by_role("button", name="编辑 RequestCreated").click()
    await expect(page.get_by_role("heading", name="编辑规则：RequestCreated")).to_be_focused()
    # The variables are listed beside the templates.
    await expect(
        page.get_by_role("complementary").get_by_text("{{ title }}", exact=True)
    ).to_be_visible()

    body = page.get_by_label("正文").first  # the Chinese template's body
    await body.fill("{{ no_such_variable }}")
    await page.get_by_role("button", name="保存").click()
    alert = page.locator("#rule-zh-CN-body-error")
    await expect(alert).to_have_attribute("role", "alert")
    await expect(alert).to_contain_text("no_such_variable")
    await expect(body).to_have_attribute("aria-describedby", "rule-zh-CN-body-error")
    await expect(body).to_have_attribute("aria-invalid", "true")
    assert await unlabelled_fields(page) == []
    await screenshot(page, "rules-desktop")

    # Nothing was saved: the rule still has its default text.
    async with stack.http() as http:
        rule: Any = (
            await http.get("/api/v1/notify/rules/RequestCreated", headers=stack.admin)
        ).json()
    assert "no_such_variable" not in rule["templates"]["zh-CN"]["body"]

    # A good template saves, and the list says the rule was changed.
    await body.fill("{{ title }}（{{ community_name }}）")
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_role("status")).to_have_text("已保存")
    await expect(alert).to_have_count(0)
    row = page.get_by_role("row", name="RequestCreated")
    await expect(row).to_contain_text("已修改")

    await page.set_viewport_size(PHONE)
    await fits_a_phone(page)
    await screenshot(page, "rules-phone")


async def test_the_delivery_log_filters_failed_ones(page: Page, stack: Stack) -> None:
    await sign_in_as(page, stack, stack.username, stack.password)
    await page.goto(f"{stack.url}/console/notify/deliveries")
    await expect(page.get_by_role("heading", level=1)).to_have_text("发送记录")
    status = page.get_by_label("状态")
    async with page.expect_request(
        lambda r: "/api/v1/notify/deliveries" in r.url and "status=dead" in r.url
    ):
        await status.select_option("dead")
    await expect(page.get_by_text("暂无发送记录")).to_be_visible()
    assert await unlabelled_fields(page) == []
    await screenshot(page, "deliveries-desktop")
