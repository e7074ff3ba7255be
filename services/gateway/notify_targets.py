"""Who reads which notifications, and the scope targets of the notify routes.

A signed-in account reads several addresses (the notify service's addresses, see its
domain/recipients.py): its own account, its member if it is tied to one, the desk of every
community it administers, the subdistrict's desk. They come from the Principal the access
token names, never from a query or a body.

A notice names what it reaches in `scope` (building:, compound:, community:, team:) and the
community it belongs to in `community_id`. The scope is looked up (an org unit or a team in
the registry): a community's admins post to what lies in their community, a team leader to
their team (and the sub-squads under it). A scope that is missing answers 404, like one
outside the caller's reach; one in another community than `community_id` is a 422 (the
handler checks it against `request.state.resource`).
"""

import re
from typing import Any, Final

from fastapi import HTTPException, Request

from services.gateway.accounts.model import Principal, Role
from services.gateway.authz import UNCHECKABLE, Target
from services.gateway.registry_targets import team_line
from services.gateway.service_rpc import look_up
from services.gateway.targets import json_body
from shared.contracts import addresses
from shared.contracts.commands import notify as commands
from shared.contracts.commands import registry
from shared.contracts.rpc import FieldError, Invalid

Document = dict[str, Any]
NOTHING: Final = Target(None, from_resource=True)
UNIT_SCOPES: Final = ("building", "compound")
SCOPE_PATTERN: Final = re.compile(r"^(building|compound|community|team):(.+)$")


def audiences_of(caller: Principal) -> list[str]:
    """Every address the caller reads, theirs by their roles and scopes."""
    mine = [addresses.account(caller.id)]
    if caller.member_id:
        mine.append(addresses.member(caller.member_id))
    if Role.COMMUNITY_ADMIN in caller.roles:
        mine += [addresses.community_admins(c) for c in sorted(caller.communities)]
    if Role.SUBDISTRICT_ADMIN in caller.roles:
        mine.append(addresses.SUBDISTRICT_ADMINS)
    return mine[: commands.MAX_AUDIENCES]


def reader_of(caller: Principal) -> dict[str, Any]:
    """The `reader` and `audiences` of an inbox query: a person's account only (an API key
    reads no inbox)."""
    if caller.kind != "user":
        raise HTTPException(403, "an API key has no inbox: sign in as a person")
    return {"reader": caller.id, "audiences": audiences_of(caller)}


def member_of(caller: Principal) -> str:
    """The member an account is tied to (a volunteer's), for its own preferences."""
    if caller.kind != "user" or not caller.member_id:
        raise HTTPException(
            403, "this account is not tied to a member: an admin sets a member's preferences"
        )
    return caller.member_id


# -- a notice's scope -------------------------------------------------------------------------


async def notice_target(request: Request) -> Target:
    """The scope a new notice reaches: its community's admins reach a building, compound or
    the community itself; a team's community admins and the leaders of it and of the teams
    above it reach a team. What was looked up goes on `request.state.resource`."""
    body = await json_body(request)
    scope = body.get("scope") if body else None
    community = body.get("community_id") if body else None
    found = SCOPE_PATTERN.match(scope) if isinstance(scope, str) else None
    if found is None or not isinstance(community, str) or not community:
        return UNCHECKABLE  # the body's validation says why
    kind, ident = found.groups()
    if kind == "community":
        request.state.resource = {"community_id": ident}
        return Target(ident, community=ident, teams=())
    if kind in UNIT_SCOPES:
        unit = await look_up(
            request, registry.SERVICE, registry.GET_ORG_UNIT, registry.GetOrgUnit, unit_id=ident
        )
        request.state.resource = unit
        if unit is None or unit.get("kind") != kind:
            return NOTHING
        where = unit.get("community_id")
        return Target(where, from_resource=True, community=where, teams=())
    team = await look_up(
        request, registry.SERVICE, registry.GET_TEAM, registry.GetTeam, team_id=ident
    )
    request.state.resource = team
    if team is None:
        return NOTHING
    return Target(
        ident, from_resource=True, community=team.get("community_id"), teams=team_line(ident, team)
    )


def check_notice_community(body: commands.PostNoticeBody, scope_found: Document) -> None:
    """The scope must lie in the notice's community: a community's residents are told only
    of their own community's notices. A subdistrict-wide team (no community) fits any."""
    lies_in = scope_found.get("community_id")
    if lies_in is not None and lies_in != body.community_id:
        msg = f"{body.scope} lies in community {lies_in!r}, not {body.community_id!r}"
        raise Invalid(msg, [FieldError(loc=["community_id"], msg=msg, type="scope_mismatch")])


# -- deliveries -------------------------------------------------------------------------------

CHANNELS: Final = frozenset({"inbox", "wecom_robot", "email", "sms", "webhook"})


def check_delivery_id(delivery_id: str) -> None:
    """`<cause event id>:<recipient>:<channel>` (the notify service's delivery_id): anything
    else names no delivery, and is a 422 naming it rather than a lookup."""
    event_id, _, rest = delivery_id.partition(":")
    recipient, _, channel = rest.rpartition(":")
    if not event_id or not recipient or channel not in CHANNELS:
        msg = "a delivery id is <event id>:<recipient>:<channel>, as the delivery log shows it"
        raise Invalid(msg, [FieldError(loc=["delivery_id"], msg=msg, type="value_error")])
