"""POST_NOTICE: staff post a notice (停水通知, a meeting) to a building's, compound's or
community's residents, or to a team. It is stored as a `notices` aggregate whose insert
carries NoticePosted; the fan-out takes that event like any other, by its rule."""

from typing import Any

from services.notify import clock
from services.notify.config import NotifySettings
from services.notify.projections import Projections
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import new_event
from shared.contracts.commands import notify as commands
from shared.contracts.events.notify import NoticePosted
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, FieldError, Invalid
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore, Document

COLLECTION = "notices"
# What makes a second post with the same id the same notice (a retry), not another one.
CONTENT = ("community_id", "scope", "priority", "title_zh", "body_zh", "title_en", "body_en")
HIDDEN = ("_id", "outbox", "has_outbox", "version", "revision")


def view(doc: Document) -> dict[str, Any]:
    shown = {k: v for k, v in doc.items() if k not in HIDDEN}
    return {**shown, "notice_id": doc["_id"], "posted_at": doc["posted_at"].isoformat()}


class NoticeHandlers:
    def __init__(
        self, store: AggregateStore, projections: Projections, settings: NotifySettings
    ) -> None:
        self.store = store
        self.projections = projections
        self.subdistrict = settings.subdistrict

    async def post(self, cmd: commands.PostNotice, ctx: CallContext) -> dict[str, Any]:
        await self._check_scope(cmd.community_id, cmd.scope)
        notice_id = cmd.notice_id or new_id()
        doc: Document = {
            "_id": notice_id,
            "community_id": cmd.community_id,
            "scope": cmd.scope,
            "priority": cmd.priority,
            "title_zh": cmd.title_zh,
            "body_zh": cmd.body_zh,
            # Readers who chose English read the Chinese when no English was written.
            "title_en": cmd.title_en or cmd.title_zh,
            "body_en": cmd.body_en or cmd.body_zh,
            "posted_by": ctx.actor,
            "posted_at": clock.now(),
        }
        posted = NoticePosted(
            notice_id=notice_id,
            **{k: doc[k] for k in CONTENT},
            posted_by=ctx.actor,
        )
        event = new_event(
            posted,
            subdistrict=self.subdistrict,
            subject=notice_id,
            correlation_id=ctx.correlation_id,
            traceparent=ctx.traceparent,
        )
        try:
            return view(await self.store.insert(doc, [event]))
        except Conflict:
            existing = await self.store.get(notice_id)
            if all(existing.get(k) == doc[k] for k in CONTENT):
                return view(existing)  # the same post again: posted once
            raise Conflict(f"notice {notice_id} was posted with other content") from None

    async def _check_scope(self, community_id: str, scope: str) -> None:
        """The scope must exist (as notify's projections know it) and lie in the community.
        A subdistrict-wide team (no community) fits any community."""
        kind, _, scope_id = scope.partition(":")
        if kind == "team":
            team = await self.projections.team(scope_id)
            known = team is not None and "name" in team
            inside = known and team is not None and team.get("community_id") in (None, community_id)
        elif kind == "community":
            unit = await self.projections.org_unit(scope_id)
            known = unit is not None and unit.get("kind") == "community"
            inside = scope_id == community_id
        else:
            unit = await self.projections.org_unit(scope_id)
            known = unit is not None and unit.get("kind") == kind
            inside = unit is not None and unit.get("community_id") == community_id
        if not known:
            msg = f"no {kind} {scope_id} is known"
        elif not inside:
            msg = f"{scope} is not in community {community_id}"
        else:
            return
        raise Invalid(msg, [FieldError(loc=["scope"], msg=msg, type="value_error.scope")])


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    handlers = NoticeHandlers(runtime.aggregates(COLLECTION), Projections(runtime.db), settings)
    runtime.command(commands.POST_NOTICE, commands.PostNotice, handlers.post)
