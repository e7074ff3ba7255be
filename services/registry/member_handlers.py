"""Members: real-name registration, profile and status changes, lookups, search, and the
roster import and export. Thin: the rules are in domain/members.py and importing.py."""

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from pymongo import ASCENDING

from services.registry import counters
from services.registry.config import RegistrySettings
from services.registry.domain.homes import home_errors, home_unit_ids
from services.registry.domain.members import (
    apply_update,
    change_status,
    new_member,
    profile,
    registered,
    registration_errors,
    skill_errors,
    updated_fields,
    volunteer_no,
)
from services.registry.exporting import roster_row
from services.registry.id_vault import IdVault
from services.registry.importing import (
    Report,
    check_roster,
    load_directory,
    mark_registered,
    registered_ids,
    write_rows,
)
from services.registry.member_search import member_filter, memberships_by_member, search
from services.registry.member_views import member_view
from services.registry.roster import CONTENT_TYPES, EXPORT_ORDER, RosterUnreadable, read_roster
from services.registry.roster import write_roster as write_roster_file
from services.registry.skills import SkillList
from services.registry.team_members import current_member_ids
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import EventData, new_event
from shared.contracts.commands import registry as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.events.registry import MemberUpdated
from shared.contracts.ids import new_id
from shared.contracts.privacy import mask_id_number
from shared.contracts.rpc import Conflict, FieldError, Invalid
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import Document

UNIQUE_FIELDS: Final = ("volunteer_no", "id_hash")
INDEXED_FIELDS: Final = (
    "home.community_id",
    "home.compound_id",
    "home.building_id",
    "status",
    "name",
    "tags",
    "skills",
)
MAX_EXPORT_ROWS: Final = 10_000


def install(runtime: ServiceRuntime, settings: RegistrySettings) -> None:
    """Register this part's commands, consumers, indexes and published events."""
    handlers = MemberHandlers(runtime, settings, IdVault.from_settings(settings))
    runtime.on_startup(handlers.create_indexes)
    for name, model, handler in (
        (commands.REGISTER_MEMBER, commands.RegisterMember, handlers.register),
        (commands.UPDATE_MEMBER, commands.UpdateMember, handlers.update),
        (commands.CHANGE_MEMBER_STATUS, commands.ChangeMemberStatus, handlers.change_status),
        (commands.GET_MEMBER, commands.GetMember, handlers.get),
        (commands.SEARCH_MEMBERS, commands.SearchMembers, handlers.search),
        (commands.IMPORT_MEMBERS, commands.ImportMembers, handlers.import_members),
        (commands.EXPORT_MEMBERS, commands.ExportMembers, handlers.export_members),
    ):
        runtime.command(name, model, handler)


def duplicate_id(existing_volunteer_no: str) -> Conflict:
    msg = f"this ID number is already registered as volunteer {existing_volunteer_no}"
    return Conflict(msg, [FieldError(loc=["id_number"], msg=msg, type="duplicate")])


def invalid(errors: list[FieldError]) -> Invalid:
    return Invalid("; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors), errors)


def stored_time(at: datetime) -> datetime:
    """Milliseconds, as the store keeps them: the answer and every later read agree."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


class MemberHandlers:
    def __init__(self, runtime: ServiceRuntime, settings: RegistrySettings, vault: IdVault):
        self.settings = settings
        self.vault = vault
        self.members = runtime.aggregates("members")
        self.db = runtime.db
        self.skills = SkillList(runtime.db["skills"])

    async def create_indexes(self) -> None:
        collection = self.members.collection
        for name in UNIQUE_FIELDS:
            await collection.create_index([(name, ASCENDING)], unique=True)
        for name in INDEXED_FIELDS:
            await collection.create_index([(name, ASCENDING)])

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.settings.time_zone)).date()

    def event(self, data: EventData, subject: str, ctx: CallContext) -> CloudEvent:
        return new_event(
            data,
            subdistrict=self.settings.subdistrict,
            subject=subject,
            correlation_id=ctx.correlation_id,
            traceparent=ctx.traceparent,
        )

    async def units(self, home: dict[str, Any]) -> dict[str, Document]:
        found = self.db["org_units"].find({"_id": {"$in": home_unit_ids(home)}})
        return {doc["_id"]: doc async for doc in found}

    async def teams_of(self, member_id: str) -> list[Document]:
        # Not team_members.memberships_of: its `left_on: None` inside `$elemMatch` finds
        # nothing on nx-27017.
        return (await memberships_by_member(self.db["teams"], [member_id])).get(member_id, [])

    # -- commands -------------------------------------------------------------------------

    async def register(self, cmd: commands.RegisterMember, ctx: CallContext) -> dict[str, Any]:
        today = self.today()
        units = await self.units(cmd.home.model_dump())
        number, errors = registration_errors(cmd, units, await self.skills.codes(), today)
        if errors or number is None:
            raise invalid(errors)
        id_hash = self.vault.hash(number)
        await self._refuse_registered(id_hash)  # before a volunteer number is spent
        taken = volunteer_no(self.settings.volunteer_no_prefix, await self._take())
        while number in taken:  # a short document number must not be readable in it
            taken = volunteer_no(self.settings.volunteer_no_prefix, await self._take())
        doc = new_member(
            cmd,
            member_id=new_id(),
            volunteer_no=taken,
            id_cipher=self.vault.encrypt(number),
            id_hash=id_hash,
            id_masked=mask_id_number(number) or "",
            today=today,
            now=stored_time(datetime.now(UTC)),
            by=ctx.actor,
        )
        try:
            stored = await self.members.insert(doc, [self.event(registered(doc), doc["_id"], ctx)])
        except Conflict:
            await self._refuse_registered(id_hash)  # lost a race for the same ID number
            raise
        return member_view(stored)

    async def _take(self) -> int:
        return await counters.take(self.db["counters"], "volunteer_no")

    async def _refuse_registered(self, id_hash: str) -> None:
        existing = await self.members.collection.find_one({"id_hash": id_hash}, {"volunteer_no": 1})
        if existing is not None:
            raise duplicate_id(existing["volunteer_no"])

    async def update(self, cmd: commands.UpdateMember, ctx: CallContext) -> dict[str, Any]:
        fields = updated_fields(cmd)
        errors = skill_errors(fields.get("skills", []), await self.skills.codes())
        if "home" in fields:
            errors = home_errors(fields["home"], await self.units(fields["home"])) + errors
        if errors:
            raise invalid(errors)

        def change(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new, changed = apply_update(doc, fields)
            if not changed:
                return new, []
            data = MemberUpdated(member=profile(new), changed=changed)
            return new, [self.event(data, doc["_id"], ctx)]

        stored = await self.members.update(cmd.member_id, change, cmd.expected_revision)
        return member_view(stored, teams=await self.teams_of(cmd.member_id))

    async def change_status(
        self, cmd: commands.ChangeMemberStatus, ctx: CallContext
    ) -> dict[str, Any]:
        effective_on, now = cmd.effective_on or self.today(), stored_time(datetime.now(UTC))

        def change(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new, data = change_status(
                doc, cmd.status, effective_on=effective_on, reason=cmd.reason, by=ctx.actor, now=now
            )
            return new, [self.event(data, doc["_id"], ctx)]

        stored = await self.members.update(cmd.member_id, change)
        return member_view(stored, teams=await self.teams_of(cmd.member_id))

    async def get(self, query: commands.GetMember, _: CallContext) -> dict[str, Any]:
        doc = await self.members.get(query.member_id)
        teams = await self.teams_of(query.member_id)
        return member_view(doc, reveal=query.reveal, teams=teams, vault=self.vault)

    async def search(self, query: commands.SearchMembers, _: CallContext) -> dict[str, Any]:
        docs, next_cursor = await search(self.members.collection, self.db["teams"], query)
        teams = await memberships_by_member(self.db["teams"], [d["_id"] for d in docs])
        return {
            "items": [member_view(doc, teams=teams.get(doc["_id"], [])) for doc in docs],
            "next_cursor": next_cursor,
        }

    # -- rosters --------------------------------------------------------------------------

    async def import_members(self, cmd: commands.ImportMembers, ctx: CallContext) -> dict[str, Any]:
        try:
            content = base64.b64decode(cmd.content_base64, validate=True)
            roster = read_roster(content, cmd.format)
        except (binascii.Error, ValueError) as exc:
            reason = str(exc) if isinstance(exc, RosterUnreadable) else "not base64"
            msg = f"unreadable {cmd.format.upper()} file: {reason}"
            raise Invalid(msg, [FieldError(loc=["file"], msg=msg, type="unreadable")]) from exc
        today = self.today()
        report = Report(rows=len(roster.rows), mode=cmd.mode, dry_run=cmd.dry_run)
        directory = await load_directory(self.db)
        check_roster(
            roster, directory, self.vault, report, community_id=cmd.community_id, today=today
        )
        hashes = [c.id_hash for c in report.checked]
        mark_registered(report, await registered_ids(self.members.collection, hashes))
        if not cmd.dry_run and (cmd.mode == "valid_rows_only" or not report.errors):
            await write_rows(
                report,
                self.members,
                self.db["counters"],
                self.vault,
                prefix=self.settings.volunteer_no_prefix,
                subdistrict=self.settings.subdistrict,
                ctx=ctx,
                today=today,
                now=stored_time(datetime.now(UTC)),
            )
        return report.as_dict()

    async def export_members(self, cmd: commands.ExportMembers, _: CallContext) -> dict[str, Any]:
        query = commands.SearchMembers(
            community_id=cmd.community_id, team_id=cmd.team_id, status=cmd.status
        )
        in_team = None
        if cmd.team_id:
            in_team = await current_member_ids(self.db["teams"], cmd.team_id)
        directory = await load_directory(self.db)
        found = self.members.collection.find(
            member_filter(query, in_team), sort=[("_id", ASCENDING)], limit=MAX_EXPORT_ROWS
        )
        rows = [roster_row(doc, directory, self.vault, cmd.reveal) async for doc in found]
        content = write_roster_file(list(EXPORT_ORDER), rows, cmd.format)
        stamp = self.today().strftime("%Y%m%d")
        scope = cmd.community_id or self.settings.subdistrict
        return {
            "filename": f"volunteers-{scope}-{stamp}.{cmd.format}",
            "content_type": CONTENT_TYPES[cmd.format],
            "content_base64": base64.b64encode(content).decode(),
            "rows": len(rows),
        }
