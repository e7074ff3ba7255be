"""The delivery log for admins: deliveries per cause event, recipient, status, channel or
community, newest first (ids begin with the cause event's time-ordered id), cursor-paged;
and the retry of a dead delivery."""

from typing import Any, Final

from pymongo import DESCENDING

from services.notify import clock
from services.notify.delivery_views import delivery_view
from services.notify.domain import delivery_states as states
from shared.bus.rpc import CallContext
from shared.contracts.commands.notify import ListDeliveries, RetryDelivery
from shared.store.aggregates import AggregateStore, Document

# Query field per filter of ListDeliveries (each indexed: services/notify/delivery_store.py).
FILTERS: Final = {
    "event_id": "cause_event_id",
    "recipient": "recipient",
    "status": "status",
    "channel": "channel",
    "community_id": "community_id",
}


def log_filter(query: ListDeliveries) -> dict[str, Any]:
    filters: dict[str, Any] = {
        field: getattr(query, name)
        for name, field in FILTERS.items()
        if getattr(query, name) is not None
    }
    if query.cursor:
        filters["_id"] = {"$lt": query.cursor}
    return filters


class DeliveryLog:
    def __init__(self, store: AggregateStore) -> None:
        self.store = store

    async def list_deliveries(self, query: ListDeliveries, _: CallContext) -> dict[str, Any]:
        found = self.store.collection.find(
            log_filter(query), sort=[("_id", DESCENDING)], limit=query.limit + 1
        )
        docs: list[Document] = [doc async for doc in found]
        page = docs[: query.limit]
        return {
            "items": [delivery_view(doc) for doc in page],
            "next_cursor": page[-1]["_id"] if len(docs) > query.limit else None,
        }

    async def retry(self, command: RetryDelivery, ctx: CallContext) -> dict[str, Any]:
        """Dead -> pending, due now: the dispatcher's next pass sends it. NotFound when
        there is no such delivery, Conflict (naming its status) when it is not dead."""
        now = clock.now()
        doc = await self.store.update(
            command.delivery_id, lambda d: (states.retried_by_admin(d, now, ctx.actor), [])
        )
        return delivery_view(doc)
