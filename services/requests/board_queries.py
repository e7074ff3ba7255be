"""The board (requests by status, with filters) and a member's assigned requests. Newest
first, cursor-paged by id (ids sort by creation time); what leaves is masked and without
mediation notes."""

from datetime import datetime
from typing import Any, Final

from pymongo import ASCENDING, DESCENDING

from services.requests import lifecycle_clock
from services.requests.domain.lifecycle import OPEN
from services.requests.request_views import request_view
from shared.bus.rpc import CallContext
from shared.contracts.commands.requests import AssignedToMember, GetBoard
from shared.store.aggregates import AggregateStore, Document

# Query paths of this part, each indexed alone (a compound with _id breaks inserts on
# nx-27017). `assigned_member_ids` is an array: queried with $in only.
INDEXED_FIELDS: Final = ("handler.id", "deadline", "assigned_member_ids")
# Not yet resolved, for a member's list: work still to do.
TO_DO: Final = OPEN


def board_filter(query: GetBoard, now: datetime) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if query.cursor:
        filters["_id"] = {"$lt": query.cursor}
    if query.status:
        filters["status"] = query.status
    if query.community_id:
        filters["location.community_id"] = query.community_id
    if query.kind:
        filters["kind"] = query.kind
    if query.handler_id:
        filters["handler.id"] = query.handler_id
    if query.overdue is True:
        filters["deadline"] = {"$lt": now}
        if not query.status:
            filters["status"] = {"$in": list(OPEN)}
        elif query.status not in OPEN:
            filters["status"] = {"$in": []}  # a closed request is not overdue
    elif query.overdue is False:
        filters["$or"] = [{"status": {"$nin": list(OPEN)}}, {"deadline": {"$gte": now}}]
    return filters


class BoardQueries:
    def __init__(self, requests: AggregateStore) -> None:
        self.requests = requests

    async def create_indexes(self) -> None:
        for field in INDEXED_FIELDS:
            await self.requests.collection.create_index([(field, ASCENDING)])

    async def _page(self, filters: dict[str, Any], limit: int) -> dict[str, Any]:
        found = self.requests.collection.find(filters, sort=[("_id", DESCENDING)], limit=limit + 1)
        docs: list[Document] = [doc async for doc in found]
        page = docs[:limit]
        return {
            "items": [request_view(doc) for doc in page],
            "next_cursor": page[-1]["_id"] if len(docs) > limit else None,
        }

    async def board(self, query: GetBoard, _: CallContext) -> dict[str, Any]:
        return await self._page(board_filter(query, lifecycle_clock.now()), query.limit)

    async def assigned_to_member(self, query: AssignedToMember, _: CallContext) -> dict[str, Any]:
        """Requests the member handles now, or served in a resolution."""
        filters: dict[str, Any] = {"assigned_member_ids": {"$in": [query.member_id]}}
        if query.cursor:
            filters["_id"] = {"$lt": query.cursor}
        if query.open_only:
            filters["status"] = {"$in": list(TO_DO)}
        return await self._page(filters, query.limit)
