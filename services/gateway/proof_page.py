"""The volunteer service proof (志愿服务证明) as a printable zh-CN page.

Rendered from the registry's proof data (GET_PROOF): one self-contained HTML document with
print CSS (A4), no scripts and no external assets, so it prints the same offline. Every value
from the data is HTML-escaped: names, content and organisers are typed by people."""

from html import escape
from typing import Any, Final

ID_TYPES: Final[dict[str, str]] = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreign_permanent_resident": "外国人永久居留身份证",
}

STYLE: Final = """
@page { size: A4; margin: 20mm 18mm; }
* { box-sizing: border-box; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; color: #000;
       margin: 0 auto; max-width: 180mm; font-size: 12pt; line-height: 1.7; }
h1 { text-align: center; font-size: 22pt; letter-spacing: 0.5em; margin: 8mm 0 2mm; }
.number { text-align: right; font-size: 10.5pt; margin: 0 0 6mm; }
.lead { text-indent: 2em; margin: 0 0 4mm; }
table { width: 100%; border-collapse: collapse; margin: 0 0 6mm; }
th, td { border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: top; }
th { background: #f2f2f2; font-weight: normal; white-space: nowrap; }
td.hours, th.hours { text-align: right; white-space: nowrap; }
.facts th { width: 28mm; text-align: left; }
.signature { margin-top: 10mm; text-align: right; line-height: 2.2; }
.note { font-size: 9.5pt; color: #333; margin-top: 8mm; }
@media print { .note { color: #000; } th { background: none; } }
"""


def _text(value: Any, empty: str = "—") -> str:
    if value is None or value == "":
        return empty
    return escape(str(value), quote=True)


def _hours(value: Any) -> str:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        return _text(value)
    return f"{hours:g}"


def render_proof(proof: dict[str, Any]) -> str:
    """The page for one proof's data."""
    period = proof.get("period") or {}
    start, end = period.get("served_from"), period.get("served_to")
    id_type = proof.get("id_type")
    entries = proof.get("entries") or []
    rows = (
        "\n".join(
            "<tr>"
            f"<td>{_text(e.get('served_on'))}</td>"
            f"<td>{_text(e.get('content'))}</td>"
            f"<td>{_text(e.get('organiser'))}</td>"
            f'<td class="hours">{_hours(e.get("hours"))}</td>'
            "</tr>"
            for e in entries
            if isinstance(e, dict)
        )
        or '<tr><td colspan="4">本期间无志愿服务记录</td></tr>'
    )
    name = _text(proof.get("name"))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>志愿服务证明 {_text(proof.get("proof_no"), "")}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>志愿服务证明</h1>
<p class="number">证明编号：{_text(proof.get("proof_no"))}</p>
<p class="lead">兹证明 {name}（志愿者编号 {_text(proof.get("volunteer_no"))}）于
{_text(start, "首次服务之日")} 至 {_text(end)} 期间参加志愿服务，
累计服务时长 {_hours(proof.get("total_hours", 0))} 小时，具体如下：</p>
<table class="facts">
<tr><th>姓名</th><td>{name}</td>
<th>证件类型</th><td>{_text(ID_TYPES.get(str(id_type), id_type))}</td></tr>
<tr><th>志愿者编号</th><td>{_text(proof.get("volunteer_no"))}</td>
<th>服务时长</th><td>{_hours(proof.get("total_hours", 0))} 小时</td></tr>
</table>
<table>
<thead><tr><th>服务日期</th><th>服务内容</th><th>组织单位</th>
<th class="hours">时长（小时）</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<div class="signature">
<div>出具单位：{_text(proof.get("issuing_organisation"))}（盖章）</div>
<div>负责人：{_text(proof.get("person_in_charge"))}</div>
<div>经办人：{_text(proof.get("handler"))}</div>
<div>联系电话：{_text(proof.get("contact"))}</div>
<div>出具日期：{_text(proof.get("issued_on"))}</div>
</div>
<p class="note">本证明依据志愿服务记录出具，服务时长不含往返路途时间。</p>
</body>
</html>
"""
