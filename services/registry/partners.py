"""Partner units (共建单位): clinics, college teams, enterprises, charities, and the
communities they serve."""

from typing import Any

from pymongo import ASCENDING

from services.registry.domain.org import public
from services.registry.org_support import Clock, Emitter, raise_if
from shared.bus.rpc import CallContext
from shared.contracts.commands.registry import ListPartners, RegisterPartner
from shared.contracts.events.registry import PartnerUnitRegistered
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, FieldError
from shared.store.aggregates import AggregateStore


class Partners:
    def __init__(
        self, partners: AggregateStore, units: AggregateStore, emit: Emitter, clock: Clock
    ) -> None:
        self.partners = partners
        self.units = units
        self.emit = emit
        self.clock = clock

    async def create_indexes(self) -> None:
        await self.partners.collection.create_index([("community_ids", ASCENDING)])
        # One partner registered twice would split its activities between two entries.
        await self.partners.collection.create_index([("name", ASCENDING)], unique=True)

    async def register(self, cmd: RegisterPartner, ctx: CallContext) -> dict[str, Any]:
        community_ids = list(dict.fromkeys(cmd.community_ids))  # once each, in the given order
        raise_if(await self._not_communities(cmd.community_ids))
        partner_id = cmd.partner_id or new_id()
        if cmd.partner_id and await self.partners.collection.find_one({"_id": cmd.partner_id}):
            raise Conflict(f"the partner id {cmd.partner_id} is taken")
        if await self.partners.collection.find_one({"name": cmd.name}):
            raise Conflict(f"a partner unit named {cmd.name} is already registered")
        now = self.clock.now()
        doc = {
            "_id": partner_id,
            "name": cmd.name,
            "kind": cmd.kind,
            "contact_name": cmd.contact_name,
            "contact_phone": cmd.contact_phone,
            "community_ids": community_ids,
            "registered_at": now,
            "registered_by": ctx.actor,
        }
        registered = PartnerUnitRegistered(
            partner_id=partner_id, name=cmd.name, kind=cmd.kind, community_ids=community_ids
        )
        try:
            stored = await self.partners.insert(doc, [self.emit(registered, partner_id, ctx)])
        except Conflict as exc:
            raise Conflict(f"the partner {partner_id} or its name is taken: {exc}") from exc
        return public(stored)

    async def find(self, query: ListPartners, _: CallContext) -> dict[str, Any]:
        # `$in`, not an equality: nx-27017 answers an equality on an indexed array with nothing.
        where = {"community_ids": {"$in": [query.community_id]}} if query.community_id else {}
        cursor = self.partners.collection.find(where).sort("name", ASCENDING)
        return {"partners": [public(doc) async for doc in cursor]}

    async def _not_communities(self, community_ids: list[str]) -> list[FieldError]:
        cursor = self.units.collection.find({"_id": {"$in": community_ids}, "kind": "community"})
        found = {doc["_id"] async for doc in cursor}
        return [
            FieldError(loc=["community_ids", i], msg=f"no community {cid}", type="not_found")
            for i, cid in enumerate(community_ids)
            if cid not in found
        ]
