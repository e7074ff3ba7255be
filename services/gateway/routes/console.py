"""The admin console at /console/: the single-page app built from `console/` (Vue, Vite;
`make` builds it into console/dist from the pinned package-lock.json), served by the
gateway itself — no CDN, nothing fetched at run time. It calls only the gateway's public
API, with the signed-in account's token, so it sees exactly what that account may see.

Deep links (/console/requests/r1) get the app's index.html: the app's router shows the
page. Built files under /console/assets/ are content-hashed, so they are cached for long.
Where the console was not built (no Node.js), a plain page says how to build it.
"""

from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from services.gateway.authz import Scope, rule

router = APIRouter(include_in_schema=False)

DIST: Final = Path(__file__).resolve().parents[3] / "console" / "dist"
IMMUTABLE: Final = "public, max-age=31536000, immutable"

NOT_BUILT = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>红马甲 RedVest 管理控制台 · Admin console</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto;
         padding: 0 1rem; line-height: 1.6; color: #222; }
  h1 { color: #c62828; font-size: 1.6rem; }
  p.en { color: #555; }
</style>
</head>
<body>
<h1>红马甲 RedVest 管理控制台尚未构建</h1>
<p>请在项目目录运行 <code>make console</code>（需要 Node.js 20.19+），然后刷新本页。</p>
<p lang="en" class="en">The console is not built: run <code>make console</code> in the
project (Node.js 20.19+ needed), then reload. Meanwhile: <a href="/docs">/docs</a> (API),
<a href="/asyncapi">/asyncapi</a> (events), <a href="/healthz">/healthz</a> (health).</p>
</body>
</html>
"""


def _built_file(path: str) -> Path | None:
    if not path:
        return None
    candidate = (DIST / path).resolve()
    # Never outside dist/ (a ../ in the path).
    if DIST.resolve() not in candidate.parents or not candidate.is_file():
        return None
    return candidate


@router.get("/console/{path:path}", **rule(scope=Scope.PUBLIC))
async def console(path: str) -> Response:
    index = DIST / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT)
    found = _built_file(path)
    if found is not None:
        cache = IMMUTABLE if path.startswith("assets/") else "no-cache"
        return FileResponse(found, headers={"Cache-Control": cache})
    if path.startswith("assets/"):
        return Response(status_code=404)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


@router.get("/console", **rule(scope=Scope.PUBLIC))
async def console_without_slash() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=307)
