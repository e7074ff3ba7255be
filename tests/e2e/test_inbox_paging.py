"""The inbox pages through real notification ids: `next_cursor` goes back as `cursor`."""

import secrets
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Launch, sign_in_admin
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_the_inbox_pages_newest_first_by_next_cursor(launch: Launch) -> None:
    processes = [launch(name) for name in ("requests", "notify", "gateway")]
    for process in processes:
        await process.ready()
    gateway = processes[-1].base_url
    # A long community id makes the notification ids (the cursors) long too.
    community = "paging-" + secrets.token_hex(16)
    titles = [f"分页测试 {n}" for n in range(1, 6)]
    admin = await sign_in_admin(processes[-1])

    async with httpx.AsyncClient(base_url=gateway, timeout=10, headers=admin) as http:
        for title in titles:  # one after another: the ids grow in this order
            created = await http.post(
                "/api/v1/requests",
                json={"kind": "repair", "title": title, "location": {"community_id": community}},
            )
            assert created.status_code == 201, created.text

        async def everything() -> list[dict[str, Any]]:
            page = await http.get(
                "/api/v1/notifications", params={"community_id": community, "limit": 100}
            )
            assert page.status_code == 200, page.text
            items: list[dict[str, Any]] = page.json()["items"]
            return items

        await eventually(everything, lambda items: len(items) == 5, what="5 notifications")

        pages: list[list[dict[str, Any]]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"community_id": community, "limit": 2}
            if cursor is not None:
                params["cursor"] = cursor
            page = await http.get("/api/v1/notifications", params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            pages.append(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
            assert len(cursor) > 64, f"cursor {cursor!r} is too short to test the limit"
            assert len(pages) < 10, "paging does not end"

    assert [len(p) for p in pages] == [2, 2, 1]
    seen = [item for p in pages for item in p]
    ids = [item["id"] for item in seen]
    assert len(set(ids)) == 5, f"duplicates: {ids}"
    assert ids == sorted(ids, reverse=True), "not newest first"
    assert [item["zh"]["title"] for item in seen] == [f"新诉求：{t}" for t in reversed(titles)]


async def test_the_console_placeholder_is_served(launch: Launch) -> None:
    # Needs `console` in the gateway's router tuple (services/gateway/app.py).
    gateway = launch("gateway")
    await gateway.ready()
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        page = await http.get("/console/")
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "红马甲" in page.text
        moved = await http.get("/console")
        assert moved.status_code in (307, 308) and moved.headers["location"] == "/console/"
