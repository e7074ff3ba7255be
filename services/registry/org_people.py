"""Members as the organisation and the teams see them: whether they may hold a role, and
their volunteer number and masked name (read from the `members` collection)."""

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.registry.domain.org import Loc
from shared.contracts.privacy import mask_name
from shared.contracts.rpc import FieldError

Document = dict[str, Any]
# A member who left or was merged into another registration holds no role.
GONE = frozenset({"left", "merged"})


class People:
    def __init__(self, members: AsyncCollection[Document]) -> None:
        self.members = members

    async def find(self, member_ids: Iterable[str]) -> dict[str, Document]:
        """`{member_id: {volunteer_no, name (masked), status}}` for those that exist."""
        ids = list(set(member_ids))
        if not ids:
            return {}
        cursor = self.members.find(
            {"_id": {"$in": ids}}, {"volunteer_no": 1, "name": 1, "status": 1}
        )
        return {
            doc["_id"]: {
                "volunteer_no": doc.get("volunteer_no"),
                "name": mask_name(doc.get("name")),
                "status": doc.get("status"),
            }
            async for doc in cursor
        }

    async def masked_names(self, member_ids: Iterable[str]) -> dict[str, str | None]:
        return {member_id: p["name"] for member_id, p in (await self.find(member_ids)).items()}

    async def cannot_hold_roles(self, holders: Sequence[tuple[Loc, str]]) -> list[FieldError]:
        """Why each named member cannot hold a role: not registered, left, or merged."""
        found = await self.find(member_id for _, member_id in holders)
        errors = []
        for loc, member_id in holders:
            person = found.get(member_id)
            if person is None:
                errors.append(FieldError(loc=loc, msg=f"no member {member_id}", type="not_found"))
            elif person["status"] in GONE:
                msg = f"member {member_id} is {person['status']} and holds no role"
                errors.append(FieldError(loc=loc, msg=msg, type=person["status"]))
        return errors
