"""The console's shell: sign-in, the menu by role, the language switch, keyboard use and
labels, at desktop and phone width."""

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, Stack, screenshot, sign_in_as, unlabelled_fields

pytestmark = pytest.mark.browser


async def test_sign_in_then_the_dashboard_in_chinese_then_english(page: Page, stack: Stack) -> None:
    await page.goto(f"{stack.url}/console/")  # before signing in
    await expect(page).to_have_url(f"{stack.url}/console/login?next=/")
    assert await unlabelled_fields(page) == []
    await screenshot(page, "login-desktop")

    # Keyboard only: the skip link first, then the fields, then the button.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    await page.get_by_label("用户名").focus()
    await page.keyboard.type(stack.username)
    await page.keyboard.press("Tab")
    await page.keyboard.type(stack.password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{stack.url}/console/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    nav = page.get_by_role("navigation")
    await expect(nav.get_by_role("link", name="通知规则")).to_be_visible()

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    assert await page.evaluate("document.documentElement.lang") == "en"
    await page.get_by_role("button", name="中文").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("工作台")


async def test_a_wrong_password_is_said_and_the_phone_layout_fits(page: Page, stack: Stack) -> None:
    await page.set_viewport_size(PHONE)
    await page.goto(f"{stack.url}/console/login")
    await page.get_by_label("用户名").fill(stack.username)
    await page.get_by_label("密码").fill("not-the-password")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确")
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"the page is {wide}px wide on a 375px phone"
    await sign_in_as(page, stack, stack.username, stack.password)
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"the dashboard is {wide}px wide on a 375px phone"
    await screenshot(page, "dashboard-phone")


async def test_at_125_percent_zoom_and_by_keyboard_alone(page: Page, stack: Stack) -> None:
    # 125% zoom on a 1280-px screen lays the page out in 1024 CSS pixels.
    await page.set_viewport_size({"width": 1024, "height": 640})
    await sign_in_as(page, stack, stack.username, stack.password)
    for path in ("/console/", "/console/requests", "/console/activities", "/console/org"):
        await page.goto(f"{stack.url}{path}")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 1024, f"{path} is {wide}px wide at 125% zoom"
        assert await unlabelled_fields(page) == [], path

    # From the dashboard to the requests board with the keyboard: Tab to the link, Enter.
    await page.goto(f"{stack.url}/console/")
    target = page.get_by_role("navigation").get_by_role("link", name="居民诉求")
    for _ in range(15):
        await page.keyboard.press("Tab")
        if await target.evaluate("el => el === document.activeElement"):
            break
    await expect(target).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{stack.url}/console/requests")
    await expect(page.get_by_role("heading", level=1)).to_have_text("居民诉求")


async def test_a_lapsed_session_signs_in_again_and_returns_to_the_page(
    page: Page, stack: Stack
) -> None:
    await sign_in_as(page, stack, stack.username, stack.password)
    # Both tokens no longer valid (as after a long lunch, or a revoked session).
    await page.evaluate(
        """() => {
            const s = JSON.parse(sessionStorage.getItem("redvest.session"));
            s.access = "expired"; s.refresh = "revoked";
            sessionStorage.setItem("redvest.session", JSON.stringify(s));
        }"""
    )
    await page.goto(f"{stack.url}/console/requests?kind=repair")
    await expect(page).to_have_url(f"{stack.url}/console/login?next=%2Frequests%3Fkind%3Drepair")
    await page.get_by_label("用户名").fill(stack.username)
    await page.get_by_label("密码").fill(stack.password)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{stack.url}/console/requests?kind=repair")
    await expect(page.get_by_role("heading", level=1)).to_have_text("居民诉求")
