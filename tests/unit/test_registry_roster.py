import io

import openpyxl
import pytest

from services.registry.roster import (
    EXPORT_ORDER,
    IMPORT_COLUMNS,
    TAGS,
    RosterUnreadable,
    code_of,
    read_roster,
    split_list,
    write_roster,
)

pytestmark = pytest.mark.unit

ROW = {
    "name": "李四",
    "id_type": "居民身份证",
    "id_number": "999999195001011237",
    "phone": "13800000001",
    "community": "泉韵社区",
    "compound": "海德公元",
    "building": "1栋",
    "unit": "2单元",
    "skills": "宣讲、快板",
    "availability": "周末上午",
    "tags": "老党员、党员",
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_written_roster_reads_back_cell_for_cell(fmt: str) -> None:
    columns = list(IMPORT_COLUMNS)
    content = write_roster(columns, [ROW, {**ROW, "name": "王五", "phone": ""}], fmt)
    roster = read_roster(content, fmt)
    assert roster.columns == columns
    assert [r.number for r in roster.rows] == [2, 3]
    assert roster.rows[0].cells == ROW
    assert roster.rows[1].cells["name"] == "王五"
    assert "phone" not in roster.rows[1].cells


def test_the_csv_has_a_bom_for_excel_and_gb18030_is_read_too() -> None:
    content = write_roster(list(IMPORT_COLUMNS), [ROW], "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    gbk = content.decode("utf-8-sig").encode("gb18030")
    assert read_roster(gbk, "csv").rows[0].cells["name"] == "李四"


def test_english_headers_are_accepted_and_unknown_columns_ignored() -> None:
    content = "Name,ID_Number,note,community\r\n张三,X1,hello,quanyun\r\n".encode()
    roster = read_roster(content, "csv")
    assert roster.columns == ["name", "id_number", "community"]
    assert roster.rows[0].cells == {"name": "张三", "id_number": "X1", "community": "quanyun"}


def test_blank_rows_are_skipped_but_rows_keep_the_spreadsheets_numbers() -> None:
    content = "姓名,证件号码\r\n甲,1\r\n,\r\n乙,2\r\n".encode()
    assert [r.number for r in read_roster(content, "csv").rows] == [2, 4]


def test_numbers_typed_into_excel_cells_come_back_as_digits() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "证件号码", "手机号"])
    sheet.append(["甲", "999999195001011237", 13800000001])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_roster(buffer.getvalue(), "xlsx").rows[0].cells["phone"] == "13800000001"


def test_cells_that_look_like_formulas_are_quoted_on_the_way_out_and_back() -> None:
    row = {"name": "=HYPERLINK(1)", "id_number": "1"}
    for fmt in ("xlsx", "csv"):
        content = write_roster(["name", "id_number"], [row], fmt)
        assert read_roster(content, fmt).rows[0].cells["name"] == "=HYPERLINK(1)"
    sheet = openpyxl.load_workbook(io.BytesIO(write_roster(["name"], [row], "xlsx"))).active
    assert sheet is not None
    assert sheet.cell(2, 1).value == "'=HYPERLINK(1)"  # text, not a formula


@pytest.mark.parametrize(
    ("content", "fmt", "reason"),
    [
        (b"PK\x03\x04 broken", "xlsx", "not an XLSX"),
        (b"", "csv", "empty"),
        ("姓名,电话\r\n甲,1\r\n".encode(), "csv", "证件号码"),
        (b"\xff\xfe\x00\x00\x81", "csv", "UTF-8"),
    ],
)
def test_an_unreadable_file_says_why(content: bytes, fmt: str, reason: str) -> None:
    with pytest.raises(RosterUnreadable, match=reason):
        read_roster(content, fmt)


def test_lists_split_on_chinese_and_latin_separators_and_labels_map_to_codes() -> None:
    assert split_list("宣讲、快板,医疗；维修 ;") == ["宣讲", "快板", "医疗", "维修"]
    assert code_of("老党员", TAGS) == "old_party_member"
    assert code_of("old_cadre", TAGS) == "old_cadre"
    assert code_of("老板", TAGS) is None


def test_the_export_columns_are_the_import_columns_and_four_more() -> None:
    assert set(IMPORT_COLUMNS) < set(EXPORT_ORDER)
    assert len(EXPORT_ORDER) == len(IMPORT_COLUMNS) + 4
