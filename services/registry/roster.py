"""Member rosters as community workers keep them in Excel: one header row (Chinese labels,
or the English column keys), then one member per row. The same columns go both ways: an
export is a valid import (the export-only columns are ignored on import).

XLSX through openpyxl; CSV as UTF-8 with a BOM (so Excel opens the Chinese), read back as
UTF-8 or, failing that, GB 18030 (what Excel saves on a Chinese Windows)."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from shared.tables import table_file

# Column key -> header label.
IMPORT_COLUMNS: Final = {
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "phone": "手机号",
    "community": "社区",
    "compound": "小区",
    "building": "楼栋",
    "unit": "单元",
    "skills": "技能",
    "availability": "服务时间",
    "tags": "标签",
}
EXPORT_ONLY_COLUMNS: Final = {
    "volunteer_no": "志愿者编号",
    "status": "状态",
    "total_hours": "累计时长",
    "star_level": "星级",
}
EXPORT_ORDER: Final = (
    "volunteer_no",
    *IMPORT_COLUMNS,
    "status",
    "total_hours",
    "star_level",
)
LABELS: Final = {**IMPORT_COLUMNS, **EXPORT_ONLY_COLUMNS}
REQUIRED_COLUMNS: Final = ("name", "id_number")

ID_TYPES: Final = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macao_permit": "港澳通行证",
    "taiwan_permit": "台湾通行证",
    "foreign_permanent_resident": "外国人永久居留身份证",
}
AVAILABILITY: Final = {
    "weekday_morning": "工作日上午",
    "weekday_afternoon": "工作日下午",
    "weekday_evening": "工作日晚上",
    "weekend_morning": "周末上午",
    "weekend_afternoon": "周末下午",
    "weekend_evening": "周末晚上",
}
TAGS: Final = {
    "party_member": "党员",
    "new_org_party_member": "两新党员",
    "old_party_member": "老党员",
    "old_cadre": "老干部",
    "old_expert": "老专家",
    "old_soldier": "老战士",
    "old_model_worker": "老模范",
}
STATUSES: Final = {"active": "在册", "suspended": "暂停", "left": "已退出", "merged": "已合并"}

CONTENT_TYPES: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
LIST_SEPARATORS: Final = re.compile(r"[、,，;；\s]+")
# A cell starting with these is a formula to a spreadsheet: exported text is quoted.
_FORMULA_START: Final = ("=", "+", "-", "@")
MAX_ROWS: Final = 10_000


class RosterUnreadable(ValueError):
    """The file is not a roster: the message says why."""


@dataclass
class RosterRow:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Roster:
    columns: list[str]  # the recognised column keys, in the file's order
    rows: list[RosterRow]


def split_list(cell: str) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(cell) if part]


def code_of(value: str, labels: dict[str, str]) -> str | None:
    """The code for a code or its Chinese label, else None."""
    if value in labels:
        return value
    return next((code for code, label in labels.items() if label == value), None)


def read_roster(content: bytes, fmt: str) -> Roster:
    lines = _xlsx_lines(content) if fmt == "xlsx" else _csv_lines(content)
    header = next(lines, None)
    if header is None:
        raise RosterUnreadable("the file is empty: no header row")
    keys = [_column_key(label) for label in header]
    missing = [LABELS[k] for k in REQUIRED_COLUMNS if k not in keys]
    if missing:
        raise RosterUnreadable("the header row lacks the columns " + "、".join(missing))
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = {
            key: _unquoted(value)
            for key, value in zip(keys, values, strict=False)
            if key is not None and value
        }
        if any(cells.values()):
            rows.append(RosterRow(number, cells))
        if len(rows) > MAX_ROWS:
            raise RosterUnreadable(f"more than {MAX_ROWS} rows: split the file")
    return Roster([k for k in keys if k is not None], rows)


def write_roster(columns: list[str], rows: list[dict[str, str]], fmt: str) -> bytes:
    header = [LABELS[key] for key in columns]
    body = [[_quoted(row.get(key, "")) for key in columns] for row in rows]
    return table_file(header, body, "csv" if fmt == "csv" else "xlsx", "志愿者")


def _column_key(label: Any) -> str | None:
    text = _cell_text(label).lower()
    for key, zh in LABELS.items():
        if text in (key, zh):
            return key
    return None


def _xlsx_lines(content: bytes) -> Any:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RosterUnreadable("not an XLSX workbook") from exc
    sheet = workbook.worksheets[0]
    return ([_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True))


def _csv_lines(content: bytes) -> Any:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterUnreadable("the CSV is neither UTF-8 nor GB 18030 text")
    if "\x00" in text:
        raise RosterUnreadable("not a CSV text file")
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise RosterUnreadable(f"not a readable CSV file: {exc}") from exc
    return iter([[cell.strip() for cell in line] for line in lines])


def _cell_text(value: Any) -> str:
    """A cell as text: Excel stores a phone typed as a number as 13800000000 (or 1.38e10)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _quoted(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unquoted(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value
