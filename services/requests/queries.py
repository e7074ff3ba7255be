"""Queries: the kinds catalogue and request listings. Read-only; what leaves is masked."""

from collections.abc import Mapping
from typing import Any, Final

from pymongo import ASCENDING, DESCENDING

from services.requests.domain.kinds import KINDS
from services.requests.handlers import public
from shared.bus.rpc import CallContext
from shared.contracts.commands.requests import ListKinds, ListRequests
from shared.contracts.events.common import LocalizedText
from shared.store.aggregates import AggregateStore, Document

# Groups for the default kinds, until the editable catalogue (with its own issue) carries a
# group per kind; a kind missing here lands in "other".
GROUPS: Final[Mapping[str, LocalizedText]] = {
    "help": LocalizedText(zh="帮扶救助", en="Help"),
    "living": LocalizedText(zh="居住环境", en="Living environment"),
    "neighbourhood": LocalizedText(zh="邻里关系", en="Neighbourhood"),
    "feedback": LocalizedText(zh="意见建议", en="Feedback"),
    "other": LocalizedText(zh="其他", en="Other"),
}
KIND_GROUPS: Final[Mapping[str, str]] = {
    "emergency": "help",
    "hardship_help": "help",
    "health": "help",
    "repair": "living",
    "environment": "living",
    "neighbour_dispute": "neighbourhood",
    "suggestion": "feedback",
    "complaint": "feedback",
}

# Every field list_requests filters on has an index of its own (not compound with _id: on
# nx-27017 that breaks every insert; see docs/storage.md). Paging runs on _id.
INDEXED_FIELDS: Final = ("kind", "status", "location.community_id", "submitted_at")


def catalogue() -> list[dict[str, Any]]:
    items = []
    for code, name in KINDS.items():
        group = KIND_GROUPS.get(code, "other")
        items.append(
            {
                "code": code,
                "name": name.model_dump(),
                "group": {"code": group, "name": GROUPS[group].model_dump()},
                # Extra fields per kind (type, required, allowed values) come with the
                # editable catalogue; none for the defaults yet.
                "fields": [],
            }
        )
    return items


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
    def __init__(self, requests: AggregateStore) -> None:
        self.requests = requests

    async def create_indexes(self) -> None:
        for field in INDEXED_FIELDS:
            await self.requests.collection.create_index([(field, ASCENDING)])

    async def list_kinds(self, _: ListKinds, __: CallContext) -> dict[str, Any]:
        return {"items": catalogue()}

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
