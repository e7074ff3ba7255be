"""Commands on the organisation's units: communities, compounds, buildings, grids."""

from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.registry.domain import org
from services.registry.domain.org import Document, Unchanged
from services.registry.org_people import People
from services.registry.org_support import Clock, Emitter, raise_if
from shared.bus.rpc import CallContext
from shared.contracts.commands.registry import CreateOrgUnit, GetOrgTree, GetOrgUnit, UpdateOrgUnit
from shared.contracts.events.registry import OrgUnitCreated, OrgUnitUpdated
from shared.contracts.ids import new_id
from shared.contracts.rpc import Conflict, FieldError, NotFound
from shared.store.aggregates import AggregateStore


class OrgUnits:
    def __init__(self, units: AggregateStore, people: People, emit: Emitter, clock: Clock) -> None:
        self.units = units
        self.people = people
        self.emit = emit
        self.clock = clock

    async def create_indexes(self) -> None:
        collection = self.units.collection
        for field in ("kind", "community_id", "parent_id", "name"):
            await collection.create_index([(field, ASCENDING)])
        # Two siblings of one kind with one name are a double entry; the index settles races.
        # Sparse: a unit written without the key (a test's or an import's seed) is let be.
        await collection.create_index([("name_key", ASCENDING)], unique=True, sparse=True)

    async def create(self, cmd: CreateOrgUnit, ctx: CallContext) -> dict[str, Any]:
        parent = await self._find(cmd.parent_id)
        raise_if(org.misplaced(cmd.kind, cmd.parent_id, parent))
        parts = org.given_parts(cmd)
        raise_if(org.parts_not_of_kind(cmd.kind, parts))
        unit_id = cmd.unit_id or new_id()
        doc = org.new_unit(cmd, unit_id, parent, now=self.clock.now(), actor=ctx.actor)
        raise_if(await self._wrong_parts(doc, parts))
        if cmd.unit_id and await self._find(cmd.unit_id):
            raise Conflict(f"the org unit id {cmd.unit_id} is taken")
        await self._name_free(doc)
        event = self.emit(OrgUnitCreated(unit=org.event_view(doc)), unit_id, ctx)
        try:
            stored = await self.units.insert(doc, [event])
        except Conflict as exc:  # the id or the name, taken in the meantime
            raise Conflict(f"the org unit {unit_id} or its name is taken: {exc}") from exc
        return org.public(stored)

    async def update(self, cmd: UpdateOrgUnit, ctx: CallContext) -> dict[str, Any]:
        current = await self.units.get(cmd.unit_id)
        parts = org.given_parts(cmd)
        raise_if(org.parts_not_of_kind(current["kind"], parts))
        raise_if(await self._wrong_parts(current, parts))
        if cmd.name is not None and cmd.name != current["name"]:
            await self._name_free({**current, "name": cmd.name})

        def change(doc: Document) -> tuple[Document, list[Any]]:
            new, changed = org.changed_unit(
                doc, cmd.name, parts, now=self.clock.now(), actor=ctx.actor
            )
            event = OrgUnitUpdated(unit=org.event_view(new), changed=changed)
            return new, [self.emit(event, cmd.unit_id, ctx)]

        try:
            stored = await self.units.update(cmd.unit_id, change, cmd.expected_revision)
        except Unchanged as nothing:
            return org.public(nothing.doc)
        except DuplicateKeyError as exc:
            raise Conflict(f"a sibling is already named {cmd.name}") from exc
        return org.public(stored)

    async def get(self, query: GetOrgUnit, _: CallContext) -> dict[str, Any]:
        return org.public(await self.units.get(query.unit_id))

    async def tree(self, query: GetOrgTree, _: CallContext) -> dict[str, Any]:
        where: Document = {}
        if query.community_id is not None:
            community = await self._find(query.community_id)
            if community is None or community["kind"] != "community":
                raise NotFound(f"no community {query.community_id}")
            where = {"community_id": query.community_id}
        units = [doc async for doc in self.units.collection.find(where)]
        holders = {member_id for unit in units for _, member_id in org.role_holders(unit)}
        names = await self.people.masked_names(holders)
        return {"communities": org.org_tree(units, names)}

    async def _find(self, unit_id: str | None) -> Document | None:
        if unit_id is None:
            return None
        found: Document | None = await self.units.collection.find_one({"_id": unit_id})
        return found

    async def _wrong_parts(self, unit: Document, parts: Document) -> list[FieldError]:
        """Role holders must be members who may hold a role; a grid's buildings must be
        buildings of its community."""
        errors = await self.people.cannot_hold_roles(org.role_holders(parts))
        building_ids = parts.get("grid_building_ids") or []
        if building_ids:
            cursor = self.units.collection.find({"_id": {"$in": building_ids}})
            found = {doc["_id"]: doc async for doc in cursor}
            errors += org.buildings_outside(building_ids, unit["community_id"], found)
        return errors

    async def _name_free(self, unit: Document) -> None:
        sibling = await self.units.collection.find_one({"name_key": org.name_key(unit)})
        if sibling is not None and sibling["_id"] != unit["_id"]:
            where = f"in {unit['parent_id']}" if unit["parent_id"] else "in the subdistrict"
            raise Conflict(f"there is already a {unit['kind']} named {unit['name']} {where}")
