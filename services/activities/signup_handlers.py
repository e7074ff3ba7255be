"""Sign-ups: volunteers taking roles, residents registering (also by proxy), cancellations
promoting the waitlisted; and `install`, which registers the whole sign-ups part (members
projection, sign-ups, attendance, completion, reminders).

Thin: read what the rules need (the members projection, the commitments), let the pure
domain (domain/signups.py) compute the new activity and its events, and write both with one
`AggregateStore.update`: an activity and its events are stored together or not at all.
"""

from typing import Any
from zoneinfo import ZoneInfo

from services.activities import signup_clock
from services.activities.activity_support import Emitter, jsonable
from services.activities.attendance_handlers import AttendanceHandlers
from services.activities.commitments import Commitments
from services.activities.completion_handlers import CompletionHandlers
from services.activities.config import ActivitiesSettings
from services.activities.domain import members as member_rules
from services.activities.domain import signups
from services.activities.member_projection import MemberProjection
from services.activities.reminder_scheduler import Reminders
from services.activities.signup_writer import ActivityWriter
from shared.bus.rpc import CallContext
from shared.contracts.commands import activities as commands
from shared.contracts.events.registry import (
    MemberRegistered,
    MembersMerged,
    MemberStatusChanged,
    MemberUpdated,
)
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict
from shared.contracts.subjects import events_filter
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore

Document = dict[str, Any]


class SignupHandlers:
    def __init__(
        self,
        activities: AggregateStore,
        write: ActivityWriter,
        members: MemberProjection,
        commitments: Commitments,
        settings: ActivitiesSettings,
    ) -> None:
        self.activities = activities
        self.write = write
        self.members = members
        self.commitments = commitments
        self.zone = ZoneInfo(settings.time_zone)

    async def sign_up(self, cmd: commands.SignUp, ctx: CallContext) -> dict[str, Any]:
        now = signup_clock.now()
        activity = await self.activities.get(cmd.activity_id)
        # The cheap refusals first, before a claim is taken.
        signups.ensure_published(activity, "signing up")
        signups.ensure_not_started(activity, now)
        role = signups.role_of(activity, cmd.role_id)
        member = member_rules.ensure_may_serve(await self.members.get(cmd.member_id), cmd.member_id)
        member_rules.ensure_skill(member, role)
        signups.ensure_not_holding(activity, cmd.member_id)
        ours = await self.commitments.claim(cmd.member_id, activity, now)
        arrival = signups.Arrival(signup_id=new_id(), at=now, by=ctx.actor)
        try:
            other = await self.commitments.overlapping(cmd.member_id, activity, now)
            if other is not None:
                raise Conflict(
                    f"member {cmd.member_id} overlaps '{other['title']}' ({other['_id']}) "
                    f"{self._span(other)}"
                )
            doc = await self.write(
                cmd.activity_id,
                lambda d: signups.sign_up(d, cmd.member_id, cmd.role_id, arrival),
                ctx,
            )
        except Exception:
            if ours:  # a claim found there belongs to whoever made it
                await self.commitments.release_unless_held(cmd.member_id, cmd.activity_id)
            raise
        return signup_answer(doc, arrival.signup_id)

    async def register_participant(
        self, cmd: commands.RegisterParticipant, ctx: CallContext
    ) -> dict[str, Any]:
        name = cmd.name
        if cmd.member_id is not None:
            member = await self.members.get(cmd.member_id)
            if member is None:
                raise member_rules.unknown(cmd.member_id)
            name = name or member.get("display_name")
        if not name:
            raise signups.invalid("name", "give the resident's name or their member_id", "missing")
        resident = signups.Resident(
            member_id=cmd.member_id, name=name, phone=cmd.phone, proxy=cmd.proxy
        )
        arrival = signups.Arrival(
            signup_id=new_id(), at=signup_clock.now(), by=ctx.actor, by_name=ctx.actor_name
        )
        doc = await self.write(
            cmd.activity_id, lambda d: signups.register_participant(d, resident, arrival), ctx
        )
        return signup_answer(doc, arrival.signup_id)

    async def cancel_sign_up(self, cmd: commands.CancelSignUp, ctx: CallContext) -> dict[str, Any]:
        at = signup_clock.now()
        doc = await self.write(
            cmd.activity_id, lambda d: signups.cancel(d, cmd.signup_id, cmd.reason, at), ctx
        )
        entry = signups.entry_of(doc, cmd.signup_id)
        if "role_id" in entry:  # a volunteer's claim on the time is free again
            await self.commitments.release(entry["member_id"], cmd.activity_id)
        return signup_answer(doc, cmd.signup_id)

    def _span(self, activity: Document) -> str:
        starts = activity["starts_at"].astimezone(self.zone)
        ends = activity["ends_at"].astimezone(self.zone)
        return f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"


def signup_answer(doc: Document, signup_id: str) -> dict[str, Any]:
    """The sign-up as it stands, with its place in the waitlist."""
    entry = signups.entry_of(doc, signup_id)
    group = "volunteers" if "role_id" in entry else "participants"
    line = [
        e for e in doc.get(group, []) if group == "participants" or e["role_id"] == entry["role_id"]
    ]
    shown = {k: v for k, v in entry.items() if k not in ("phone", "name")}
    if group == "participants":
        shown["display_name"] = signups.display_name(entry)
    return dict(
        jsonable(
            {
                **shown,
                "activity_id": doc["_id"],
                "kind": "volunteer" if group == "volunteers" else "participant",
                "waitlist_position": signups.waitlist_position(line, entry),
                "revision": doc.get("revision"),
            }
        )
    )


def install(runtime: ServiceRuntime, settings: ActivitiesSettings) -> None:
    """Register this part's commands, consumers, indexes, schedulers and events."""
    activities = runtime.aggregates("activities")
    write = ActivityWriter(activities, Emitter(settings.subdistrict))
    members = MemberProjection(runtime.db)
    commitments = Commitments(runtime.db)
    handlers = SignupHandlers(activities, write, members, commitments, settings)
    attendance = AttendanceHandlers(activities, write, members, commitments)
    completion = CompletionHandlers(write, runtime.db)
    reminders = Reminders(activities, settings)

    runtime.on_startup(members.create_indexes)
    runtime.on_startup(commitments.create_indexes)
    runtime.on_startup(reminders.create_indexes)
    runtime.consume(
        "members",
        {
            MemberRegistered: members.on_registered,
            MemberUpdated: members.on_updated,
            MemberStatusChanged: members.on_status_changed,
            MembersMerged: members.on_merged,
        },
        subject=events_filter(settings.subdistrict, "registry"),
    )
    runtime.command(commands.SIGN_UP, commands.SignUp, handlers.sign_up)
    runtime.command(commands.CANCEL_SIGN_UP, commands.CancelSignUp, handlers.cancel_sign_up)
    runtime.command(
        commands.REGISTER_PARTICIPANT, commands.RegisterParticipant, handlers.register_participant
    )
    runtime.command(commands.GET_CHECK_IN_CODE, commands.GetCheckInCode, attendance.check_in_code)
    runtime.command(commands.CHECK_IN, commands.CheckIn, attendance.check_in)
    runtime.command(commands.CHECK_OUT, commands.CheckOut, attendance.check_out)
    runtime.command(commands.MARK_NO_SHOW, commands.MarkNoShow, attendance.mark_no_show)
    runtime.command(commands.ENTER_ROSTER, commands.EnterRoster, attendance.enter_roster)
    runtime.command(commands.APPROVE_HOURS, commands.ApproveHours, attendance.approve_hours)
    runtime.command(commands.COMPLETE_ACTIVITY, commands.CompleteActivity, completion.complete)
    runtime.background(reminders.run)
