"""Attendance and hours: the check-in code, check-in and check-out, no-shows, paper rosters
and the organiser's approval of hours. The rules are in domain/attendance.py."""

import secrets
from typing import Any

from services.activities import signup_clock
from services.activities.activity_support import jsonable
from services.activities.commitments import Commitments
from services.activities.domain import attendance
from services.activities.domain.attendance import CHECK_IN_WINDOW
from services.activities.domain.members import unknown
from services.activities.domain.signups import Document, invalid
from services.activities.member_projection import MemberProjection
from services.activities.signup_writer import ActivityWriter
from shared.bus.rpc import CallContext
from shared.contracts.commands import activities as commands
from shared.store.aggregates import AggregateStore


def check_in_token(doc: Document) -> str:
    """What the QR code on site holds: the activity and its code, one string to scan."""
    return f"rv-checkin:{doc['_id']}:{doc['check_in_code']}"


class AttendanceHandlers:
    def __init__(
        self,
        activities: AggregateStore,
        write: ActivityWriter,
        members: MemberProjection,
        commitments: Commitments,
    ) -> None:
        self.activities = activities
        self.write = write
        self.members = members
        self.commitments = commitments

    async def check_in_code(self, cmd: commands.GetCheckInCode, _: CallContext) -> dict[str, Any]:
        doc = await self.activities.get(cmd.activity_id)
        return dict(
            jsonable(
                {
                    "activity_id": doc["_id"],
                    "code": doc["check_in_code"],
                    "token": check_in_token(doc),
                    "opens_at": doc["starts_at"] - CHECK_IN_WINDOW,
                    "closes_at": doc["ends_at"] + CHECK_IN_WINDOW,
                }
            )
        )

    async def check_in(self, cmd: commands.CheckIn, ctx: CallContext) -> dict[str, Any]:
        """A volunteer with the code (or the scanned token); an organiser without it."""
        at = signup_clock.now()
        if not cmd.by_organiser:
            if cmd.code is None:
                raise invalid("code", "a self check-in needs the activity's code", "missing")
            doc = await self.activities.get(cmd.activity_id)
            if not any(
                secrets.compare_digest(cmd.code, good)
                for good in (doc["check_in_code"], check_in_token(doc))
            ):
                raise invalid("code", "not this activity's check-in code", "wrong_code")
        method: Any = "roster" if cmd.by_organiser else "code"
        doc = await self.write(
            cmd.activity_id, lambda d: attendance.check_in(d, cmd.member_id, at, method), ctx
        )
        return answer(doc, cmd.member_id)

    async def check_out(self, cmd: commands.CheckOut, ctx: CallContext) -> dict[str, Any]:
        at = signup_clock.now()
        doc = await self.write(
            cmd.activity_id, lambda d: attendance.check_out(d, cmd.member_id, at), ctx
        )
        return answer(doc, cmd.member_id)

    async def mark_no_show(self, cmd: commands.MarkNoShow, ctx: CallContext) -> dict[str, Any]:
        now = signup_clock.now()
        doc = await self.write(
            cmd.activity_id, lambda d: attendance.mark_no_show(d, cmd.member_id, now), ctx
        )
        return answer(doc, cmd.member_id)

    async def enter_roster(self, cmd: commands.EnterRoster, ctx: CallContext) -> dict[str, Any]:
        lines = [
            attendance.Line(
                index=n,
                member_id=line.member_id,
                role_id=line.role_id,
                hours=line.hours,
                checked_in_at=line.checked_in_at,
                checked_out_at=line.checked_out_at,
                no_show=line.no_show,
            )
            for n, line in enumerate(cmd.lines)
        ]
        attendance.check_lines(lines)
        known = await self.members.find(line.member_id for line in lines)
        for line in lines:
            if line.member_id not in known:
                raise unknown(line.member_id, f"lines.{line.index}.member_id")
        now = signup_clock.now()
        doc = await self.write(
            cmd.activity_id, lambda d: attendance.enter_roster(d, lines, now), ctx
        )
        for line in lines:  # walk-ins: the activity is among their past ones now
            await self.commitments.claim(line.member_id, doc, now)
        return roster_answer(doc)

    async def approve_hours(self, cmd: commands.ApproveHours, ctx: CallContext) -> dict[str, Any]:
        approvals = [
            attendance.Approval(member_id=a.member_id, hours=a.hours, index=n)
            for n, a in enumerate(cmd.approvals)
        ]
        seen: set[str] = set()
        for a in approvals:
            if a.member_id in seen:
                raise invalid(f"approvals.{a.index}.member_id", "on two lines", "duplicate")
            seen.add(a.member_id)
        at = signup_clock.now()
        doc = await self.write(
            cmd.activity_id, lambda d: attendance.approve(d, approvals, ctx.actor, at), ctx
        )
        return roster_answer(doc)


def answer(doc: Document, member_id: str) -> dict[str, Any]:
    entry = attendance.entry_of(doc, member_id)
    return dict(
        jsonable({"activity_id": doc["_id"], **(entry or {}), "revision": doc.get("revision")})
    )


def roster_answer(doc: Document) -> dict[str, Any]:
    return dict(
        jsonable(
            {
                "activity_id": doc["_id"],
                "attendance": sorted(doc.get("attendance", []), key=lambda a: a["member_id"]),
                "revision": doc.get("revision"),
            }
        )
    )
