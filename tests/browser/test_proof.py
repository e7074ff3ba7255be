"""The volunteer service proof (志愿服务证明): printed from the console (only the proof on
paper) and downloaded as a PDF, both issued under the gateway's rule."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Stack, screenshot, sign_in_as
from tests.browser.test_org import org_world
from tests.e2e.conftest import new_account

pytestmark = pytest.mark.browser


async def test_the_proof_prints_alone_and_downloads_as_a_pdf(page: Page, stack: Stack) -> None:
    async with stack.http() as http:
        world = await org_world(http, stack.admin)
        member_id = world.member["id"]
        _, leader = await new_account(
            http, stack.admin, "惠管家队长", roles=["team_leader"], teams=[world.team_id]
        )
        refused = await http.get(f"/api/v1/members/{member_id}/proof.pdf", headers=leader)
    assert refused.status_code in (403, 404)  # team leaders do not issue proofs

    await sign_in_as(page, stack, stack.username, stack.password)
    await page.goto(f"{stack.url}/console/org/members/{member_id}")
    await page.get_by_role("link", name="打印志愿服务证明").click()
    await expect(page).to_have_url(re.compile(f"/org/members/{member_id}/proof$"))

    proof = page.get_by_role("article", name="志愿服务证明")
    await expect(proof.get_by_text(re.compile(r"^证明编号：QT-\d{4}-\d{6}$"))).to_be_visible()
    no = world.member["volunteer_no"]
    await expect(proof).to_contain_text(f"兹证明 张桂英（志愿者编号 {no}）于 2024-01-15 至")
    await expect(proof).to_contain_text("累计服务时长 100 小时")
    await expect(proof.get_by_role("row")).to_have_count(2 + 1 + 5)  # facts, header, entries
    await expect(proof).to_contain_text("经办人：街道管理员")
    await expect(proof).to_contain_text("出具单位：泉塘街道新时代文明实践所（盖章）")

    await page.emulate_media(media="print")
    await expect(page.locator("header.top")).to_be_hidden()
    await expect(page.get_by_role("button", name="打印")).to_be_hidden()
    await expect(proof).to_be_visible()
    await screenshot(page, "proof-desktop")
    await page.emulate_media(media="screen")
    await expect(page.locator("header.top")).to_be_visible()

    async with (
        page.expect_response(lambda r: "/proof.pdf" in r.url) as answered,
        page.expect_download() as downloading,
    ):
        await page.get_by_role("button", name="下载 PDF").click()
    response = await answered.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    download = await downloading.value
    assert re.fullmatch(r"志愿服务证明-QT-\d{4}-\d{6}\.pdf", download.suggested_filename)
    path = await download.path()
    assert path.read_bytes().startswith(b"%PDF-")
    await expect(page.get_by_role("status")).to_contain_text("已下载 志愿服务证明-QT-")
