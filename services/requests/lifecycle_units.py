"""The registry's organisation units as this service needs them to dispatch: `org_units` =
`{_id, kind, name, community_id, compound_id, party_branch, owners_committee,
property_company, building_head_ids, at}` (`party_branch`, `owners_committee`,
`property_company`: the names of a compound's "3", None where it has none).

Each event carries the whole unit, so the newest one wins; an older one arriving late (a
redelivery) changes nothing."""

from typing import Any, cast

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shared.bus.consumer import EventContext
from shared.contracts.events.registry import OrgUnitCreated, OrgUnitUpdated

Document = dict[str, Any]


class UnitsProjection:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def create_indexes(self) -> None:
        await self.collection.create_index([("community_id", ASCENDING)])

    async def get(self, unit_id: str) -> Document | None:
        return await self.collection.find_one({"_id": unit_id})

    async def on_unit(self, ctx: EventContext) -> None:
        unit = cast(OrgUnitCreated | OrgUnitUpdated, ctx.data).unit
        at = ctx.envelope.time
        current = await self.collection.find_one({"_id": unit.unit_id}, {"at": 1})
        if current is not None and current.get("at") and current["at"] > at:
            return
        doc = {
            "_id": unit.unit_id,
            "kind": unit.kind,
            "name": unit.name,
            "community_id": unit.community_id,
            "compound_id": unit.compound_id,
            "party_branch": unit.party_branch.name if unit.party_branch else None,
            "owners_committee": unit.owners_committee,
            "property_company": unit.property_company,
            "building_head_ids": list(unit.building_head_ids),
            "at": at,
        }
        await self.collection.replace_one({"_id": unit.unit_id}, doc, upsert=True)
