"""What notify knows of requests, micro-wishes and activities, from their services' events:
only what audiences and templates need.

- `requests` {_id, community_id, compound_id, building_id, title, kind, kind_name,
  resident_member_id, entered_by, urgency, handler {type, id, name, member_id}, at}: later
  events name the request only by id, so who the resident is and who entered it come from
  here; the handler from RequestDispatched (and who took it, from VolunteerAssigned).
- `wishes` {_id, community_id, title, entered_by, claimant {type, id, name}, at}.
- `activities` {_id, title, place, starts_at, community_id, compound_id, organiser_team_ids,
  target_group, status, at}: from the whole snapshots of the lifecycle events.
"""

from pymongo.asynchronous.database import AsyncDatabase

from services.notify.projection_writes import Document, merge_sections
from shared.bus.consumer import EventContext
from shared.contracts.events.activities import ActivityView
from shared.contracts.events.requests import Claimant, Handler, RequestCreated, WishSubmitted


class WorkProjection:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.requests = db["requests"]
        self.wishes = db["wishes"]
        self.activities = db["activities"]

    async def on_request_created(self, ctx: EventContext, data: RequestCreated) -> None:
        fields = {
            **data.location.model_dump(include={"community_id", "compound_id", "building_id"}),
            "title": data.title,
            "kind": data.kind,
            "kind_name": data.kind_name.model_dump() if data.kind_name else None,
            "resident_member_id": data.resident_member_id,
            "entered_by": data.entered_by,
            "urgency": data.urgency,
        }
        await merge_sections(self.requests, data.request_id, {"created": fields}, ctx.envelope.time)

    async def on_handler(self, ctx: EventContext, request_id: str, handler: Handler) -> None:
        fields = {"handler": handler.model_dump()}
        await merge_sections(self.requests, request_id, {"handler": fields}, ctx.envelope.time)

    async def on_assigned(self, ctx: EventContext, request_id: str, member_id: str) -> None:
        """A person now handles it: the dispatch's team (if any) stays, the person is named."""
        current: Document = await self.requests.find_one({"_id": request_id}) or {}
        handler = current.get("handler") or {"type": "volunteer", "id": member_id, "name": None}
        fields = {"handler": {**handler, "member_id": member_id}}
        await merge_sections(self.requests, request_id, {"handler": fields}, ctx.envelope.time)

    async def on_wish_submitted(self, ctx: EventContext, data: WishSubmitted) -> None:
        fields = {
            "community_id": data.community_id,
            "title": data.title,
            "entered_by": data.entered_by,
        }
        await merge_sections(self.wishes, data.wish_id, {"submitted": fields}, ctx.envelope.time)

    async def on_claimant(self, ctx: EventContext, wish_id: str, claimant: Claimant) -> None:
        fields = {"claimant": claimant.model_dump()}
        await merge_sections(self.wishes, wish_id, {"claimant": fields}, ctx.envelope.time)

    async def on_activity(self, ctx: EventContext, activity: ActivityView) -> None:
        view = activity.model_dump(
            include={
                "title",
                "place",
                "starts_at",
                "community_id",
                "compound_id",
                "organiser_team_ids",
                "target_group",
            }
        )
        sections = {"view": view, "status": {"status": activity.status}}
        await merge_sections(self.activities, activity.activity_id, sections, ctx.envelope.time)

    async def on_activity_status(self, ctx: EventContext, activity_id: str, status: str) -> None:
        sections = {"status": {"status": status}}
        await merge_sections(self.activities, activity_id, sections, ctx.envelope.time)
