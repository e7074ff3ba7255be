"""The text `make up` prints once everything answers: where to look and what to paste."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# The test looks for this line to know the stack is up and the demo data is in.
READY_LINE = "RedVest is up"

EXAMPLE_REQUEST = {
    "kind": "repair",
    "title": "5栋电梯按钮失灵",
    "description": "1单元电梯9楼按钮按下没反应，已两天。",
    "location": {
        "community_id": "quanyun",
        "compound_id": "haide_gongyuan",
        "building_id": "haide_gongyuan-5",
    },
    "channel": "wechat_group",
    "urgency": "normal",
    "resident_name": "王先生",
    "resident_phone": "13800000199",
}
EXAMPLE_COMMUNITY = "quanyun"
# Who the curl examples sign in as, the first of these with a known password.
EXAMPLE_USERS = (f"{EXAMPLE_COMMUNITY}_admin", "admin")
TOKEN_FROM_JSON = """python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])'"""


def banner(
    *,
    gateway: str,
    nats_url: str,
    mongo_url: str,
    data_dir: Path,
    subdistrict: str,
    demo_note: str,
    accounts: Mapping[str, Mapping[str, Any]],
    accounts_file: Path,
    account_notes: Sequence[str] = (),
) -> str:
    """`accounts`: username -> {"password", "roles", "communities"}, as kept in
    `accounts_file`; `account_notes`: lines about accounts whose passwords are not there."""
    rule = "=" * 78
    return f"""
{rule}
  {READY_LINE}: subdistrict {subdistrict!r}. Ctrl-C stops everything.

  API docs        {gateway}/docs
  OpenAPI         {gateway}/openapi.json
  AsyncAPI docs   {gateway}/asyncapi
  Health (all)    {gateway}/healthz
  Console         {gateway}/console/
  NATS            {nats_url}
  MongoDB         {mongo_url}
  Data folder     {data_dir}   (logs in {data_dir / "logs"})
  Demo data       {demo_note}
                  (only into the embedded NATS + MongoDB; RV_DEMO=1 forces, RV_DEMO=0 skips)

{_accounts(accounts, accounts_file, account_notes)}

{_examples(gateway, accounts)}
{rule}
"""


def _accounts(
    accounts: Mapping[str, Mapping[str, Any]], accounts_file: Path, notes: Sequence[str]
) -> str:
    lines = [f"  Accounts (a local demo stack: the passwords are kept in {accounts_file})"]
    width = max((len(name) for name in accounts), default=0)
    for name, account in accounts.items():
        roles = ", ".join(account.get("roles", []))
        communities = ", ".join(account.get("communities", []))
        scope = f" of {communities}" if communities else ""
        lines.append(f"    {name:<{width}}  {account.get('password')}   {roles}{scope}")
    lines += [f"    {note}" for note in notes]
    if not accounts and not notes:
        lines.append("    (none)")
    return "\n".join(lines)


def _examples(gateway: str, accounts: Mapping[str, Mapping[str, Any]]) -> str:
    user = next((u for u in EXAMPLE_USERS if accounts.get(u, {}).get("password")), None)
    if user is None:
        username, password = "USERNAME", "PASSWORD"
        who = "  Sign in (with an account of yours: put its name and password in), then"
    else:
        username, password = user, str(accounts[user]["password"])
        who = f"  Sign in as {user} (a token lasts 15 minutes by default; sign in again after):"
    login = json.dumps({"username": username, "password": password})
    body = json.dumps(EXAMPLE_REQUEST, ensure_ascii=False)
    return f"""{who}

TOKEN=$(curl -sS -X POST '{gateway}/api/v1/auth/login' \\
  -H 'Content-Type: application/json' \\
  -d {shlex.quote(login)} \\
  | {TOKEN_FROM_JSON})

  Record a request:

curl -sS -X POST '{gateway}/api/v1/requests' \\
  -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' \\
  -d {shlex.quote(body)}

  The community admins' inbox for 泉韵社区 ({EXAMPLE_COMMUNITY}):

curl -sS '{gateway}/api/v1/notifications?community_id={EXAMPLE_COMMUNITY}' \\
  -H "Authorization: Bearer $TOKEN\""""
