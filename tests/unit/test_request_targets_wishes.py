"""The micro-wishes' routes in process, the requests service replaced by a fake: who submits
(admins in their community, volunteers anywhere), who reads what (the wall masked; submitted
and rejected wishes the community admins' only), who claims (as themselves), fulfils (the
claimant) and confirms (the volunteer who entered it, never the claimant)."""

import copy
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from services.gateway import problems
from services.gateway.accounts.model import Principal, Role
from services.gateway.accounts.security import access_token
from services.gateway.config import DEV_SECRET
from services.gateway.routes import wishes
from shared.contracts.commands import requests as commands
from shared.contracts.rpc import NotFound

pytestmark = pytest.mark.unit


def wish(wish_id: str, status: str, community: str = "c1", **more: Any) -> dict[str, Any]:
    return {
        "id": wish_id,
        "title": "想要一台收音机",
        "location": {"community_id": community},
        "status": status,
        # Unmasked on purpose: the gateway masks whatever the service sends.
        "resident": {"name": "张爷爷", "phone": "13900001111"},
        "entered_by": "user:u-v2",
        "claimant": None,
        **more,
    }


WISHES = {
    "new": wish("new", "submitted"),
    "turned-down": wish("turned-down", "rejected"),
    "open": wish("open", "published"),
    "taken": wish("taken", "claimed", claimant={"type": "member", "id": "m1", "name": "李*"}),
    "by-partner": wish(
        "by-partner", "fulfilled", claimant={"type": "partner", "id": "p1", "name": "银行"}
    ),
    "done": wish("done", "fulfilled", claimant={"type": "member", "id": "m1", "name": "李*"}),
    "own": wish(
        "own",
        "fulfilled",
        entered_by="user:u-v1",
        claimant={"type": "member", "id": "m1", "name": "李*"},
    ),
    "elsewhere": wish("elsewhere", "submitted", "c2"),
}


class FakeRequests:
    def __init__(self) -> None:
        self.calls: list[tuple[str, BaseModel, dict[str, Any]]] = []

    async def call(self, service: str, command: str, body: BaseModel, **headers: Any) -> Any:
        assert service == commands.SERVICE
        self.calls.append((command, body, headers))
        if command == commands.GET_WISH:
            wish_id = body.wish_id  # type: ignore[attr-defined]
            if wish_id not in WISHES:
                raise NotFound("not found")
            return copy.deepcopy(WISHES[wish_id])
        if command == commands.WISH_WALL:
            return {"items": [copy.deepcopy(w) for w in WISHES.values()], "next_cursor": None}
        return {**wish("answer", "published"), "command": command}

    def sent(self, command: str) -> list[BaseModel]:
        return [body for name, body, _ in self.calls if name == command]


def person(
    *roles: Role,
    account: str,
    communities: tuple[str, ...] = (),
    teams: tuple[str, ...] = (),
    member: str | None = None,
    partner: str | None = None,
) -> Principal:
    return Principal(
        id=account,
        name="某人",
        kind="user",
        roles=frozenset(roles),
        communities=frozenset(communities),
        teams=frozenset(teams),
        member_id=member,
        partner_id=partner,
    )


SA = person(Role.SUBDISTRICT_ADMIN, account="u-sa")
CA1 = person(Role.COMMUNITY_ADMIN, account="u-ca1", communities=("c1",))
CA2 = person(Role.COMMUNITY_ADMIN, account="u-ca2", communities=("c2",))
TL = person(Role.TEAM_LEADER, account="u-tl", teams=("hgj",))
V1 = person(Role.VOLUNTEER, account="u-v1", member="m1")
V2 = person(Role.VOLUNTEER, account="u-v2", member="m2")  # entered the wishes
BANK = person(Role.PARTNER, account="u-bank", partner="p1")


def auth(principal: Principal) -> dict[str, str]:
    token = access_token(principal, DEV_SECRET, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


Gateway = tuple[httpx.AsyncClient, FastAPI]


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    app = FastAPI()
    problems.install(app, retry_after_s=5)
    app.include_router(wishes.router)
    app.state.settings = SimpleNamespace(jwt_secret=DEV_SECRET)
    app.state.rpc = FakeRequests()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http, app


@pytest.mark.parametrize(
    ("who", "community", "status"),
    [(CA1, "c1", 201), (CA1, "c2", 403), (V1, "c2", 201), (TL, "c2", 201), (BANK, "c1", 403)],
)
async def test_admins_submit_in_their_community_volunteers_anywhere(
    gateway: Gateway, who: Principal, community: str, status: int
) -> None:
    http, app = gateway
    made = await http.post(
        "/api/v1/wishes",
        json={
            "title": "想要一台收音机",
            "location": {"community_id": community},
            "resident_name": "张爷爷",
        },
        headers=auth(who),
    )
    assert made.status_code == status, made.text
    assert len(app.state.rpc.sent(commands.SUBMIT_WISH)) == (status == 201)
    if status == 201:
        assert made.json()["resident"]["name"] == "张**"


@pytest.mark.parametrize(
    ("who", "wish_id", "status"),
    [
        (V1, "open", 200),
        (BANK, "taken", 200),
        (V1, "new", 404),  # submitted: the community admins' only
        (V1, "turned-down", 404),
        (CA1, "new", 200),
        (CA2, "new", 404),
        (SA, "elsewhere", 200),
        (V1, "missing", 404),
    ],
)
async def test_a_wish_is_read_masked_and_unpublished_ones_by_admins_only(
    gateway: Gateway, who: Principal, wish_id: str, status: int
) -> None:
    http, _ = gateway
    read = await http.get(f"/api/v1/wishes/{wish_id}", headers=auth(who))
    assert read.status_code == status, read.text
    if status == 200:
        assert read.json()["resident"] == {"name": "张**", "phone": "139****1111"}
        assert "张爷爷" not in read.text and "13900001111" not in read.text


async def test_the_wall_is_masked_and_shows_each_caller_what_they_may_see(
    gateway: Gateway,
) -> None:
    http, app = gateway
    wall = await http.get("/api/v1/wishes", headers=auth(V1))
    assert wall.status_code == 200, wall.text
    ids = {w["id"] for w in wall.json()["items"]}
    assert ids == {"open", "taken", "by-partner", "done", "own"}
    assert "张爷爷" not in wall.text and "13900001111" not in wall.text
    admins = await http.get("/api/v1/wishes", params={"community_id": "c1"}, headers=auth(CA1))
    assert {"new", "turned-down"} <= {w["id"] for w in admins.json()["items"]}
    assert "elsewhere" not in {w["id"] for w in admins.json()["items"]}
    for who, query in (
        (V1, {"status": "submitted"}),
        (CA1, {"status": "submitted"}),  # a community admin names their community
        (CA2, {"status": "rejected", "community_id": "c1"}),
    ):
        refused = await http.get("/api/v1/wishes", params=query, headers=auth(who))
        assert refused.status_code == 403, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["status"]
    allowed = await http.get(
        "/api/v1/wishes", params={"status": "submitted", "community_id": "c1"}, headers=auth(CA1)
    )
    assert allowed.status_code == 200
    assert app.state.rpc.sent(commands.WISH_WALL)[-1] == commands.WishWall(
        status="submitted", community_id="c1"
    )


@pytest.mark.parametrize(
    ("who", "wish_id", "status"),
    [(CA1, "new", 200), (CA2, "new", 404), (V1, "new", 403), (SA, "elsewhere", 200)],
)
async def test_the_community_admins_review(
    gateway: Gateway, who: Principal, wish_id: str, status: int
) -> None:
    http, app = gateway
    reviewed = await http.post(
        f"/api/v1/wishes/{wish_id}/review", json={"decision": "publish"}, headers=auth(who)
    )
    assert reviewed.status_code == status, reviewed.text
    assert len(app.state.rpc.sent(commands.REVIEW_WISH)) == (status == 200)


@pytest.mark.parametrize(
    ("who", "wish_id", "claimant", "status"),
    [
        (V1, "open", ("member", "m1"), 200),  # as themselves
        (V1, "open", ("member", "m2"), 403),  # not for another member
        (V1, "open", ("partner", "p1"), 403),
        (BANK, "open", ("partner", "p1"), 200),  # a partner as its unit
        (BANK, "open", ("partner", "p2"), 403),
        (CA1, "open", ("member", "m2"), 200),  # the admins for anyone
        (CA2, "open", ("member", "m2"), 404),
        (V1, "new", ("member", "m1"), 404),  # not published: not found
        (V1, "missing", ("member", "m1"), 404),
    ],
)
async def test_a_volunteer_claims_as_themselves(
    gateway: Gateway, who: Principal, wish_id: str, claimant: tuple[str, str], status: int
) -> None:
    http, app = gateway
    body = {"claimant_type": claimant[0], "claimant_id": claimant[1]}
    claimed = await http.post(f"/api/v1/wishes/{wish_id}/claim", json=body, headers=auth(who))
    assert claimed.status_code == status, claimed.text
    if status == 403:
        assert [e["field"] for e in claimed.json()["errors"]] == ["claimant_id"]
    sent = app.state.rpc.sent(commands.CLAIM_WISH)
    assert sent == ([commands.ClaimWish(wish_id=wish_id, **body)] if status == 200 else [])


@pytest.mark.parametrize(
    ("who", "wish_id", "status"),
    [
        (V1, "taken", 200),  # the claimant
        (V2, "taken", 404),
        (BANK, "by-partner", 200),
        (V1, "by-partner", 404),
        (CA1, "taken", 200),
    ],
)
async def test_the_claimant_fulfils(
    gateway: Gateway, who: Principal, wish_id: str, status: int
) -> None:
    http, app = gateway
    done = await http.post(
        f"/api/v1/wishes/{wish_id}/fulfil", json={"photo_refs": ["p/1.jpg"]}, headers=auth(who)
    )
    assert done.status_code == status, done.text
    assert len(app.state.rpc.sent(commands.FULFIL_WISH)) == (status == 200)


@pytest.mark.parametrize(
    ("who", "wish_id", "status"),
    [
        (V2, "done", 200),  # entered it for the resident
        (V1, "done", 404),  # the claimant, who did not enter it
        (V1, "own", 403),  # entered and claimed it: nobody credits themselves
        (CA1, "done", 200),
        (BANK, "by-partner", 403),  # a partner confirms nothing
    ],
)
async def test_the_volunteer_who_entered_it_confirms_never_the_claimant(
    gateway: Gateway, who: Principal, wish_id: str, status: int
) -> None:
    http, app = gateway
    confirmed = await http.post(
        f"/api/v1/wishes/{wish_id}/confirm", json={"hours": 1}, headers=auth(who)
    )
    assert confirmed.status_code == status, confirmed.text
    assert len(app.state.rpc.sent(commands.CONFIRM_WISH)) == (status == 200)
