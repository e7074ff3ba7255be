"""What a caller sees of a request: pure, no I/O (the targets' lookups are in
request_targets.py).

A request lies in its community (`location.community_id`) and, once dispatched, has a
handler (`handler: {type, id, name, member_id}`): a person (a volunteer, the building head,
a grid worker), a team, or one of the compound's "3" (no person).

Mediation notes (`notes[].mediation`, and timeline entries marked so) are the handler's and
the community admins' only: the assigned member, the leaders of the handling team (and of
the teams above it), a subdistrict_admin and the community's community_admins. Everyone
else (team leaders overseeing the assigned member, the volunteer who entered the request,
integrations) gets the request without them. The resident's phone is shown to the assigned
member (routes/requests.py, audited as a reveal with reason "handler").
"""

from typing import Any, Final

from fastapi import Request

from services.gateway.accounts.model import Principal, Role
from services.gateway.reveal import may_reveal

Document = dict[str, Any]
# Handler types that are a person: their id is a member id.
PERSONS: Final = frozenset({"volunteer", "building_head", "grid_worker"})


def community_of(doc: Document) -> str | None:
    location = doc.get("location") or {}
    community = location.get("community_id") if isinstance(location, dict) else None
    return community if isinstance(community, str) and community else None


def handler_of(doc: Document) -> Document:
    handler = doc.get("handler")
    return handler if isinstance(handler, dict) else {}


def handler_member(doc: Document) -> str | None:
    """The member who handles the request, when a person does (`member_id`; for a handler
    that is a person, its id is the member's too)."""
    handler = handler_of(doc)
    member = handler.get("member_id")
    if member is None and handler.get("type") in PERSONS:
        member = handler.get("id")
    return member if isinstance(member, str) and member else None


def handling_team(doc: Document) -> str | None:
    handler = handler_of(doc)
    team = handler.get("id") if handler.get("type") == "team" else None
    return team if isinstance(team, str) and team else None


def entered_by_caller(doc: Document, who: Principal | None) -> bool:
    """Whether the caller's account entered the request (on a resident's behalf)."""
    return (
        who is not None
        and who.kind == "user"
        and doc.get("entered_by") is not None
        and doc.get("entered_by") == f"user:{who.id}"
    )


def is_admin_of(who: Principal, doc: Document) -> bool:
    """A person administering the request's community (never an API key)."""
    return may_reveal(who, community_of(doc))


def is_handler(who: Principal, doc: Document) -> bool:
    """The assigned member themselves (a person's account tied to that member)."""
    member = handler_member(doc)
    return who.kind == "user" and member is not None and who.member_id == member


def leads_handling_team(request: Request, who: Principal) -> bool:
    """A leader of the handling team or of a team above it (as the target found them)."""
    line = getattr(request.state, "handling_teams", ())
    return Role.TEAM_LEADER in who.roles and bool(who.teams.intersection(line))


def may_see_mediation(request: Request, who: Principal, doc: Document) -> bool:
    return is_admin_of(who, doc) or is_handler(who, doc) or leads_handling_team(request, who)


def without_mediation(doc: Document) -> Document:
    """The request without its mediation notes (in `notes` and in the timeline)."""
    shown = dict(doc)
    for field in ("notes", "timeline"):
        entries = doc.get(field)
        if isinstance(entries, list):
            shown[field] = [e for e in entries if not _is_mediation(e)]
    return shown


def _is_mediation(entry: Any) -> bool:
    return isinstance(entry, dict) and bool(entry.get("mediation"))


def shown_to(request: Request, who: Principal, doc: Any) -> Any:
    """A request as this caller may see it: mediation notes only for those who may."""
    if not isinstance(doc, dict) or may_see_mediation(request, who, doc):
        return doc
    return without_mediation(doc)


def listed_for(who: Principal, page: Any) -> Any:
    """A page of requests (`items`): mediation notes only for each one's admins and its
    handler (a listing knows no handling team's leaders: they read the request itself)."""
    if not isinstance(page, dict) or not isinstance(page.get("items"), list):
        return page
    items = [
        item
        if not isinstance(item, dict) or is_admin_of(who, item) or is_handler(who, item)
        else without_mediation(item)
        for item in page["items"]
    ]
    return {**page, "items": items}
