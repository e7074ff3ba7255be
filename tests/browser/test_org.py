"""The organisation pages: the "1+3+N" tree, teams and sub-squads, registering a member (a
422 beside its field first), and a roster import with its row report."""

import io
import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from playwright.async_api import FilePayload, Page, expect

from tests.browser.conftest import Stack, screenshot, sign_in_as, unlabelled_fields
from tests.e2e.registry_helpers import join, register, resident_id, team
from tests.e2e.requests_world import unit

pytestmark = pytest.mark.browser


@dataclass
class OrgWorld:
    community: str  # 景星社区's id
    compound: str
    member: dict[str, Any]  # 张桂英, 100 h from paper records (1★), in the 先锋 sub-squad
    team_id: str  # 惠管家
    squad_id: str  # its 先锋 sub-squad


async def org_world(http: httpx.AsyncClient, admin: dict[str, str]) -> OrgWorld:
    """A community with a compound and its "3", a building with its head, a team with a
    sub-squad, and a volunteer with five paper records: all through the gateway."""
    community = "c" + secrets.token_hex(4)
    await unit(http, admin, kind="community", unit_id=community, name="景星社区")
    secretary = (await register(http, admin, community, "王明"))["id"]
    compound = await unit(
        http,
        admin,
        kind="compound",
        name="海德公元",
        parent_id=community,
        party_branch={"name": "海德公元党支部", "secretary_member_id": secretary},
        owners_committee={"name": "海德公元业委会", "contact_name": "周主任"},
        property_company={"name": "海德物业", "contact_name": "陈经理"},
    )
    head = (await register(http, admin, community, "刘志强"))["id"]
    building = await unit(
        http, admin, kind="building", name="3栋", parent_id=compound, building_head_ids=[head]
    )
    home = {"community_id": community, "compound_id": compound, "building_id": building}
    member = await register(
        http, admin, community, "张桂英", home={**home, "unit": "2单元"}, tags=["party_member"]
    )
    huiguanjia = await team(http, admin, "惠管家", community_id=community)
    squad = await team(http, admin, "先锋", parent_id=huiguanjia["id"])
    await join(http, admin, squad["id"], member["id"], "leader")
    await join(http, admin, huiguanjia["id"], head, "member")
    for n in range(5):
        credited = await http.post(
            f"/api/v1/members/{member['id']}/record/credits",
            headers=admin,
            json={
                "served_on": f"2024-0{n + 1}-15",
                "hours": 20,
                "content": f"助老送餐 第{n + 1}期",
                "organiser": "景星社区",
                "reference": f"ledger-{n}",
            },
        )
        assert credited.status_code == 201, credited.text
    return OrgWorld(community, compound, member, huiguanjia["id"], squad["id"])


async def test_the_tree_shows_a_compounds_three_and_the_teams_their_squads(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        world = await org_world(http, stack.admin)
    await sign_in_as(page, stack, stack.username, stack.password)
    await page.get_by_role("navigation").get_by_role("link", name="组织架构").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("组织架构")

    compound = page.locator("section", has=page.get_by_role("heading", name="海德公元"))
    await expect(compound.get_by_text("海德公元党支部（书记 王*）")).to_be_visible()
    await expect(compound.get_by_text("海德公元业委会（周主任）")).to_be_visible()
    await expect(compound.get_by_text("海德物业（陈经理）")).to_be_visible()
    await expect(compound.get_by_role("listitem").filter(has_text="3栋")).to_contain_text("刘**")
    assert await unlabelled_fields(page) == []
    await screenshot(page, "org-tree-desktop")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Organisation")
    await expect(compound.get_by_text("Owners' committee", exact=True)).to_be_visible()
    await page.get_by_role("button", name="中文").click()

    await page.get_by_role("link", name="志愿队伍").click()
    await expect(page.get_by_role("link", name="先锋")).to_be_visible()
    await expect(page.get_by_role("listitem").filter(has_text="惠管家").first).to_contain_text(
        "1 人（含分队共 2 人）"
    )
    await page.get_by_role("link", name="先锋").click()
    await expect(page).to_have_url(re.compile(f"/console/org/teams/{world.squad_id}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("先锋")
    row = page.get_by_role("row").filter(has_text=world.member["volunteer_no"])
    await expect(row).to_contain_text("张**")
    await expect(row).to_contain_text("队长")


async def test_registering_a_member_says_a_bad_phone_beside_it_then_opens_the_member(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        world = await org_world(http, stack.admin)
    await sign_in_as(page, stack, stack.username, stack.password)
    await page.goto(f"{stack.url}/console/org/members/new")
    await expect(page.get_by_role("heading", level=1)).to_have_text("登记志愿者")
    await page.get_by_label("姓名").fill("赵丽华")
    await page.get_by_label("证件号码").fill(resident_id("19620304"))
    await page.get_by_label("手机号").fill("12345")
    await page.get_by_label("社区").select_option(world.community)
    await page.get_by_label("小区").select_option(label="海德公元")
    await page.get_by_label("楼栋").select_option(label="3栋")
    await page.get_by_label("维修").check()
    await page.get_by_label("周末上午").check()
    assert await unlabelled_fields(page) == []
    await page.get_by_role("button", name="登记").click()

    phone = page.get_by_label("手机号")
    await expect(phone).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#e-phone")).to_have_text("手机号应为 1 开头的 11 位数字")
    await expect(page.locator("#e-phone")).to_have_attribute("role", "alert")
    await expect(page).to_have_url(f"{stack.url}/console/org/members/new")

    await phone.fill("13912345678")
    await page.get_by_role("button", name="登记").click()
    await expect(page).to_have_url(re.compile(r"/console/org/members/[0-9a-f-]{36}$"))
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text(re.compile(r"^志愿者 QT\d{6} 赵\*\*$"))
    await expect(page.get_by_text("139****5678")).to_be_visible()
    await expect(page.get_by_text("景星社区 海德公元 3栋")).to_be_visible()


def roster(*rows: tuple[str, str, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "证件号码", "手机号", "技能"])
    for row in rows:
        sheet.append([*row, "维修"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_roster_is_checked_row_by_row_then_the_good_rows_imported(
    page: Page, stack: Stack
) -> None:
    async with stack.http() as http:
        world = await org_world(http, stack.admin)
    xlsx = roster(
        ("孙建华", resident_id("19580101"), "13900001111"),
        ("钱秀英", resident_id("19600202"), "123"),
    )
    await sign_in_as(page, stack, stack.username, stack.password)
    await page.goto(f"{stack.url}/console/org/import")
    await page.get_by_label("社区").select_option(world.community)
    sheet = FilePayload(
        name="名册.xlsx",
        mimeType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        buffer=xlsx,
    )
    await page.get_by_label("名册文件").set_input_files(files=[sheet])
    assert await unlabelled_fields(page) == []
    await page.get_by_role("button", name="检查").click()

    errors = page.get_by_role("table", name="有问题的行")
    await expect(errors.get_by_role("row")).to_have_count(2)  # the header and row 3
    cells = errors.get_by_role("row").nth(1).get_by_role("cell")
    await expect(cells.nth(0)).to_have_text("3")
    await expect(cells.nth(1)).to_have_text("手机号")
    await expect(page.get_by_role("status")).to_contain_text("共 2 行，正确 1 行，错误 1 处。")
    await expect(page.get_by_role("button", name="导入")).to_be_disabled()

    await page.get_by_label("导入方式").select_option("valid_rows_only")
    await page.get_by_role("button", name="检查").click()
    await expect(page.get_by_role("status")).to_contain_text("可以导入。")
    await page.get_by_role("button", name="导入").click()
    await expect(page.get_by_role("status")).to_contain_text("已导入 1 人。")
    created = page.get_by_role("table", name="已登记的志愿者")
    await expect(created.get_by_role("row")).to_have_count(2)
    await expect(created.get_by_role("cell").first).to_have_text("2")

    async with stack.http() as http:
        found = await http.get(
            "/api/v1/members",
            headers=stack.admin,
            params={"community_id": world.community, "name_prefix": "孙"},
        )
    assert [m["name"] for m in found.json()["items"]] == ["孙**"]
