"""The text `make up` prints once everything answers: where to look and what to paste."""

from __future__ import annotations

import json
from pathlib import Path

# The test looks for this line to know the stack is up and the demo data is in.
READY_LINE = "RedVest is up"

EXAMPLE_REQUEST = {
    "kind": "repair",
    "title": "5栋电梯按钮失灵",
    "description": "1单元电梯9楼按钮按下没反应，已两天。",
    "location": {"community_id": "quanyun", "compound_id": "haide_gongyuan", "building_id": "5"},
    "channel": "wechat_group",
    "urgency": "normal",
    "resident_name": "王先生",
    "resident_phone": "13800000199",
    "entered_by": "五老红志愿服务队 周建华",
}


def banner(
    *,
    gateway: str,
    nats_url: str,
    mongo_url: str,
    data_dir: Path,
    subdistrict: str,
    demo_note: str,
) -> str:
    body = json.dumps(EXAMPLE_REQUEST, ensure_ascii=False)
    rule = "=" * 78
    return f"""
{rule}
  {READY_LINE}: subdistrict {subdistrict!r}. Ctrl-C stops everything.

  API docs        {gateway}/docs
  OpenAPI         {gateway}/openapi.json
  AsyncAPI docs   {gateway}/asyncapi
  Health (all)    {gateway}/healthz
  Console         {gateway}/console/   (a placeholder until the console issue)
  NATS            {nats_url}
  MongoDB         {mongo_url}
  Data folder     {data_dir}   (logs in {data_dir / "logs"})
  Demo data       {demo_note}
                  (only into the embedded NATS + MongoDB; RV_DEMO=1 forces, RV_DEMO=0 skips)

  Record a request:

curl -sS -X POST '{gateway}/api/v1/requests' \\
  -H 'Content-Type: application/json' \\
  -d '{body}'

  The community admins' inbox for 泉韵社区 (quanyun):

curl -sS '{gateway}/api/v1/notifications?community_id=quanyun'
{rule}
"""
