"""Shared steps of the registry's end-to-end tests: synthetic ID numbers, a community with a
compound, members registered and teams made through the gateway."""

import secrets
from typing import Any

import httpx

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id(birth: str = "19550101") -> str:
    """A synthetic 居民身份证 number with a correct check digit (area 430100: 长沙), random
    sequence digits so tests never collide. Never a real person's: it is made up."""
    body = f"430100{birth}{secrets.randbelow(1000):03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def phone() -> str:
    return "139" + f"{secrets.randbelow(10**8):08d}"


async def community(http: httpx.AsyncClient, admin: dict[str, str], name: str = "测试") -> str:
    """A new community (a fresh id), made by a subdistrict admin."""
    unit_id = "c" + secrets.token_hex(4)
    made = await http.post(
        "/api/v1/org/units",
        headers=admin,
        json={"kind": "community", "unit_id": unit_id, "name": f"{name}社区"},
    )
    assert made.status_code == 201, made.text
    return unit_id


async def register(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    community_id: str,
    name: str = "李建国",
    **fields: Any,
) -> dict[str, Any]:
    made = await http.post(
        "/api/v1/members",
        headers=headers,
        json={
            "name": name,
            "id_number": resident_id(),
            "phone": phone(),
            "home": {"community_id": community_id},
            **fields,
        },
    )
    assert made.status_code == 201, made.text
    member: dict[str, Any] = made.json()
    return member


async def team(
    http: httpx.AsyncClient, headers: dict[str, str], name: str, **where: Any
) -> dict[str, Any]:
    made = await http.post("/api/v1/teams", headers=headers, json={"name": name, **where})
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


async def join(
    http: httpx.AsyncClient, headers: dict[str, str], team_id: str, member_id: str, role: str
) -> None:
    joined = await http.post(
        f"/api/v1/teams/{team_id}/members",
        headers=headers,
        json={"member_id": member_id, "role": role},
    )
    assert joined.status_code == 200, joined.text
