"""The lifecycle's commands: look up what a transition needs (the kind's time limit, the
handler, the original of a duplicate), let the pure domain decide, write the request with
its events in one guarded update (`expected_revision` honoured: of two concurrent
dispatches naming the same revision one wins, the other is a conflict)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from pymongo.asynchronous.collection import AsyncCollection

from services.requests import lifecycle_clock
from services.requests.config import RequestsSettings
from services.requests.domain import lifecycle
from services.requests.domain.lifecycle import Document, Result
from services.requests.lifecycle_parties import Parties
from services.requests.request_views import request_view
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import new_event
from shared.contracts.commands import requests as commands
from shared.contracts.envelope import CloudEvent
from shared.contracts.rpc import FieldError, Invalid, NotFound
from shared.store.aggregates import AggregateStore

Step = Callable[[Document, datetime, str | None], Result]

# A kind the catalogue does not (yet) hold: an emergency is due the same day, anything
# else in five working days.
FALLBACK_LIMIT: Final = {"same_day": False, "working_days": 5}
EMERGENCY_LIMIT: Final = {"same_day": True, "working_days": None}


class LifecycleCommands:
    def __init__(
        self,
        requests: AggregateStore,
        kinds: AsyncCollection[Document],
        parties: Parties,
        settings: RequestsSettings,
    ) -> None:
        self.requests = requests
        self.kinds = kinds
        self.parties = parties
        self.settings = settings
        self.tz = settings.time_zone

    async def _apply(
        self,
        request_id: str,
        expected_revision: int | None,
        step: Step,
        ctx: CallContext,
        *,
        include_mediation: bool = False,
    ) -> dict[str, Any]:
        def change(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new, events = step(doc, lifecycle_clock.now(), ctx.actor)
            return new, [self._event(e, request_id, ctx) for e in events]

        stored = await self.requests.update(request_id, change, expected_revision)
        return request_view(stored, include_mediation=include_mediation)

    def _event(self, data: Any, subject: str, ctx: CallContext) -> CloudEvent:
        return new_event(
            data,
            subdistrict=self.settings.subdistrict,
            subject=subject,
            correlation_id=ctx.correlation_id,
            traceparent=ctx.traceparent,
        )

    async def time_limit(self, doc: Document) -> dict[str, Any]:
        kind = await self.kinds.find_one({"_id": doc["kind"]})
        if kind and kind.get("time_limit"):
            limit: dict[str, Any] = kind["time_limit"]
            return limit
        return dict(EMERGENCY_LIMIT if doc["kind"] == "emergency" else FALLBACK_LIMIT)

    # -- intake ---------------------------------------------------------------------------

    async def accept(self, cmd: commands.AcceptRequest, ctx: CallContext) -> dict[str, Any]:
        limit = await self.time_limit(await self.requests.get(cmd.request_id))

        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.accept(doc, cmd, now, actor, time_limit=limit, tz=self.tz)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def return_request(self, cmd: commands.ReturnRequest, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.return_request(doc, cmd, now, actor, tz=self.tz)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    # -- handling -------------------------------------------------------------------------

    async def dispatch(self, cmd: commands.DispatchRequest, ctx: CallContext) -> dict[str, Any]:
        handler = await self.parties.handler(await self.requests.get(cmd.request_id), cmd)

        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.dispatch(doc, cmd, now, actor, handler=handler)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def start(self, cmd: commands.StartRequest, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.start(doc, cmd, now, actor)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def request_extension(
        self, cmd: commands.RequestExtension, ctx: CallContext
    ) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.request_extension(doc, cmd, now, actor)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def approve_extension(
        self, cmd: commands.ApproveExtension, ctx: CallContext
    ) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.approve_extension(doc, cmd, now, actor, tz=self.tz)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def resolve(self, cmd: commands.ResolveRequest, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.resolve(doc, cmd, now, actor)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    # -- follow-up and closing ------------------------------------------------------------

    async def follow_up(self, cmd: commands.RecordFollowUp, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.record_follow_up(
                doc,
                cmd,
                now,
                actor,
                tz=self.tz,
                from_next_day=self.settings.follow_up_from_next_day,
            )

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def reopen(self, cmd: commands.ReopenRequest, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.reopen(doc, cmd, now, actor)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def transfer(self, cmd: commands.TransferRequest, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.transfer(doc, cmd, now, actor)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def mark_duplicate(self, cmd: commands.MarkDuplicate, ctx: CallContext) -> dict[str, Any]:
        try:
            original = await self.requests.get(cmd.original_id)
        except NotFound as exc:
            msg = f"no request {cmd.original_id} to be a duplicate of"
            raise Invalid(msg, [FieldError(loc=["original_id"], msg=msg, type="unknown")]) from exc

        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.mark_duplicate(doc, cmd, now, actor, original=original)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def mark_not_responsible(
        self, cmd: commands.MarkNotResponsible, ctx: CallContext
    ) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.mark_not_responsible(doc, cmd, now, actor)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def cancel(self, cmd: commands.CancelRequest, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.cancel(doc, cmd, now, actor)

        return await self._apply(cmd.request_id, cmd.expected_revision, step, ctx)

    async def add_note(self, cmd: commands.AddNote, ctx: CallContext) -> dict[str, Any]:
        def step(doc: Document, now: datetime, actor: str | None) -> Result:
            return lifecycle.add_note(doc, cmd, now, actor)

        # Whoever may add a note (the handler, an admin) may read the mediation notes.
        return await self._apply(
            cmd.request_id, cmd.expected_revision, step, ctx, include_mediation=True
        )
