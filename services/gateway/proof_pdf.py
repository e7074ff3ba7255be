"""The volunteer service proof (志愿服务证明) as an A4 PDF, from the same proof data as the
printable page (proof_page.py): the same fields, the same wording.

Chinese is set in reportlab's built-in CID font STSong-Light (Adobe-GB1): the PDF names the
font and every PDF reader supplies it, so no font file is shipped or embedded. Every value
from the data is escaped before it reaches reportlab's paragraph markup: names, content and
organisers are typed by people."""

from io import BytesIO
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.gateway.proof_page import ID_TYPES

FONT: Final = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, wordWrap="CJK")
LEAD = ParagraphStyle("lead", parent=BODY, firstLineIndent=24, spaceAfter=4 * mm)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=10.5, leading=15)
HOURS = ParagraphStyle("hours", parent=CELL, alignment=TA_RIGHT)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=22, leading=30, alignment=TA_CENTER)
NUMBER = ParagraphStyle("number", parent=BODY, fontSize=10.5, alignment=TA_RIGHT)
SIGNED = ParagraphStyle("signed", parent=BODY, alignment=TA_RIGHT, leading=24)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=9.5, leading=14, spaceBefore=8 * mm)

GRID: Final = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]


def _text(value: Any, empty: str = "—") -> str:
    if value is None or value == "":
        return empty
    return escape(str(value))


def _hours(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return _text(value)


def _facts(proof: dict[str, Any]) -> Table:
    id_type = proof.get("id_type")
    rows = [
        ["姓名", _text(proof.get("name")), "证件类型", _text(ID_TYPES.get(str(id_type), id_type))],
        [
            "志愿者编号",
            _text(proof.get("volunteer_no")),
            "服务时长",
            f"{_hours(proof.get('total_hours', 0))} 小时",
        ],
    ]
    cells = [[Paragraph(cell, CELL) for cell in row] for row in rows]
    table = Table(cells, colWidths=[26 * mm, 56 * mm, 26 * mm, 56 * mm])
    shade = colors.HexColor("#f2f2f2")
    table.setStyle(
        TableStyle(
            [*GRID, ("BACKGROUND", (0, 0), (0, -1), shade), ("BACKGROUND", (2, 0), (2, -1), shade)]
        )
    )
    return table


def _entries(proof: dict[str, Any]) -> Table:
    head = [
        Paragraph("服务日期", CELL),
        Paragraph("服务内容", CELL),
        Paragraph("组织单位", CELL),
        Paragraph("时长（小时）", HOURS),
    ]
    rows: list[list[Any]] = [
        [
            Paragraph(_text(e.get("served_on")), CELL),
            Paragraph(_text(e.get("content")), CELL),
            Paragraph(_text(e.get("organiser")), CELL),
            Paragraph(_hours(e.get("hours")), HOURS),
        ]
        for e in proof.get("entries") or []
        if isinstance(e, dict)
    ]
    style = [*GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]
    if not rows:
        rows = [[Paragraph("本期间无志愿服务记录", CELL), "", "", ""]]
        style.append(("SPAN", (0, 1), (-1, 1)))
    table = Table([head, *rows], colWidths=[26 * mm, 76 * mm, 40 * mm, 22 * mm], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {doc.page} 页")
    canvas.restoreState()


def render_proof_pdf(proof: dict[str, Any], *, compress: bool = True) -> bytes:
    """The PDF for one proof's data (`compress=False` keeps the content streams readable)."""
    period = proof.get("period") or {}
    name = _text(proof.get("name"))
    total = _hours(proof.get("total_hours", 0))
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"志愿服务证明 {proof.get('proof_no') or ''}".strip(),
        author=str(proof.get("issuing_organisation") or ""),
        pageCompression=1 if compress else 0,
    )
    story = [
        Paragraph("志愿服务证明", TITLE),
        Spacer(0, 2 * mm),
        Paragraph(f"证明编号：{_text(proof.get('proof_no'))}", NUMBER),
        Spacer(0, 6 * mm),
        Paragraph(
            f"兹证明 {name}（志愿者编号 {_text(proof.get('volunteer_no'))}）于 "
            f"{_text(period.get('served_from'), '首次服务之日')} 至 "
            f"{_text(period.get('served_to'))} 期间参加志愿服务，"
            f"累计服务时长 {total} 小时，具体如下：",
            LEAD,
        ),
        _facts(proof),
        Spacer(0, 6 * mm),
        _entries(proof),
        Spacer(0, 10 * mm),
        Paragraph(f"出具单位：{_text(proof.get('issuing_organisation'))}（盖章）", SIGNED),
        Paragraph(f"负责人：{_text(proof.get('person_in_charge'))}", SIGNED),
        Paragraph(f"经办人：{_text(proof.get('handler'))}", SIGNED),
        Paragraph(f"联系电话：{_text(proof.get('contact'))}", SIGNED),
        Paragraph(f"出具日期：{_text(proof.get('issued_on'))}", SIGNED),
        Paragraph("本证明依据志愿服务记录出具，服务时长不含往返路途时间。", NOTE),
    ]
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()
