"""Shared steps of the requests' end-to-end tests: a community with a compound (whose
property company takes leaks) and a building (whose head takes disputes), people with
accounts, all made through the running gateway."""

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.conftest import RunningProcess, new_account, sign_in_admin
from tests.e2e.registry_helpers import community, join, register, team
from tests.waiting import eventually

Headers = dict[str, str]
ELDER_PHONE = "13812345678"


@dataclass
class World:
    admin: Headers  # a subdistrict admin
    own: str  # the community
    compound: str  # its compound, with a property company
    building: str  # a building of it, with its head
    ca: Headers  # the community's admin
    stranger: Headers  # another community's admin
    head: str  # the building head's member id
    head_account: Headers  # a volunteer account tied to the building head
    helper: str  # a volunteer who collects requests in the building's WeChat group
    helper_account: Headers
    helper_account_id: str
    team_id: str  # the building's volunteer team: the head and the helper in it
    leader: Headers  # its leader (not the head)


async def unit(http: httpx.AsyncClient, admin: Headers, **fields: Any) -> str:
    made = await http.post("/api/v1/org/units", headers=admin, json=fields)
    assert made.status_code == 201, made.text
    unit_id: str = made.json()["id"]
    return unit_id


async def make_world(http: httpx.AsyncClient, gateway: RunningProcess) -> World:
    admin = await sign_in_admin(gateway)
    own, other = await community(http, admin, "景星"), await community(http, admin, "星港")
    compound = await unit(
        http,
        admin,
        kind="compound",
        name="海德公元",
        parent_id=own,
        property_company={"name": "海德物业", "contact_name": "陈经理"},
    )
    head = (await register(http, admin, own, "刘志强"))["id"]
    helper = (await register(http, admin, own, "张桂英"))["id"]
    building = await unit(
        http, admin, kind="building", name="3栋", parent_id=compound, building_head_ids=[head]
    )
    team_id = (await team(http, admin, "3栋志愿队", community_id=own))["id"]
    for member in (head, helper):
        await join(http, admin, team_id, member, "member")
    _, ca = await new_account(
        http, admin, "景星社区书记", roles=["community_admin"], communities=[own]
    )
    _, stranger = await new_account(
        http, admin, "星港社区书记", roles=["community_admin"], communities=[other]
    )
    _, head_account = await new_account(http, admin, "刘志强", roles=["volunteer"], member_id=head)
    helper_user, helper_account = await new_account(
        http, admin, "张桂英", roles=["volunteer"], member_id=helper
    )
    _, leader = await new_account(http, admin, "3栋队长", roles=["team_leader"], teams=[team_id])
    return World(
        admin=admin,
        own=own,
        compound=compound,
        building=building,
        ca=ca,
        stranger=stranger,
        head=head,
        head_account=head_account,
        helper=helper,
        helper_account=helper_account,
        helper_account_id=helper_user["id"],
        team_id=team_id,
        leader=leader,
    )


async def until_known(
    http: httpx.AsyncClient, method: str, url: str, headers: Headers, body: Any
) -> httpx.Response:
    """A call the requests service answers 422 until its projections have heard of the
    registry's units and members (a dispatch to them)."""
    return await eventually(
        lambda: http.request(method, url, headers=headers, json=body),
        lambda r: r.status_code != 422,
        within=30,
        what=f"{url} once the requests service knows the registry's world",
    )


def suffix() -> str:
    return secrets.token_hex(2)
