"""What the gateway itself makes of the registry's answers: the printable proof page (every
value escaped, nothing fetched from elsewhere) and the download's Content-Disposition."""

import re

import pytest

from services.gateway.proof_page import render_proof
from services.gateway.routes.members import attachment, roster_format
from shared.contracts.rpc import Invalid

pytestmark = pytest.mark.unit

HOSTILE = '<img src=x onerror="alert(1)">&'
PROOF = {
    "proof_no": "QT-2025-000007",
    "member_id": "m1",
    "name": "王秀英",
    "id_type": "resident_id",
    "volunteer_no": "QT000031",
    "period": {"served_from": "2025-01-01", "served_to": "2025-06-30"},
    "total_hours": 12.5,
    "entries": [
        {"served_on": "2025-03-05", "content": "助老送餐", "hours": 2.0, "organiser": "泉韵社区"},
        {"served_on": "2025-04-01", "content": "楼道清扫", "hours": 10.5, "organiser": None},
    ],
    "issuing_organisation": "泉塘街道新时代文明实践所",
    "person_in_charge": "街道志愿服务负责人",
    "contact": "0731-00000000",
    "handler": "泉韵社区书记",
    "issued_on": "2025-07-01",
}


def test_the_proof_page_carries_what_the_national_rules_ask_for() -> None:
    page = render_proof(PROOF)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    for shown in (
        "志愿服务证明",
        "QT-2025-000007",
        "王秀英",
        "居民身份证",
        "QT000031",
        "2025-01-01",
        "2025-06-30",
        "12.5",
        "助老送餐",
        "10.5",
        "泉塘街道新时代文明实践所",
        "街道志愿服务负责人",
        "0731-00000000",
        "泉韵社区书记",
        "2025-07-01",
    ):
        assert shown in page, shown
    assert "@media print" in page and "@page" in page


@pytest.mark.parametrize(
    "field", ["name", "volunteer_no", "proof_no", "handler", "issuing_organisation", "contact"]
)
def test_every_value_on_the_proof_page_is_escaped(field: str) -> None:
    page = render_proof({**PROOF, field: HOSTILE})
    assert HOSTILE not in page and "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in page


def test_entries_are_escaped_and_nothing_is_loaded_from_elsewhere() -> None:
    entry = {"served_on": HOSTILE, "content": HOSTILE, "hours": HOSTILE, "organiser": HOSTILE}
    page = render_proof({**PROOF, "entries": [entry], "id_type": HOSTILE})
    assert "<img" not in page and page.count("&lt;img") == 5
    plain = render_proof(PROOF)
    assert not re.search(r"<(script|link|img|iframe)|src=|href=|url\(|@import", plain)


def test_a_proof_without_entries_says_so() -> None:
    assert "本期间无志愿服务记录" in render_proof({**PROOF, "entries": []})


def test_a_download_name_is_utf8_with_an_ascii_fallback() -> None:
    assert attachment("志愿者名册-c1.csv") == (
        'attachment; filename="_____-c1.csv"; '
        "filename*=UTF-8''%E5%BF%97%E6%84%BF%E8%80%85%E5%90%8D%E5%86%8C-c1.csv"
    )
    assert '"' not in attachment('a"b;.csv').split("filename=")[1].strip('"').split('";')[0]


@pytest.mark.parametrize(
    ("filename", "content_type", "expected"),
    [
        ("名册.XLSX", None, "xlsx"),
        ("名册.csv", "application/vnd.ms-excel", "csv"),  # what Windows says of a .csv
        ("blob", "text/csv; charset=gbk", "csv"),
        ("名册.xls", None, None),
        ("名册.numbers", "text/csv", None),  # a name that says otherwise wins
        (None, None, None),
    ],
)
def test_a_roster_is_xlsx_or_csv_by_its_name_or_content_type(
    filename: str | None, content_type: str | None, expected: str | None
) -> None:
    if expected:
        assert roster_format(filename, content_type) == expected
        return
    with pytest.raises(Invalid) as refused:
        roster_format(filename, content_type)
    assert [d.loc for d in refused.value.details] == [["file"]]
