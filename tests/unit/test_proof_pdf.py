"""The service proof as a PDF: every field the national rules name, in Chinese, set in the
built-in CID font; typed text stays text.

No PDF library reads it back here: with page compression off, the content streams are plain,
and the CID font's strings are UCS-2 (big-endian) in PDF literal strings, which
`shown_text` decodes. A PDF without the Chinese (or in a font that cannot show it) fails."""

import base64
import re
import zlib

import pytest

from services.gateway.proof_pdf import render_proof_pdf

pytestmark = pytest.mark.unit

PROOF = {
    "proof_no": "QT-2026-000007",
    "member_id": "m-1",
    "name": "李<b>四</b>",
    "id_type": "resident_id",
    "volunteer_no": "QT000031",
    "period": {"served_from": "2025-01-01", "served_to": "2026-05-27"},
    "total_hours": 12.5,
    "entries": [
        {"served_on": "2025-03-01", "content": "陪老人看病", "hours": 2.5, "organiser": "五老红"},
        {"served_on": "2026-01-10", "content": "楼栋清扫", "hours": 10.0, "organiser": None},
    ],
    "issuing_organisation": "泉塘街道新时代文明实践所",
    "person_in_charge": "街道志愿服务负责人",
    "contact": "0731-00000000",
    "handler": "王经办",
    "issued_on": "2026-05-27",
}

ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[0] in b"01234567":
            return bytes([int(code, 8)])
        return ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.DOTALL)


def shown_text(pdf: bytes) -> str:
    """Every string the content streams show with Tj, decoded as UCS-2, joined."""
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", pdf, flags=re.DOTALL)
    return "".join(_unescape(s).decode("utf-16-be") for s in strings)


def test_every_field_of_the_proof_is_in_the_pdf_in_chinese() -> None:
    pdf = render_proof_pdf(PROOF, compress=False)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = shown_text(pdf)
    for expected in (
        "志愿服务证明",
        "证明编号：QT-2026-000007",
        "李<b>四</b>",  # as typed, not taken for markup
        "居民身份证",
        "QT000031",
        "2025-01-01",
        "2026-05-27",
        "12.5 小时",
        "陪老人看病",
        "五老红",
        "楼栋清扫",
        "出具单位：泉塘街道新时代文明实践所（盖章）",
        "负责人：街道志愿服务负责人",
        "经办人：王经办",
        "联系电话：0731-00000000",
        "出具日期：2026-05-27",
    ):
        assert expected in text, f"{expected!r} is not shown in the PDF"
    # The ID number is never on a proof; the data does not carry it and neither does the PDF.
    assert "身份证号" not in text


def test_the_chinese_is_set_in_the_built_in_cid_font() -> None:
    pdf = render_proof_pdf(PROOF, compress=False)
    assert b"/BaseFont /STSong-Light" in pdf
    assert b"/Encoding /UniGB-UCS2-H" in pdf
    assert b"/Ordering (GB1) /Registry (Adobe)" in pdf
    # UCS-2 of 志愿 (5FD7 613F): the title written in the CID font, not as Latin-1 bytes.
    assert "志愿".encode("utf-16-be") in _unescape(pdf)


def test_an_empty_period_says_so_and_the_compressed_pdf_still_holds_the_text() -> None:
    empty = {**PROOF, "entries": [], "total_hours": 0, "period": {"served_to": "2026-05-27"}}
    text = shown_text(render_proof_pdf(empty, compress=False))
    assert "本期间无志愿服务记录" in text and "首次服务之日" in text and "0 小时" in text

    packed = render_proof_pdf(PROOF)
    assert packed.startswith(b"%PDF-") and b"/ASCII85Decode /FlateDecode" in packed
    streams = re.findall(rb"stream\r?\n(.*?)~>\s*endstream", packed, flags=re.DOTALL)
    inflated = b"".join(zlib.decompress(base64.a85decode(s.strip())) for s in streams)
    assert "QT000031" in shown_text(inflated)
