"""Scope targets of the micro-wishes' routes (微心愿), and what a caller sees of a wish.

A wish lies in its community (`location.community_id`). Its admins (and the subdistrict's)
review it and act on it for anyone. Everyone signed in reads the wall: published, claimed,
fulfilled and confirmed wishes, the resident masked; a submitted or rejected wish is its
admins' only (for everyone else it does not exist: 404). Otherwise:
- a volunteer (or a team leader) may submit a wish for a resident of any community;
- a volunteer claims as themselves (their member), a partner account as its partner unit;
- the claimant fulfils it; the volunteer who entered it confirms it for the resident
  (never the claimant: nobody credits themselves).
For those the resolver answers "the role alone decides" (authz checks no scope) after
checking the wish is visible, and records on `request.state.as_admin` that the caller does
not act as an admin, so the route holds them to acting as themselves.
"""

import json
from typing import Any, Final

from fastapi import Request
from pydantic import ValidationError

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import UNCHECKABLE, Target
from services.gateway.service_rpc import ask
from services.gateway.targets import MAX_ID_LENGTH
from shared.contracts.commands import requests as commands
from shared.contracts.privacy import mask_name, mask_phone
from shared.contracts.rpc import NotFound

Document = dict[str, Any]
NOTHING: Final = Target(None, from_resource=True)
# A wish in these states is its community admins' only.
UNPUBLISHED: Final = frozenset({"submitted", "rejected"})
# Who may submit a wish for a resident of any community.
COLLECTORS: Final = frozenset({Role.VOLUNTEER, Role.TEAM_LEADER})


def caller(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, "principal", None)
    return found


async def find_wish(request: Request, wish_id: str) -> Document | None:
    if len(wish_id) > MAX_ID_LENGTH:
        return None
    try:
        query = commands.GetWish(wish_id=wish_id)
    except ValidationError:
        return None
    try:
        found: Document = await ask(request, commands.SERVICE, commands.GET_WISH, query)
    except NotFound:
        return None
    return found


def community_of(wish: Document) -> str | None:
    location = wish.get("location") or {}
    community = location.get("community_id") if isinstance(location, dict) else None
    return community if isinstance(community, str) and community else None


def administers(who: Principal | None, wish: Document) -> bool:
    """A person administering the wish's community (an API key administers nothing)."""
    if who is None or who.kind != "user":
        return False
    community = community_of(wish)
    return community is not None and who.covers_community(community)


def visible(who: Principal | None, wish: Document) -> bool:
    """Published and later wishes are everyone's; submitted and rejected ones its admins'."""
    return wish.get("status") not in UNPUBLISHED or administers(who, wish)


def claimant_of(wish: Document) -> tuple[str | None, str | None]:
    claimant = wish.get("claimant")
    if not isinstance(claimant, dict):
        return None, None
    return claimant.get("type"), claimant.get("id")


def is_claimant(who: Principal, wish: Document) -> bool:
    kind, claimant_id = claimant_of(wish)
    if claimant_id is None or who.kind != "user":
        return False
    if kind == "member":
        return who.member_id == claimant_id
    return kind == "partner" and who.partner_id == claimant_id


def entered_by_caller(who: Principal, wish: Document) -> bool:
    return who.kind == "user" and wish.get("entered_by") == f"user:{who.id}"


def as_admin(request: Request) -> bool:
    return bool(getattr(request.state, "as_admin", False))


def masked(wish: Document) -> Document:
    """The wish with its resident masked, whatever the service sent (fail closed)."""
    shown = dict(wish)
    resident = wish.get("resident")
    if isinstance(resident, dict):
        shown["resident"] = {
            **resident,
            "name": mask_name(resident.get("name")),
            "phone": mask_phone(resident.get("phone")),
        }
    for field, mask in (("resident_name", mask_name), ("resident_phone", mask_phone)):
        if isinstance(wish.get(field), str):
            shown[field] = mask(wish[field])
    return shown


def _keep(request: Request, found: Document | None) -> Document | None:
    request.state.resource = found
    return found


async def _acting(request: Request, wish_id: str, may_act: Any) -> Target:
    """A wish: its admins (COMMUNITY scope), or a caller `may_act(caller, wish)` lets act
    as themselves on a wish they can see (the role alone decides)."""
    request.state.as_admin = False
    found = _keep(request, await find_wish(request, wish_id))
    if found is None:
        return NOTHING
    who = caller(request)
    target = Target(community_of(found), from_resource=True)
    if who is None or administers(who, found):
        request.state.as_admin = True
        return target
    if visible(who, found) and may_act(who, found):
        return UNCHECKABLE
    return target  # authz answers 404: outside the caller's scope


# -- from a path id -------------------------------------------------------------------------


async def wish_admins(request: Request, wish_id: str) -> Target:
    """A wish, for its community's admins only."""
    request.state.as_admin = True
    found = _keep(request, await find_wish(request, wish_id))
    if found is None:
        return NOTHING
    return Target(community_of(found), from_resource=True)


async def wish_claimer(request: Request, wish_id: str) -> Target:
    """A wish to claim: its admins for anyone; a volunteer or partner as themselves."""

    def may_act(who: Principal, _: Document) -> bool:
        return bool(who.member_id or who.partner_id)

    return await _acting(request, wish_id, may_act)


async def wish_fulfiller(request: Request, wish_id: str) -> Target:
    """A claimed wish: its admins, and its claimant."""
    return await _acting(request, wish_id, is_claimant)


async def wish_confirmer(request: Request, wish_id: str) -> Target:
    """A fulfilled wish: its admins, and the volunteer who entered it for the resident."""
    return await _acting(request, wish_id, entered_by_caller)


# -- from a body ----------------------------------------------------------------------------


async def new_wish_community(request: Request) -> Target:
    """A new wish: in `location.community_id`, its admins'; a volunteer or team leader may
    collect one from a resident of any community."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return UNCHECKABLE
    location = body.get("location") if isinstance(body, dict) else None
    community = location.get("community_id") if isinstance(location, dict) else None
    if not isinstance(community, str) or not community:
        return UNCHECKABLE  # the 422 says why
    who = caller(request)
    if who is not None and not who.covers_community(community) and who.roles & COLLECTORS:
        return UNCHECKABLE
    return Target(community)
