"""The partner units this service knows, from the registry's events: `partners` =
`{_id, name, kind, community_ids}`. An activity a partner unit organises without a team (a
college's repair day) is recorded in the volunteers' service records under its name."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from shared.bus.consumer import EventContext
from shared.contracts.events.registry import PartnerUnitRegistered

Document = dict[str, Any]


class PartnersProjection:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def on_partner(self, ctx: EventContext) -> None:
        assert isinstance(ctx.data, PartnerUnitRegistered)
        partner = ctx.data
        doc = {
            "_id": partner.partner_id,
            "name": partner.name,
            "kind": partner.kind,
            "community_ids": list(partner.community_ids),
        }
        await self.collection.replace_one({"_id": partner.partner_id}, doc, upsert=True)

    async def name_of(self, partner_id: str) -> str | None:
        found = await self.collection.find_one({"_id": partner_id}, {"name": 1})
        return str(found["name"]) if found else None
