"""EXPORT_ATTENDANCE: the roster and attendance as a file (XLSX, or CSV as UTF-8 with a BOM
so that Excel opens the Chinese). Volunteers first, by role, with times and hours; then the
participants with proxy marks and who entered them. Names and phones masked."""

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from pymongo.asynchronous.collection import AsyncCollection

from services.activities.activity_commands import people_of
from shared.bus.rpc import CallContext
from shared.contracts.commands.activities import ExportAttendance
from shared.contracts.privacy import mask_name, mask_phone
from shared.store.aggregates import AggregateStore
from shared.tables import table_file

Document = dict[str, Any]
COLUMNS: Final = (
    ("kind", "类别"),
    ("role", "岗位"),
    ("volunteer_no", "志愿者编号"),
    ("name", "姓名"),
    ("phone", "电话"),
    ("status", "状态"),
    ("checked_in_at", "签到"),
    ("checked_out_at", "签退"),
    ("hours", "时长(小时)"),
    ("approved_hours", "核定时长(小时)"),
    ("proxy", "代报名"),
    ("entered_by", "录入人"),
)
CONTENT_TYPES: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
VOLUNTEER, PARTICIPANT = "志愿者", "参与者"
STATUS: Final = {"confirmed": "已报名", "waitlisted": "候补", "attended": "已到", "no_show": "缺席"}


def rows(doc: Document, people: Mapping[str, Document], zone: ZoneInfo) -> list[dict[str, str]]:
    def when(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""

    def number(value: float | None) -> str:
        return "" if value is None else f"{float(value):g}"

    role_names = {role["role_id"]: role["name"] for role in doc.get("roles") or []}
    order = {role_id: n for n, role_id in enumerate(role_names)}
    attendance = {a["member_id"]: a for a in doc.get("attendance", []) if a.get("member_id")}
    volunteers = sorted(
        (v for v in doc.get("volunteers", []) if v.get("status") != "cancelled"),
        key=lambda v: (order.get(v.get("role_id"), len(order)), v.get("seq", 0)),
    )
    listed = {v["member_id"] for v in volunteers}
    # A paper roster may name someone who never signed up: they are listed too.
    volunteers += [
        {"member_id": m, "role_id": a.get("role_id"), "status": None}
        for m, a in attendance.items()
        if m not in listed
    ]
    out = []
    for volunteer in volunteers:
        came = attendance.get(volunteer["member_id"], {})
        person = people.get(volunteer["member_id"], {})
        if came.get("no_show"):
            status = STATUS["no_show"]
        elif came.get("checked_in_at") or came.get("hours") is not None:
            status = STATUS["attended"]
        else:
            status = STATUS.get(volunteer.get("status") or "", "")
        out.append(
            {
                "kind": VOLUNTEER,
                "role": role_names.get(
                    volunteer.get("role_id") or "", volunteer.get("role_id") or ""
                ),
                "volunteer_no": person.get("volunteer_no") or "",
                "name": person.get("display_name") or "",
                "status": status,
                "checked_in_at": when(came.get("checked_in_at")),
                "checked_out_at": when(came.get("checked_out_at")),
                "hours": number(came.get("hours")),
                "approved_hours": number(came.get("approved_hours")),
            }
        )
    participants = sorted(
        (p for p in doc.get("participants", []) if p.get("status") != "cancelled"),
        key=lambda p: p.get("seq", 0),
    )
    for participant in participants:
        member = people.get(participant.get("member_id") or "", {})
        out.append(
            {
                "kind": PARTICIPANT,
                "volunteer_no": member.get("volunteer_no") or "",
                "name": member.get("display_name") or mask_name(participant.get("name")) or "",
                "phone": mask_phone(participant.get("phone")) or "",
                "status": STATUS.get(participant.get("status") or "", ""),
                "proxy": "是" if participant.get("proxy") else "",
                "entered_by": str(
                    participant.get("entered_by_name") or participant.get("entered_by") or ""
                ),
            }
        )
    return out


def write(lines: list[dict[str, str]], fmt: str) -> bytes:
    header = [label for _, label in COLUMNS]
    body = [[line.get(key, "") for key, _ in COLUMNS] for line in lines]
    return table_file(header, body, "csv" if fmt == "csv" else "xlsx", "签到表")


class AttendanceExport:
    def __init__(
        self, activities: AggregateStore, members: AsyncCollection[Document], zone: ZoneInfo
    ) -> None:
        self.activities = activities
        self.members = members
        self.zone = zone

    async def export(self, query: ExportAttendance, _: CallContext) -> dict[str, Any]:
        doc = await self.activities.get(query.activity_id)
        lines = rows(doc, await people_of(self.members, [doc]), self.zone)
        content = write(lines, query.format)
        return {
            "filename": f"attendance-{doc['_id']}.{query.format}",
            "content_type": CONTENT_TYPES[query.format],
            "content_base64": base64.b64encode(content).decode(),
            "rows": len(lines),
        }
