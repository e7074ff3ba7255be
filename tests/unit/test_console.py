"""/console/: the built single-page app with its deep links, or a page saying how to build it."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.routes import console

pytestmark = pytest.mark.unit

INDEX = '<!doctype html><html lang="zh-CN"><div id="app"></div></html>'


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(console.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("not for the web", encoding="utf-8")
    monkeypatch.setattr(console, "DIST", tmp_path)
    return tmp_path


async def test_the_app_and_its_deep_links_get_the_index(
    client: httpx.AsyncClient, built: Path
) -> None:
    for path in ("/console/", "/console/requests/r1", "/console/login"):
        page = await client.get(path)
        assert page.status_code == 200 and page.text == INDEX, path
        assert page.headers["cache-control"] == "no-cache"
    asset = await client.get("/console/assets/index-abc123.js")
    assert asset.text == "console.log(1)" and "immutable" in asset.headers["cache-control"]
    assert (await client.get("/console/assets/gone.js")).status_code == 404


async def test_nothing_outside_the_build_is_served(client: httpx.AsyncClient, built: Path) -> None:
    for path in ("/console/../secret.txt", "/console/%2e%2e/secret.txt"):
        page = await client.get(path)
        assert "not for the web" not in page.text, path


async def test_without_a_build_a_chinese_first_page_says_how_to_build_it(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "DIST", tmp_path / "missing")
    page = await client.get("/console/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "make console" in page.text
    assert page.text.index("尚未构建") < page.text.index("not built")
    links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert links == ["/docs", "/asyncapi", "/healthz"], links


async def test_console_without_a_slash_redirects(client: httpx.AsyncClient) -> None:
    moved = await client.get("/console")
    assert moved.status_code == 307 and moved.headers["location"] == "/console/"
