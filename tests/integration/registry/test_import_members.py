import base64
import time
from typing import Any

import pytest

from services.registry.roster import IMPORT_COLUMNS, write_roster
from shared.contracts.commands import registry as commands
from shared.contracts.events.registry import MemberRegistered
from shared.contracts.rpc import Invalid
from tests.integration.registry.conftest import Registry
from tests.integration.registry.member_support import (
    person_name,
    phone,
    registration,
    resident_id,
    seed_org,
)

pytestmark = pytest.mark.integration

ROWS = 500
REGISTERED_BEFORE = 9_999  # a member registered before the import
# Excel row -> (field, how the row is spoiled): exactly these seven are wrong.
FAULTS: dict[int, tuple[str, str]] = {
    10: ("id_number", "check digit"),
    57: ("name", "missing"),
    123: ("skills", "unknown skill"),
    200: ("phone", "malformed"),
    301: ("compound", "unknown compound"),
    402: ("id_number", "same as row 30"),
    480: ("id_number", "already registered"),
}


def roster_row(excel_row: int) -> dict[str, str]:
    n = 5_000 + excel_row
    row = {
        "name": person_name(n),
        "id_type": "居民身份证" if excel_row % 3 else "resident_id",
        "id_number": resident_id(n),
        "phone": phone(n),
        "community": "泉韵社区" if excel_row % 2 else "quanyun",
        "compound": "海德公元",
        "building": "1栋" if excel_row % 4 else "haide-2",
        "unit": f"{excel_row % 6 + 1}单元",
        "skills": "宣讲、快板" if excel_row % 5 else "medical;repair",
        "availability": "周末上午,工作日晚上",
        "tags": "老党员、党员" if excel_row % 7 else "",
    }
    fault = FAULTS.get(excel_row, ("", ""))[1]
    if fault == "check digit":
        last = row["id_number"][-1]
        row["id_number"] = row["id_number"][:-1] + ("1" if last != "1" else "2")
    elif fault == "missing":
        row["name"] = ""
    elif fault == "unknown skill":
        row["skills"] = "宣讲、杂耍"
    elif fault == "malformed":
        row["phone"] = "1380013"
    elif fault == "unknown compound":
        row["compound"] = "不存在的小区"
    elif fault == "same as row 30":
        row["id_number"] = roster_row(30)["id_number"]
    elif fault == "already registered":
        row["id_number"] = resident_id(REGISTERED_BEFORE)
    return row


def roster(fmt: str, rows: int = ROWS, first: int = 2) -> str:
    lines = [roster_row(r) for r in range(first, first + rows)]
    return base64.b64encode(write_roster(list(IMPORT_COLUMNS), lines, fmt)).decode()


@pytest.fixture
async def org(registry: Registry) -> Registry:
    await seed_org(registry.runtime.db)
    await registry.call(commands.REGISTER_MEMBER, registration(REGISTERED_BEFORE))
    return registry


async def import_roster(registry: Registry, content: str, fmt: str, **options: Any) -> Any:
    body = commands.ImportMembers(content_base64=content, format=fmt, **options)  # type: ignore[arg-type]
    return await registry.call(commands.IMPORT_MEMBERS, body)


def faults_of(report: dict[str, Any]) -> list[tuple[int, str]]:
    return [(e["row"], e["field"]) for e in report["errors"]]


EXPECTED = [(row, field) for row, (field, _) in sorted(FAULTS.items())]


async def test_all_or_nothing_reports_exactly_the_seven_bad_rows_and_writes_none(
    org: Registry,
) -> None:
    report = await import_roster(org, roster("xlsx"), "xlsx", mode="all_or_nothing")
    assert faults_of(report) == EXPECTED
    assert (report["rows"], report["valid"], report["written"]) == (ROWS, ROWS - 7, False)
    assert report["created"] == []
    messages = {e["row"]: e["message"] for e in report["errors"]}
    assert messages[10].startswith("check digit should be")
    assert messages[402] == "the same ID number as row 30"
    assert "杂耍" in messages[123] and "不存在的小区" in messages[301]
    before = await org.call(commands.GET_MEMBER, commands.GetMember(member_id=await _first_id(org)))
    assert (
        messages[480]
        == f"this ID number is already registered as volunteer {before['volunteer_no']}"
    )
    assert await org.runtime.db["members"].count_documents({}) == 1


async def _first_id(registry: Registry) -> str:
    doc = await registry.runtime.db["members"].find_one({})
    assert doc is not None
    return str(doc["_id"])


async def test_valid_rows_only_writes_the_493_good_rows_quickly(org: Registry) -> None:
    content = roster("xlsx")
    started = time.monotonic()
    report = await import_roster(org, content, "xlsx", mode="valid_rows_only")
    took = time.monotonic() - started
    print(f"500-row XLSX import (493 written): {took:.2f} s")
    assert took < 30
    assert faults_of(report) == EXPECTED
    assert report["written"] is True and len(report["created"]) == ROWS - 7
    assert [c["row"] for c in report["created"]] == [
        r for r in range(2, ROWS + 2) if r not in FAULTS
    ]
    numbers = [c["volunteer_no"] for c in report["created"]]
    assert len(set(numbers)) == ROWS - 7
    assert await org.runtime.db["members"].count_documents({}) == ROWS - 7 + 1

    row_9 = next(c for c in report["created"] if c["row"] == 9)
    member = await org.call(
        commands.GET_MEMBER,
        commands.GetMember(member_id=row_9["member_id"], reveal=["name", "phone", "id_number"]),
    )
    expected = roster_row(9)
    assert (member["name"], member["id_number"], member["phone"]) == (
        expected["name"],
        expected["id_number"],
        expected["phone"],
    )
    assert member["home"] == {
        "community_id": "quanyun",
        "compound_id": "haide",
        "building_id": "haide-1",
        "unit": "4单元",
    }
    assert member["skills"] == ["talks", "clapper_talk"]
    assert member["availability"] == ["weekend_morning", "weekday_evening"]
    assert member["tags"] == ["old_party_member", "party_member"]

    created_ids = {c["member_id"] for c in report["created"]}
    await org.events.wait_for(
        MemberRegistered,
        where=lambda e: e.member.member_id in created_ids,
        count=ROWS - 7,
        within=60,
    )

    again = await import_roster(org, content, "xlsx", mode="valid_rows_only")
    assert again["created"] == [] and len(again["errors"]) == ROWS  # every row now registered


async def test_a_csv_roster_reports_the_same_rows_and_a_clean_one_is_written(
    org: Registry,
) -> None:
    dry = await import_roster(org, roster("csv"), "csv", mode="valid_rows_only", dry_run=True)
    assert faults_of(dry) == EXPECTED
    assert (dry["written"], dry["created"], dry["dry_run"]) == (False, [], True)
    assert await org.runtime.db["members"].count_documents({}) == 1

    clean = await import_roster(org, roster("csv", rows=5, first=500), "csv")
    assert clean["errors"] == [] and len(clean["created"]) == 5 and clean["written"] is True


async def test_a_community_import_refuses_rows_of_another_community(org: Registry) -> None:
    rows = [
        roster_row(2),
        {**roster_row(3), "community": "星港社区", "compound": "苹果小区", "building": ""},
    ]
    content = base64.b64encode(write_roster(list(IMPORT_COLUMNS), rows, "csv")).decode()
    report = await import_roster(org, content, "csv", community_id="quanyun")
    assert faults_of(report) == [(3, "community")]
    assert report["written"] is False
    open_report = await import_roster(org, content, "csv", dry_run=True)
    assert open_report["errors"] == []


async def test_a_blank_community_takes_the_imports_community_and_headers_may_be_english(
    org: Registry,
) -> None:
    text = (
        "name,id_number,phone,compound,tags\r\n"
        + f"{person_name(1)},{resident_id(1)},{phone(1)},海德公元,old_cadre\r\n"
    )
    content = base64.b64encode(text.encode()).decode()
    report = await import_roster(org, content, "csv", community_id="quanyun")
    assert report["errors"] == [] and len(report["created"]) == 1
    without = await import_roster(org, content, "csv", dry_run=True)
    assert faults_of(without) == [(2, "community")]


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (base64.b64encode(b"not a workbook").decode(), "xlsx"),
        ("!!!!", "csv"),
        (base64.b64encode("姓名,电话\r\n甲,1\r\n".encode()).decode(), "csv"),
    ],
)
async def test_an_unreadable_file_is_invalid_naming_file(
    org: Registry, content: str, fmt: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await import_roster(org, content, fmt)
    assert [d.loc for d in caught.value.details] == [["file"]]
