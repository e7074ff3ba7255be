"""Event and query handlers of the notify service."""

from datetime import UTC, datetime
from typing import Any

from pymongo import DESCENDING

from services.notify.domain.inbox import Notification, for_request_created
from shared.bus.consumer import EventContext
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import new_event
from shared.contracts.commands.notify import ListNotifications
from shared.contracts.events.notify import NotificationSent
from shared.contracts.events.requests import RequestCreated
from shared.contracts.rpc import Conflict
from shared.store.aggregates import AggregateStore, Document


class NotifyHandlers:
    def __init__(self, notifications: AggregateStore, subdistrict: str) -> None:
        self.notifications = notifications
        self.subdistrict = subdistrict

    async def on_request_created(self, ctx: EventContext) -> None:
        assert isinstance(ctx.data, RequestCreated)
        now = datetime.now(UTC)
        for notification in for_request_created(
            ctx.data, event_id=ctx.envelope.id, event_type=ctx.envelope.type, now=now
        ):
            await self._deliver_to_inbox(notification, ctx, now)

    async def _deliver_to_inbox(
        self, notification: Notification, ctx: EventContext, now: datetime
    ) -> None:
        sent = new_event(
            NotificationSent(
                notification_id=notification.id,
                channel="inbox",
                audience=notification.audience,
                cause_event_id=notification.cause_event_id,
                cause_event_type=notification.cause_event_type,
                sent_at=now,
            ),
            subdistrict=self.subdistrict,
            subject=notification.id,
            correlation_id=ctx.envelope.correlationid,
            causation_id=ctx.envelope.id,
            traceparent=ctx.envelope.traceparent,
        )
        doc = {"_id": notification.id, **notification.model_dump(exclude={"id"})}
        try:
            await self.notifications.insert(doc, [sent])
        except Conflict:
            pass  # this event's notification exists already: a redelivery changes nothing

    async def list_notifications(self, query: ListNotifications, _: CallContext) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        if query.audience:
            filters["audience"] = query.audience
        if query.community_id:
            filters["community_id"] = query.community_id
        if query.cursor:
            filters["_id"] = {"$lt": query.cursor}
        cursor = (
            self.notifications.collection.find(filters)
            .sort("_id", DESCENDING)
            .limit(query.limit + 1)
        )
        docs = [doc async for doc in cursor]
        page = docs[: query.limit]
        more = len(docs) > query.limit
        return {
            "items": [public(doc) for doc in page],
            "next_cursor": page[-1]["_id"] if more else None,
        }


def public(doc: Document) -> dict[str, Any]:
    view = {
        k: v
        for k, v in doc.items()
        if k not in ("_id", "outbox", "has_outbox", "version", "revision")
    }
    view["id"] = doc["_id"]
    view["created_at"] = doc["created_at"].isoformat()
    return view
