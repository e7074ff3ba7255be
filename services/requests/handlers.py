"""Command handlers: parse (done by the RPC layer), call the domain, persist, emit."""

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.requests.domain.intake import checked_extra
from services.requests.domain.kinds import Kind, UnknownKind
from services.requests.domain.model import submit
from services.requests.domain.privacy import mask_text, resident_view
from services.requests.kind_catalogue import KindCatalogue
from services.requests.request_views import request_view
from shared.bus.rpc import CallContext
from shared.contracts.catalogue import new_event
from shared.contracts.commands.requests import CreateRequest, GetRequest
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, FieldError, Invalid
from shared.store.aggregates import AggregateStore, Document

# A retry reference is kept this long (a TTL index forgets it); the gateway keeps an
# Idempotency-Key's answer for 24 hours, so a retry comes long before.
CLIENT_REF_RETENTION: Final = timedelta(days=30)
# Free-text fields of a request's view (and of its timeline entries) masked on the way out.
FREE_TEXT: Final = ("title", "description")


class RequestHandlers:
    def __init__(
        self,
        requests: AggregateStore,
        subdistrict: str,
        client_refs: AsyncCollection[Document] | None = None,
        kinds: KindCatalogue | None = None,
    ) -> None:
        self.requests = requests
        self.subdistrict = subdistrict
        # The catalogue lives in the same database (the `kinds` collection).
        self.kinds = kinds or KindCatalogue(requests.collection.database["kinds"])
        # {_id: client_ref, request_id, fingerprint, at, expires_at}: one per retry reference.
        self.client_refs = client_refs

    async def create_indexes(self) -> None:
        if self.client_refs is not None:
            await self.client_refs.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)

    async def create_request(self, cmd: CreateRequest, ctx: CallContext) -> dict[str, Any]:
        """Creates the request; with a `client_ref`, at most once per reference.

        The reference is recorded (`client_refs`, `_id` = the reference) with the request id
        *before* the request is stored. A second command with the same reference (the client
        retried after its first answer was lost) finds the record and stores the request under
        the recorded id, so the unique `_id` lets only one request exist; whichever command
        loses that insert answers with the stored request."""
        request_id, now = new_id(), stored_time(datetime.now(UTC))
        kind = await self._kind(cmd.kind)
        # Checked before the reference is claimed: a refused command leaves no record, so
        # the client may correct it and retry with the same Idempotency-Key.
        checked_extra(kind, cmd.extra)
        if cmd.client_ref:
            request_id, now = await self._claim_ref(cmd, request_id, now)
        request, created = submit(cmd, request_id=request_id, now=now, kinds={kind.code: kind})
        event = new_event(
            created,
            subdistrict=self.subdistrict,
            subject=request.id,
            correlation_id=ctx.correlation_id,
            traceparent=ctx.traceparent,
        )
        doc = {"_id": request.id, **request.model_dump(mode="python", exclude={"id"})}
        try:
            stored = await self.requests.insert(doc, [event])
        except Conflict:
            if not cmd.client_ref:
                raise
            stored = await self.requests.get(request_id)  # made by the first attempt
        return public(stored)

    async def _kind(self, code: str) -> Kind:
        """The kind from the catalogue; Invalid naming `kind` (and the known ones) if none."""
        kind = await self.kinds.get(code)
        if kind is not None:
            return kind
        exc = UnknownKind(code, [k.code for k in await self.kinds.all()])
        raise Invalid(str(exc), [FieldError(loc=["kind"], msg=str(exc), type="enum")])

    async def _claim_ref(
        self, cmd: CreateRequest, request_id: str, now: datetime
    ) -> tuple[str, datetime]:
        """The request id (and submission time) for this command's client_ref: ours if the
        reference is new, else the one recorded by the first command that carried it."""
        if self.client_refs is None:
            return request_id, now
        fingerprint = command_fingerprint(cmd)
        record = {
            "_id": cmd.client_ref,
            "request_id": request_id,
            "fingerprint": fingerprint,
            "at": now,
            "expires_at": now + CLIENT_REF_RETENTION,
        }
        for _ in range(3):  # a record can expire between our insert and our read
            try:
                await self.client_refs.insert_one(record)
                return request_id, now
            except DuplicateKeyError:
                pass
            earlier: Document | None = await self.client_refs.find_one({"_id": cmd.client_ref})
            if earlier is None:
                continue
            if earlier["fingerprint"] != fingerprint:
                msg = "this Idempotency-Key was already used for another request; use a new key"
                raise Invalid(msg, [FieldError(loc=["client_ref"], msg=msg, type="reused")])
            at: datetime = earlier["at"]
            return earlier["request_id"], at
        raise Conflict("the client reference changed concurrently; retry")

    async def get_request(self, query: GetRequest, ctx: CallContext) -> dict[str, Any]:
        # The lifecycle's view (request_views.py): timeline, notes, deadline, handler...
        doc = await self.requests.get(query.request_id)
        return request_view(doc, query.reveal, include_mediation=query.include_mediation)


def stored_time(at: datetime) -> datetime:
    """A time as the store keeps it (milliseconds), so the create's answer and every later
    read (a retry's answer included) say the same."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def command_fingerprint(cmd: CreateRequest) -> str:
    """What the request says (not who sent it or its reference): a retry must say the same."""
    said = cmd.model_dump_json(exclude={"client_ref", "entered_by"})
    return hashlib.sha256(said.encode()).hexdigest()


def public(doc: Document, reveal: Collection[str] = ()) -> dict[str, Any]:
    """What leaves the service: no outbox, personal data masked except the fields in
    `reveal` (the gateway decides who may ask, and audits it). Phone and ID numbers in
    free text (title, description, timeline notes) are masked always: `reveal` names only
    the resident's fields, and the stored text keeps the resident's own words."""
    hidden = ("_id", "outbox", "has_outbox", "version", "resident")  # version: a storage fence
    view = {k: v for k, v in doc.items() if k not in hidden}
    view["id"] = doc["_id"]
    view["resident"] = resident_view(doc.get("resident"), reveal)
    member_id = (doc.get("resident") or {}).get("member_id")
    if member_id:  # an id, not personal data: who the resident is in the registry
        view["resident"]["member_id"] = member_id
    view["submitted_at"] = doc["submitted_at"].isoformat()
    for field in FREE_TEXT:
        if isinstance(view.get(field), str):
            view[field] = mask_text(view[field])
    if isinstance(view.get("timeline"), list):
        view["timeline"] = [_masked_entry(entry) for entry in view["timeline"]]
    if isinstance(view.get("notes"), list):  # mediation notes only through GET_REQUEST
        view["notes"] = request_view(doc)["notes"]
    return view


def _masked_entry(entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("note"), str):
        return {**entry, "note": mask_text(entry["note"])}
    return entry
