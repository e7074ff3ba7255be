"""A placeholder at /console/ until the admin console arrives with its own issue.

`make up`'s banner links here; a 404 would look like a broken install. One
self-contained page (no scripts, no external assets), Chinese first, English alongside.
"""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from services.gateway.authz import Scope, rule

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
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
  ul { padding-left: 1.2rem; }
</style>
</head>
<body>
<h1>红马甲 RedVest 管理控制台即将上线</h1>
<p lang="en" class="en">The admin console arrives with its own issue.</p>
<p>在此之前，可以使用：<span lang="en" class="en">Meanwhile:</span></p>
<ul>
  <li><a href="/docs">/docs</a> API 文档 <span lang="en">(API docs)</span></li>
  <li><a href="/asyncapi">/asyncapi</a> 事件文档 <span lang="en">(AsyncAPI documents)</span></li>
  <li><a href="/healthz">/healthz</a> 各服务健康状态
    <span lang="en">(health of every service)</span></li>
</ul>
</body>
</html>
"""


@router.get("/console/", response_class=HTMLResponse, **rule(scope=Scope.PUBLIC))
async def console() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/console", **rule(scope=Scope.PUBLIC))
async def console_without_slash() -> RedirectResponse:
    # 307, not 308: browsers cache a permanent redirect, and the real console may differ.
    return RedirectResponse("/console/", status_code=307)
