"""Every route in the OpenAPI document, called by nobody, by the wrong person, by the right one.

A new route fails here until it has a rule (create_app refuses to start without one) and a
sample below: that is how "each later service adds its routes under these rules" holds."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, new_account, sign_in_admin
from tests.e2e.registry_helpers import join, register, resident_id, team
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@dataclass
class World:
    own: str  # a community the "owner" administers (an org unit of the registry too)
    request_id: str  # a request in it
    user_id: str  # an account
    api_key_id: str  # an API key (revoked by the rightful caller's call)
    unit_id: str  # a compound in `own`
    member_id: str  # a member living in `own`, in `team_id`, with hours and a correction
    record_id: str  # an entry of their record
    correction_id: str  # a pending correction of it
    merge: tuple[str, str]  # two more members of `own`, to merge
    team_id: str  # a team of `own`
    new_id_number: str  # an ID number nobody has registered
    activity_id: str  # a published activity of `team_id` in `own`, far ahead
    signup_id: str  # `member_id`'s sign-up for it
    wish_id: str  # a published micro-wish in `own`


@dataclass
class Upload:
    """A multipart body: one file field."""

    field: str
    filename: str
    content: bytes
    content_type: str


ROSTER = "姓名,证件号码,社区\r\n".encode()


# The only routes in the document anyone may call without credentials. A data route
# declared PUBLIC by mistake fails here instead of passing unchecked.
PUBLIC_ROUTES = frozenset(
    {
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",
        "GET /asyncapi",
        "GET /asyncapi/{service}.json",
    }
)


Call = tuple[dict[str, str], dict[str, Any], Any]  # path params, query, json body
SAMPLES: dict[str, Callable[[World], Call]] = {
    "POST /api/v1/auth/login": lambda w: ({}, {}, {"username": "x", "password": "y"}),
    "POST /api/v1/auth/refresh": lambda w: ({}, {}, {"refresh_token": "x"}),
    "POST /api/v1/auth/logout": lambda w: ({}, {}, {"refresh_token": "x"}),
    "GET /api/v1/auth/me": lambda w: ({}, {}, None),
    "PUT /api/v1/auth/password": lambda w: (
        {},
        {},
        {"current_password": "not the password", "new_password": "long enough pw"},
    ),
    "POST /api/v1/users": lambda w: (
        {},
        {},
        {
            "username": "newbie",
            "password": "long enough pw",
            "display_name": "新人",
            "roles": ["community_admin"],
            "communities": [w.own],
        },
    ),
    "GET /api/v1/users": lambda w: ({}, {}, None),
    "PUT /api/v1/users/{user_id}/roles": lambda w: (
        {"user_id": w.user_id},
        {},
        {"roles": ["community_admin"], "communities": [w.own]},
    ),
    "POST /api/v1/users/{user_id}/disable": lambda w: ({"user_id": w.user_id}, {}, None),
    "POST /api/v1/users/{user_id}/enable": lambda w: ({"user_id": w.user_id}, {}, None),
    "POST /api/v1/api-keys": lambda w: ({}, {}, {"name": "city platform"}),
    "DELETE /api/v1/api-keys/{key_id}": lambda w: ({"key_id": w.api_key_id}, {}, None),
    "POST /api/v1/requests": lambda w: (
        {},
        {},
        {"kind": "repair", "title": "灯坏了", "location": {"community_id": w.own}},
    ),
    "GET /api/v1/requests/{request_id}": lambda w: ({"request_id": w.request_id}, {}, None),
    "GET /api/v1/notifications": lambda w: ({}, {"community_id": w.own}, None),
    # -- notify: the inbox, rules, preferences, deliveries, notices -----------------------------
    "GET /api/v1/notifications/inbox": lambda w: ({}, {"unread_only": "true"}, None),
    "GET /api/v1/notifications/unread-count": lambda w: ({}, {}, None),
    "POST /api/v1/notifications/read": lambda w: ({}, {}, {"all": True}),
    "GET /api/v1/notify/rules": lambda w: ({}, {}, None),
    "GET /api/v1/notify/rules/{event_type}": lambda w: ({"event_type": "WishClaimed"}, {}, None),
    "PUT /api/v1/notify/rules/{event_type}": lambda w: (
        {"event_type": "WishClaimed"},
        {},
        {
            "audiences": ["entered_by"],
            "templates": {
                "zh-CN": {"title": "微心愿已被认领", "body": "您代为提交的微心愿已被认领。"},
                "en": {"title": "A wish was claimed", "body": "The wish you entered was claimed."},
            },
        },
    ),
    "POST /api/v1/notify/rules/{event_type}/reset": lambda w: (
        {"event_type": "WishClaimed"},
        {},
        None,
    ),
    "GET /api/v1/notify/preferences/me": lambda w: ({}, {}, None),
    "PUT /api/v1/notify/preferences/me": lambda w: ({}, {}, {"channels": ["inbox"]}),
    "GET /api/v1/members/{member_id}/notify-preferences": lambda w: (
        {"member_id": w.member_id},
        {},
        None,
    ),
    "PUT /api/v1/members/{member_id}/notify-preferences": lambda w: (
        {"member_id": w.member_id},
        {},
        {"channels": ["inbox"], "quiet_hours": {"start": "20:30", "end": "07:30"}},
    ),
    "GET /api/v1/notify/deliveries": lambda w: ({}, {"community_id": w.own}, None),
    # Not a delivery's id (<event id>:<recipient>:<channel>): a 422 for the rightful caller.
    "POST /api/v1/notify/deliveries/{delivery_id}/retry": lambda w: (
        {"delivery_id": "not-a-delivery"},
        {},
        None,
    ),
    "POST /api/v1/notify/notices": lambda w: (
        {},
        {},
        {
            "community_id": w.own,
            "scope": f"compound:{w.unit_id}",
            "title_zh": "停水通知",
            "body_zh": "明日 9:00-12:00 停水检修，请提前储水。",
        },
    ),
    "GET /api/v1/audit": lambda w: ({}, {"action": "login"}, None),
    # max_events=0: the stream opens (auth, subscription) and ends at once instead of lasting
    "GET /api/v1/events/stream": lambda w: ({}, {"community_id": w.own, "max_events": 0}, None),
    "GET /open311/v2/services.json": lambda w: ({}, {}, None),
    "GET /open311/v2/services/{service_code}.json": lambda w: (
        {"service_code": "repair"},
        {},
        None,
    ),
    "POST /open311/v2/requests.json": lambda w: (
        {},
        {},
        {"service_code": "repair", "description": "灯坏了", "attribute": {"community_id": w.own}},
    ),
    "GET /open311/v2/requests.json": lambda w: ({}, {"service_code": "repair"}, None),
    "GET /open311/v2/requests/{service_request_id}.json": lambda w: (
        {"service_request_id": w.request_id},
        {},
        None,
    ),
    # -- the registry ------------------------------------------------------------------------
    "GET /api/v1/org/tree": lambda w: ({}, {"community_id": w.own}, None),
    "POST /api/v1/org/units": lambda w: (
        {},
        {},
        {"kind": "building", "name": "9栋", "parent_id": w.unit_id},
    ),
    "GET /api/v1/org/units/{unit_id}": lambda w: ({"unit_id": w.unit_id}, {}, None),
    "PATCH /api/v1/org/units/{unit_id}": lambda w: (
        {"unit_id": w.unit_id},
        {},
        {"name": "海德公元二期"},
    ),
    "GET /api/v1/partners": lambda w: ({}, {"community_id": w.own}, None),
    "POST /api/v1/partners": lambda w: (
        {},
        {},
        {
            "name": "社区卫生服务站",
            "kind": "clinic",
            "contact_name": "周医生",
            "contact_phone": "13800000002",
            "community_ids": [w.own],
        },
    ),
    "GET /api/v1/skills": lambda w: ({}, {}, None),
    "PUT /api/v1/skills/{code}": lambda w: (
        {"code": "paper_cutting"},
        {},
        {"zh": "剪纸", "en": "Paper cutting"},
    ),
    "POST /api/v1/members": lambda w: (
        {},
        {},
        {"name": "新成员", "id_number": w.new_id_number, "home": {"community_id": w.own}},
    ),
    "GET /api/v1/members": lambda w: ({}, {"community_id": w.own}, None),
    "POST /api/v1/members/merge": lambda w: (
        {},
        {},
        {"kept_member_id": w.merge[0], "merged_member_id": w.merge[1], "reason": "同一人"},
    ),
    "POST /api/v1/members/import": lambda w: (
        {},
        {"community_id": w.own, "dry_run": "true"},
        Upload("file", "名册.csv", ROSTER, "text/csv"),
    ),
    "GET /api/v1/members/export": lambda w: ({}, {"community_id": w.own, "format": "csv"}, None),
    "GET /api/v1/members/{member_id}": lambda w: ({"member_id": w.member_id}, {}, None),
    "PATCH /api/v1/members/{member_id}": lambda w: (
        {"member_id": w.member_id},
        {},
        {"skills": []},
    ),
    "POST /api/v1/members/{member_id}/status": lambda w: (
        {"member_id": w.member_id},
        {},
        {"status": "active"},
    ),
    "GET /api/v1/members/{member_id}/record": lambda w: ({"member_id": w.member_id}, {}, None),
    "POST /api/v1/members/{member_id}/record/credits": lambda w: (
        {"member_id": w.member_id},
        {},
        {
            "served_on": "2024-05-01",
            "hours": 1.5,
            "content": "楼道清扫",
            "organiser": "社区",
            "reference": "paper-2",
        },
    ),
    "POST /api/v1/members/{member_id}/corrections": lambda w: (
        {"member_id": w.member_id},
        {},
        {"record_id": w.record_id, "hours": 2.5, "reason": "少记了半小时"},
    ),
    "POST /api/v1/members/{member_id}/corrections/{correction_id}/decision": lambda w: (
        {"member_id": w.member_id, "correction_id": w.correction_id},
        {},
        {"decision": "approve"},
    ),
    "GET /api/v1/corrections": lambda w: ({}, {"community_id": w.own}, None),
    "POST /api/v1/members/{member_id}/stars/{level}/approve": lambda w: (
        {"member_id": w.member_id, "level": "5"},
        {},
        None,
    ),
    "POST /api/v1/members/{member_id}/points/redemptions": lambda w: (
        {"member_id": w.member_id},
        {},
        {"points": 1, "reason": "兑换毛巾", "reference": "swap-1"},
    ),
    "GET /api/v1/members/{member_id}/points": lambda w: ({"member_id": w.member_id}, {}, None),
    "GET /api/v1/members/{member_id}/proof": lambda w: ({"member_id": w.member_id}, {}, None),
    "GET /api/v1/members/{member_id}/proof.html": lambda w: (
        {"member_id": w.member_id},
        {},
        None,
    ),
    "GET /api/v1/members/{member_id}/proof.pdf": lambda w: (
        {"member_id": w.member_id},
        {},
        None,
    ),
    "POST /api/v1/teams": lambda w: ({}, {}, {"name": "第一分队", "parent_id": w.team_id}),
    "GET /api/v1/teams": lambda w: ({}, {"community_id": w.own}, None),
    "GET /api/v1/teams/{team_id}": lambda w: ({"team_id": w.team_id}, {}, None),
    "PATCH /api/v1/teams/{team_id}": lambda w: (
        {"team_id": w.team_id},
        {},
        {"description": "楼道微治理"},
    ),
    "POST /api/v1/teams/{team_id}/members": lambda w: (
        {"team_id": w.team_id},
        {},
        {"member_id": w.member_id, "role": "deputy"},
    ),
    "POST /api/v1/teams/{team_id}/members/{member_id}/leave": lambda w: (
        {"team_id": w.team_id, "member_id": w.member_id},
        {},
        {},
    ),
    "GET /api/v1/registry/stats": lambda w: ({}, {"community_id": w.own}, None),
    # -- activities ----------------------------------------------------------------------------
    "GET /api/v1/activity-types": lambda w: ({}, {}, None),
    "PUT /api/v1/activity-types/{code}": lambda w: (
        {"code": "paper_cutting"},
        {},
        {"zh": "剪纸课", "en": "Paper cutting class"},
    ),
    "POST /api/v1/activities": lambda w: ({}, {}, activity_plan(w.own, w.team_id)),
    "POST /api/v1/activity-series": lambda w: (
        {},
        {},
        {**activity_plan(w.own, w.team_id), "rule": {"weekdays": [3], "count": 2}},
    ),
    "GET /api/v1/activities": lambda w: ({}, {"community_id": w.own}, None),
    "GET /api/v1/activities/stats": lambda w: ({}, {"community_id": w.own}, None),
    "GET /api/v1/activities/{activity_id}": lambda w: ({"activity_id": w.activity_id}, {}, None),
    "PATCH /api/v1/activities/{activity_id}": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"place": "社区活动室"},
    ),
    "POST /api/v1/activities/{activity_id}/publish": lambda w: (
        {"activity_id": w.activity_id},
        {},
        None,
    ),
    "POST /api/v1/activities/{activity_id}/cancel": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"reason": "x"},  # too short: a 422 keeps the world as it is
    ),
    "POST /api/v1/activities/{activity_id}/complete": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"summary": "未开始"},
    ),
    "POST /api/v1/activities/{activity_id}/signups": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"member_id": w.member_id, "role_id": "sweep"},
    ),
    "POST /api/v1/activities/{activity_id}/signups/{signup_id}/cancel": lambda w: (
        {"activity_id": w.activity_id, "signup_id": w.signup_id},
        {},
        {"reason": "临时有事"},
    ),
    "POST /api/v1/activities/{activity_id}/participants": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"name": "王奶奶", "proxy": True},
    ),
    "GET /api/v1/activities/{activity_id}/check-in-code": lambda w: (
        {"activity_id": w.activity_id},
        {},
        None,
    ),
    "POST /api/v1/activities/{activity_id}/check-in": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"member_id": w.member_id},
    ),
    "POST /api/v1/activities/{activity_id}/check-out": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"member_id": w.member_id},
    ),
    "POST /api/v1/activities/{activity_id}/no-shows": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"member_id": w.member_id},
    ),
    "POST /api/v1/activities/{activity_id}/roster": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"lines": [{"member_id": w.member_id, "role_id": "sweep", "hours": 2}]},
    ),
    "POST /api/v1/activities/{activity_id}/hours/approvals": lambda w: (
        {"activity_id": w.activity_id},
        {},
        {"approvals": [{"member_id": w.member_id}]},
    ),
    "GET /api/v1/activities/{activity_id}/attendance.{format}": lambda w: (
        {"activity_id": w.activity_id, "format": "csv"},
        {},
        None,
    ),
    "GET /api/v1/members/{member_id}/activities": lambda w: (
        {"member_id": w.member_id},
        {"when": "past"},
        None,
    ),
    # -- requests: the catalogue, the board, the closed loop, micro-wishes ----------------------
    # Transitions the rightful caller may make but that would end the sample request send
    # what the service refuses (a 409 or a 422), so every later sample finds it as it was.
    "GET /api/v1/request-kinds": lambda w: ({}, {}, None),
    "PUT /api/v1/request-kinds/{code}": lambda w: (
        {"code": "graffiti"},
        {},
        {
            "zh": "乱涂乱画",
            "en": "Graffiti",
            "group": "environment",
            "time_limit": {"working_days": 3},
        },
    ),
    "GET /api/v1/requests": lambda w: ({}, {"community_id": w.own}, None),
    "GET /api/v1/requests/metrics": lambda w: ({}, {"community_id": w.own}, None),
    "GET /api/v1/members/{member_id}/requests": lambda w: ({"member_id": w.member_id}, {}, None),
    "POST /api/v1/requests/{request_id}/accept": lambda w: ({"request_id": w.request_id}, {}, None),
    "POST /api/v1/requests/{request_id}/return": lambda w: (
        {"request_id": w.request_id},
        {},
        {"reason": "x"},
    ),
    "POST /api/v1/requests/{request_id}/dispatch": lambda w: (
        {"request_id": w.request_id},
        {},
        {"handler_type": "property_company", "handler_id": "nowhere"},
    ),
    "GET /api/v1/requests/{request_id}/suggestions": lambda w: (
        {"request_id": w.request_id},
        {},
        None,
    ),
    "POST /api/v1/requests/{request_id}/extension/approve": lambda w: (
        {"request_id": w.request_id},
        {},
        None,
    ),
    "POST /api/v1/requests/{request_id}/follow-up": lambda w: (
        {"request_id": w.request_id},
        {},
        {"satisfaction": "satisfied"},
    ),
    "POST /api/v1/requests/{request_id}/reopen": lambda w: (
        {"request_id": w.request_id},
        {},
        {"reason": "x"},
    ),
    "POST /api/v1/requests/{request_id}/transfer": lambda w: (
        {"request_id": w.request_id},
        {},
        {"to_outside": "县住建局", "reason": "x"},
    ),
    "POST /api/v1/requests/{request_id}/duplicate": lambda w: (
        {"request_id": w.request_id},
        {},
        {"original_id": "no-such-request"},
    ),
    "POST /api/v1/requests/{request_id}/not-responsible": lambda w: (
        {"request_id": w.request_id},
        {},
        {"reason": "x"},
    ),
    "POST /api/v1/requests/{request_id}/cancel": lambda w: (
        {"request_id": w.request_id},
        {},
        {"reason": "x" * 201},
    ),
    "POST /api/v1/requests/{request_id}/start": lambda w: ({"request_id": w.request_id}, {}, None),
    "POST /api/v1/requests/{request_id}/extension": lambda w: (
        {"request_id": w.request_id},
        {},
        {"reason": "x", "working_days": 2},
    ),
    "POST /api/v1/requests/{request_id}/resolve": lambda w: (
        {"request_id": w.request_id},
        {},
        {"notes": ""},
    ),
    "POST /api/v1/requests/{request_id}/notes": lambda w: (
        {"request_id": w.request_id},
        {},
        {"text": "已电话联系居民"},
    ),
    "POST /api/v1/wishes": lambda w: ({}, {}, wish(w.own)),
    "GET /api/v1/wishes": lambda w: ({}, {"community_id": w.own}, None),
    "GET /api/v1/wishes/{wish_id}": lambda w: ({"wish_id": w.wish_id}, {}, None),
    "POST /api/v1/wishes/{wish_id}/review": lambda w: (
        {"wish_id": w.wish_id},
        {},
        {"decision": "publish"},
    ),
    "POST /api/v1/wishes/{wish_id}/claim": lambda w: (
        {"wish_id": w.wish_id},
        {},
        {"claimant_type": "member", "claimant_id": w.member_id},
    ),
    "POST /api/v1/wishes/{wish_id}/fulfil": lambda w: (
        {"wish_id": w.wish_id},
        {},
        {"photo_refs": ["wishes/1.jpg"]},
    ),
    "POST /api/v1/wishes/{wish_id}/confirm": lambda w: ({"wish_id": w.wish_id}, {}, {"hours": 1}),
    "GET /asyncapi": lambda w: ({}, {}, None),
    "GET /asyncapi/{service}.json": lambda w: ({"service": "requests"}, {}, None),
}


def wish(community_id: str) -> dict[str, Any]:
    return {
        "title": "想要一台收音机",
        "location": {"community_id": community_id},
        "resident_name": "王秀英",
    }


def activity_plan(community_id: str, team_id: str) -> dict[str, Any]:
    """An activity of the team, far ahead (sign-ups stay open)."""
    return {
        "title": "楼道清扫",
        "activity_type": "clean_up",
        "community_id": community_id,
        "place": "海德公元",
        "starts_at": "2031-05-10T09:00:00+08:00",
        "ends_at": "2031-05-10T11:00:00+08:00",
        "organiser_team_ids": [team_id],
        "roles": [{"role_id": "sweep", "name": "清扫", "head_count": 10}],
        "participant_capacity": 30,
    }


async def call(
    http: httpx.AsyncClient, method: str, path: str, sample: Call, headers: dict[str, str]
) -> int:
    params, query, body = sample
    if isinstance(body, Upload):
        response = await http.request(
            method,
            path.format(**params),
            params=query,
            files={body.field: (body.filename, body.content, body.content_type)},
            headers=headers,
        )
    else:
        response = await http.request(
            method, path.format(**params), params=query, json=body, headers=headers
        )
    return response.status_code


async def registry_world(
    http: httpx.AsyncClient, admin: dict[str, str], own: str
) -> dict[str, Any]:
    """The registry's part of the world, made by a subdistrict admin: `own` as a community
    with a compound, a team, a member in it with an entry and a pending correction."""
    for kind, unit_id, parent in (("community", own, None), ("compound", own + "-hd", own)):
        made = await http.post(
            "/api/v1/org/units",
            headers=admin,
            json={"kind": kind, "unit_id": unit_id, "name": "海德公元", "parent_id": parent},
        )
        assert made.status_code == 201, made.text
    member = (await register(http, admin, own))["id"]
    merge = ((await register(http, admin, own))["id"], (await register(http, admin, own))["id"])
    team_id = (await team(http, admin, "惠管家", community_id=own))["id"]
    await join(http, admin, team_id, member, "member")
    credited = await http.post(
        f"/api/v1/members/{member}/record/credits",
        headers=admin,
        json={
            "served_on": "2024-04-01",
            "hours": 2,
            "content": "助老送餐",
            "organiser": "社区",
            "reference": "paper-1",
        },
    )
    assert credited.status_code == 201, credited.text
    record_id = credited.json()["entry"]["record_id"]
    asked = await http.post(
        f"/api/v1/members/{member}/corrections",
        headers=admin,
        json={"record_id": record_id, "hours": 3, "reason": "漏记一小时"},
    )
    assert asked.status_code == 201, asked.text
    return {
        "unit_id": own + "-hd",
        "member_id": member,
        "record_id": record_id,
        "correction_id": asked.json()["correction_id"],
        "merge": merge,
        "team_id": team_id,
    }


async def activities_world(
    http: httpx.AsyncClient, admin: dict[str, str], world: dict[str, Any]
) -> dict[str, Any]:
    """The activities' part: a published activity of the team, the member signed up for it
    (once the activities service has learnt of the member from the registry's events)."""
    made = await http.post(
        "/api/v1/activities",
        headers=admin,
        json={**activity_plan(world["own"], world["team_id"]), "publish": True},
    )
    assert made.status_code == 201, made.text
    activity_id = made.json()["activity_id"]
    signed = await eventually(
        lambda: http.post(
            f"/api/v1/activities/{activity_id}/signups",
            headers=admin,
            json={"member_id": world["member_id"], "role_id": "sweep"},
        ),
        lambda r: r.status_code != 422,
        what="the activities service to know the member",
    )
    assert signed.status_code == 201, signed.text
    return {"activity_id": activity_id, "signup_id": signed.json()["signup_id"]}


async def requests_world(http: httpx.AsyncClient, admin: dict[str, str], own: str) -> str:
    """The requests' part: a published micro-wish in `own`."""
    made = await http.post("/api/v1/wishes", headers=admin, json=wish(own))
    assert made.status_code == 201, made.text
    wish_id: str = made.json()["id"]
    published = await http.post(
        f"/api/v1/wishes/{wish_id}/review", headers=admin, json={"decision": "publish"}
    )
    assert published.status_code == 200, published.text
    return wish_id


async def test_every_route_keeps_out_strangers_and_other_communities(launch: Launch) -> None:
    processes = [launch(name) for name in ("requests", "notify", "registry", "activities")]
    # Every route is called anonymously once: more than the default 60 a minute per IP.
    processes.append(launch("gateway", RATE_LIMIT_ANONYMOUS="1000/minute"))
    for process in processes:
        await process.ready()
    gateway = processes[-1]
    admin = await sign_in_admin(gateway)
    own, other = "own" + secrets.token_hex(3), "other" + secrets.token_hex(3)

    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        accounts = {}
        for name, community in (("owner", own), ("stranger", other)):
            _, accounts[name] = await new_account(
                http, admin, name, roles=["community_admin"], communities=[community]
            )
        made = await http.post(
            "/api/v1/requests",
            headers=admin,
            json={"kind": "repair", "title": "样本", "location": {"community_id": own}},
        )
        # The account the user routes act on (roles changed, disabled): not one that calls.
        subject, _ = await new_account(
            http, admin, "subject", roles=["community_admin"], communities=[other]
        )
        issued = await http.post("/api/v1/api-keys", headers=admin, json={"name": "sample"})
        registry_part = {"own": own, **await registry_world(http, admin, own)}
        world = World(
            request_id=made.json()["id"],
            user_id=subject["id"],
            api_key_id=issued.json()["id"],
            new_id_number=resident_id(),
            **registry_part,
            **await activities_world(http, admin, registry_part),
            wish_id=await requests_world(http, admin, own),
        )
        await eventually(
            lambda: call(
                http, "GET", "/api/v1/notifications", ({}, {"community_id": own}, None), admin
            ),
            lambda s: s == 200,
            what="the gateway to serve",
        )

        document = (await http.get("/openapi.json")).json()
        routes = [
            (method.upper(), path, op["x-redvest-rule"])
            for path, ops in document["paths"].items()
            for method, op in ops.items()
        ]
        missing = [f"{m} {p}" for m, p, _ in routes if f"{m} {p}" not in SAMPLES]
        assert not missing, f"add a sample to SAMPLES for the new routes: {missing}"
        public = {f"{m} {p}" for m, p, rule in routes if rule["scope"] == "public"}
        assert public <= PUBLIC_ROUTES, (
            f"routes open to anyone that should not be: {sorted(public - PUBLIC_ROUTES)}"
        )

        for method, path, rule in routes:
            sample = SAMPLES[f"{method} {path}"](world)
            key = f"{method} {path}"
            if rule["scope"] == "public":
                continue
            anonymous = await call(http, method, path, sample, {})
            assert anonymous == 401, f"{key}: anonymous got {anonymous}"
            if rule["scope"] == "authenticated":
                continue
            stranger = await call(http, method, path, sample, accounts["stranger"])
            assert stranger in (403, 404), f"{key}: another community's admin got {stranger}"
            rightful = admin if rule["scope"] == "subdistrict" else accounts["owner"]
            allowed = await call(http, method, path, sample, rightful)
            assert allowed not in (401, 403, 404), f"{key}: the rightful caller got {allowed}"
            assert allowed < 500, f"{key}: the rightful caller's call failed ({allowed})"
