"""The console in headless Chromium (Debian's `chromium`, never a downloaded browser), driven
by Playwright, against the real processes (tests/e2e/conftest.py's `launch`).

Without Chromium these tests are skipped, saying so (`.ci/run` installs it). Screenshots go
to test-artifacts/screenshots/ (not committed; the best are copied to docs/screenshots/).
"""

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.e2e.conftest import RunningProcess
from tests.e2e.conftest import launch as launch  # the fixture, for these tests too
from tools.admin import create_admin, sign_in

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("RV_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Headless on a closed network: no background connections that would be refused anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HAVE_CHROMIUM = Path(CHROMIUM).is_file()
CONSOLE_BUILT = (ROOT / "console" / "dist" / "index.html").is_file()
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
SERVICES = ("registry", "activities", "requests", "notify", "gateway")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        pytest.skip(f"Chromium is not installed ({CHROMIUM}): apt install chromium; .ci/run does")
    if not CONSOLE_BUILT:
        pytest.fail("the console is not built: run `make console`")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Stack:
    gateway: RunningProcess
    admin: dict[str, str]  # headers of a fresh subdistrict admin
    username: str
    password: str

    @property
    def url(self) -> str:
        return self.gateway.base_url

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=15)


@pytest.fixture
async def stack(launch: Any) -> Stack:
    """Every service and the gateway, and a subdistrict admin made with the real CLI."""
    processes = [launch(name) for name in SERVICES]
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    username, password = "console_admin", "console-admin-password"
    create_admin(gateway.spec.env, username, password)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        admin = await sign_in(http, username, password)
    return Stack(gateway, admin, username, password)


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


async def sign_in_as(page: Page, stack: Stack, username: str, password: str) -> None:
    await page.goto(f"{stack.url}/console/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: "/login" not in url)


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def unlabelled_fields(page: Page) -> list[str]:
    """Form fields with no label a screen reader would read (a <label>, aria-label or
    aria-labelledby)."""
    found: list[str] = await page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden')
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    return found
