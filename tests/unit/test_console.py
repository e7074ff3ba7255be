"""The /console/ placeholder: the page `make up`'s banner links to."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.routes import console

pytestmark = pytest.mark.unit


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(console.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def test_the_placeholder_is_a_self_contained_chinese_first_page(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "红马甲 RedVest 管理控制台即将上线" in page.text
    assert "The admin console arrives with its own issue" in page.text
    assert page.text.index("即将上线") < page.text.index("arrives")
    links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert links == ["/docs", "/asyncapi", "/healthz"], links


async def test_console_without_a_slash_redirects(client: httpx.AsyncClient) -> None:
    moved = await client.get("/console")
    assert moved.status_code == 307 and moved.headers["location"] == "/console/"


async def test_the_placeholder_stays_out_of_the_openapi_document(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/openapi.json")).json().get("paths", {}) == {}
