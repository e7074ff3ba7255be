"""Command handlers: parse (done by the RPC layer), call the domain, persist, emit."""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from services.requests.domain.kinds import UnknownKind
from services.requests.domain.model import submit
from services.requests.domain.privacy import resident_view
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import new_event
from shared.contracts.commands.requests import CreateRequest, GetRequest
from shared.contracts.ids import new_id
from shared.contracts.rpc import FieldError, Invalid
from shared.store.aggregates import AggregateStore, Document


class RequestHandlers:
    def __init__(self, requests: AggregateStore, subdistrict: str) -> None:
        self.requests = requests
        self.subdistrict = subdistrict

    async def create_request(self, cmd: CreateRequest, ctx: CallContext) -> dict[str, Any]:
        try:
            request, created = submit(cmd, request_id=new_id(), now=datetime.now(UTC))
        except UnknownKind as exc:
            raise Invalid(str(exc), [FieldError(loc=["kind"], msg=str(exc), type="enum")]) from exc
        event = new_event(
            created,
            subdistrict=self.subdistrict,
            subject=request.id,
            correlation_id=ctx.correlation_id,
            traceparent=ctx.traceparent,
        )
        doc = {"_id": request.id, **request.model_dump(mode="python", exclude={"id"})}
        stored = await self.requests.insert(doc, [event])
        return public(stored)

    async def get_request(self, query: GetRequest, ctx: CallContext) -> dict[str, Any]:
        return public(await self.requests.get(query.request_id), reveal=query.reveal)


def public(doc: Document, reveal: Collection[str] = ()) -> dict[str, Any]:
    """What leaves the service: no outbox, personal data masked except the fields in
    `reveal` (the gateway decides who may ask, and audits it)."""
    hidden = ("_id", "outbox", "has_outbox", "version", "resident")  # version: a storage fence
    view = {k: v for k, v in doc.items() if k not in hidden}
    view["id"] = doc["_id"]
    view["resident"] = resident_view(doc.get("resident"), reveal)
    view["submitted_at"] = doc["submitted_at"].isoformat()
    return view
