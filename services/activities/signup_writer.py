"""How the sign-ups part writes an activity: one guarded update carrying its events."""

from collections.abc import Callable
from typing import Any

from services.activities.activity_support import Emitter
from services.activities.domain import signups
from shared.bus.rpc import CallContext
from shared.contracts.envelope import CloudEvent
from shared.store.aggregates import AggregateStore

Document = dict[str, Any]
DomainChange = Callable[[Document], signups.Change]


class ActivityWriter:
    """One guarded write of an activity with its events; a change that changes nothing
    (signups.Unchanged) writes nothing and answers the activity as it is."""

    def __init__(self, activities: AggregateStore, emit: Emitter) -> None:
        self.activities = activities
        self.emit = emit

    async def __call__(
        self, activity_id: str, change: DomainChange, ctx: CallContext | None
    ) -> Document:
        def write(doc: Document) -> tuple[Document, list[CloudEvent]]:
            new, events = change(doc)
            return new, [self.emit(e, activity_id, ctx) for e in events]

        try:
            return await self.activities.update(activity_id, write)
        except signups.Unchanged as nothing:
            return nothing.doc
