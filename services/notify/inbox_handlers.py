"""The in-app inbox: a reader's notifications, their unread count, marking them read, and
the staff desk's listing of a community's notifications.

Notifications are written by the fan-out (one document per cause event and address, see
domain/inbox.py); here they are only read, and `read_by` grows. A reader reads every address
the gateway says is theirs (`audiences`): their account, their member, the desks of the
communities they administer. Read state is per reader (an account id in `read_by`), so one
admin reading the community desk's notice leaves it unread for the others.

Store shapes (tried on nx-27017, pinned in tests/integration/notify/test_inbox.py):
`audience` and `community_id` have indexes of their own (never compound with `_id`: that
breaks inserts on nx-27017). `read_by` has none: equality on an indexed array field is wrong
there, while `$nin` on an unindexed one is right. Read marks are `$addToSet` of a scalar with
`$inc` of `version`, so a writer holding an older copy (the relay) is fenced off.
"""

from typing import Any, Final

from pymongo import ASCENDING, DESCENDING

from services.notify.config import NotifySettings
from services.notify.domain.recipients import community_admins
from shared.bus.rpc import CallContext
from shared.contracts.commands import notify as commands
from shared.contracts.privacy import mask_text
from shared.contracts.rpc import FieldError, Invalid
from shared.runtime.service import ServiceRuntime
from shared.store.aggregates import AggregateStore, Document

COLLECTION: Final = "notifications"
INDEXED_FIELDS: Final = ("audience", "community_id")
# The unread count stops here: the console shows "999+", and the work stays bounded.
UNREAD_CAP: Final = 1000
# Never shown: the store's bookkeeping.
INTERNAL: Final = frozenset({"_id", "outbox", "has_outbox", "version", "revision"})


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    inbox = InboxHandlers(runtime.aggregates(COLLECTION))
    runtime.on_startup(inbox.create_indexes)
    runtime.command(commands.LIST_NOTIFICATIONS, commands.ListNotifications, inbox.desk)
    runtime.command(commands.MY_INBOX, commands.MyInbox, inbox.my_inbox)
    runtime.command(commands.UNREAD_COUNT, commands.UnreadCount, inbox.unread_count)
    runtime.command(commands.MARK_READ, commands.MarkRead, inbox.mark_read)


def unread_by(reader: str) -> dict[str, Any]:
    return {"read_by": {"$nin": [reader]}}


def readable(audiences: list[str]) -> dict[str, Any]:
    return {"audience": {"$in": sorted(set(audiences))}}


def desk_filter(query: commands.ListNotifications) -> dict[str, Any]:
    """A desk lists what staff desks were told, never members' personal notices (their star,
    their own request): those are read in the member's own inbox."""
    filters: dict[str, Any] = {}
    if query.audience:
        if not query.audience.startswith("role:"):
            raise Invalid(
                "the desk lists staff desks' notifications",
                [FieldError(loc=["audience"], msg="must be a desk: role:…", type="value_error")],
            )
        filters["audience"] = query.audience
    elif query.community_id:
        filters["audience"] = community_admins(query.community_id)
    if query.community_id:
        filters["community_id"] = query.community_id
    if query.cursor:
        filters["_id"] = {"$lt": query.cursor}  # newest first: below the last id seen
    return filters


def inbox_filter(query: commands.MyInbox) -> dict[str, Any]:
    filters = readable(query.audiences)
    if query.unread_only:
        filters.update(unread_by(query.reader))
    if query.cursor:
        filters["_id"] = {"$lt": query.cursor}
    return filters


def mark_filter(command: commands.MarkRead) -> dict[str, Any]:
    """Only the reader's own notifications: an id of someone else's is ignored."""
    filters = {**readable(command.audiences), **unread_by(command.reader)}
    if not command.all:
        filters["_id"] = {"$in": sorted(set(command.notification_ids))}
    return filters


def _messages(doc: Document) -> dict[str, Any]:
    """Both languages; free text masked again on the way out (a phone number typed into a
    request's title must not reach an inbox whole)."""
    return {
        lang: {part: mask_text(text) for part, text in (doc.get(lang) or {}).items()}
        for lang in ("zh", "en")
    }


def desk_view(doc: Document) -> dict[str, Any]:
    view = {k: v for k, v in doc.items() if k not in INTERNAL}
    view.update(_messages(doc))
    view["id"] = doc["_id"]
    view["created_at"] = doc["created_at"].isoformat()
    return view


def reader_view(doc: Document, reader: str) -> dict[str, Any]:
    """One reader's item: whether *they* read it, not who else did."""
    view = desk_view(doc)
    view.pop("read_by", None)
    view["read"] = reader in (doc.get("read_by") or [])
    return view


class InboxHandlers:
    def __init__(self, notifications: AggregateStore) -> None:
        self.notifications = notifications

    async def create_indexes(self) -> None:
        for field in INDEXED_FIELDS:
            await self.notifications.collection.create_index([(field, ASCENDING)])

    async def _page(self, filters: dict[str, Any], limit: int) -> tuple[list[Document], bool]:
        found = self.notifications.collection.find(
            filters, sort=[("_id", DESCENDING)], limit=limit + 1
        )
        docs: list[Document] = [doc async for doc in found]
        return docs[:limit], len(docs) > limit

    async def desk(self, query: commands.ListNotifications, _: CallContext) -> dict[str, Any]:
        page, more = await self._page(desk_filter(query), query.limit)
        return {
            "items": [desk_view(doc) for doc in page],
            "next_cursor": page[-1]["_id"] if more else None,
        }

    async def my_inbox(self, query: commands.MyInbox, _: CallContext) -> dict[str, Any]:
        page, more = await self._page(inbox_filter(query), query.limit)
        return {
            "items": [reader_view(doc, query.reader) for doc in page],
            "next_cursor": page[-1]["_id"] if more else None,
        }

    async def unread_count(self, query: commands.UnreadCount, _: CallContext) -> dict[str, Any]:
        filters = {**readable(query.audiences), **unread_by(query.reader)}
        unread = await self.notifications.collection.count_documents(filters, limit=UNREAD_CAP)
        return {"unread": unread, "capped": unread >= UNREAD_CAP}

    async def mark_read(self, command: commands.MarkRead, _: CallContext) -> dict[str, Any]:
        if not command.all and not command.notification_ids:
            msg = "name the notifications to mark read, or send all: true"
            raise Invalid(msg, [FieldError(loc=["notification_ids"], msg=msg, type="missing")])
        result = await self.notifications.collection.update_many(
            mark_filter(command),
            {"$addToSet": {"read_by": command.reader}, "$inc": {"version": 1, "revision": 1}},
        )
        return {"marked": result.modified_count}
