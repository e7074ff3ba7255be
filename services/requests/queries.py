"""Queries: the kinds catalogue and request listings. Read-only; what leaves is masked."""

from typing import Any, Final

from pymongo import ASCENDING, DESCENDING

from services.requests.domain import kinds
from services.requests.handlers import public
from services.requests.kind_catalogue import KindCatalogue
from shared.bus.rpc import CallContext
from shared.contracts.commands.requests import ListKinds, ListRequests
from shared.store.aggregates import AggregateStore, Document

# Every field list_requests filters on has an index of its own (not compound with _id: on
# nx-27017 that breaks every insert; see docs/storage.md). Paging runs on _id.
INDEXED_FIELDS: Final = ("kind", "status", "location.community_id", "submitted_at")


def request_filter(query: ListRequests) -> dict[str, Any]:
    """The MongoDB filter for a listing (shapes pinned in the store conformance test)."""
    filters: dict[str, Any] = {}
    ids: dict[str, Any] = {}
    if query.ids:
        ids["$in"] = query.ids
    if query.cursor:
        ids["$lt"] = query.cursor  # newest first: the next page is below the last id seen
    if ids:
        filters["_id"] = ids
    if query.kinds:
        filters["kind"] = {"$in": query.kinds}
    excluded = set(query.not_statuses or ())
    if query.statuses is not None:
        filters["status"] = {"$in": [s for s in query.statuses if s not in excluded]}
    elif excluded:
        filters["status"] = {"$nin": sorted(excluded)}
    if query.community_id:
        filters["location.community_id"] = query.community_id
    submitted: dict[str, Any] = {}
    if query.submitted_from:
        submitted["$gte"] = query.submitted_from
    if query.submitted_to:
        submitted["$lt"] = query.submitted_to
    if submitted:
        filters["submitted_at"] = submitted
    return filters


class RequestQueries:
    def __init__(self, requests: AggregateStore, kinds: KindCatalogue | None = None) -> None:
        self.requests = requests
        self.kinds = kinds or KindCatalogue(requests.collection.database["kinds"])

    async def create_indexes(self) -> None:
        for field in INDEXED_FIELDS:
            await self.requests.collection.create_index([(field, ASCENDING)])

    async def list_kinds(self, _: ListKinds, __: CallContext) -> dict[str, Any]:
        """Each kind with its names, group, time limit, default handler and extra fields."""
        return {"items": [kinds.view(kind) for kind in await self.kinds.all()]}

    async def list_requests(self, query: ListRequests, _: CallContext) -> dict[str, Any]:
        found = self.requests.collection.find(
            request_filter(query), sort=[("_id", DESCENDING)], limit=query.limit + 1
        )
        docs: list[Document] = [doc async for doc in found]
        page = docs[: query.limit]
        more = len(docs) > query.limit
        return {
            "items": [public(doc) for doc in page],
            "next_cursor": page[-1]["_id"] if more else None,
        }
