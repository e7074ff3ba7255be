"""The notify demo, after the requests board: a few members' preferences and one notice.

The inboxes fill by themselves as the demo's requests, activities and sign-ups cause events;
this adds what no other part causes:
- preferences: an elder of 海德公元 3栋 reached through the demo volunteer (wulaohong-03,
  `wulaohong_volunteer`, who lives in the same building), a team leader who wants low-
  priority messages once a day (digest), a volunteer who reads English, by e-mail too (an
  example.com address: the demo configures no SMTP server, so the inbox is what shows);
- a notice to 海德公元 3栋 (停水通知), to its residents: the volunteer and the elder among
  them (the volunteer reads it once: an inbox holds one notification per event and
  address). The elder's own notices (their hours, their points) reach the volunteer's inbox
  as 【代收】唐**：….

Idempotent: preferences are PUT (the same again changes nothing), and the notice is posted
with an Idempotency-Key, so a second load gets the first answer back (or a 409 once the
gateway has forgotten the key: the notify service posts one notice per key)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from tools.demo_http import DemoLoadError, refused, send_once, wait_until

# A GET that answers 200 once the notify service answers over NATS (503 before).
PROBE_PATH: Final = "/api/v1/notify/rules"
NOTICE_KEY: Final = "demo-notice-haide-3-water"


@dataclass(frozen=True)
class DemoPreference:
    member: str  # the member's key in tools/demo_members.py
    body: dict[str, Any]  # PUT /api/v1/members/{id}/notify-preferences; "via" names a key


@dataclass(frozen=True)
class NotifyDemo:
    preferences: tuple[DemoPreference, ...]
    notice: dict[str, Any]  # POST /api/v1/notify/notices
    notice_key: str = NOTICE_KEY

    def members(self) -> set[str]:
        keys = {p.member for p in self.preferences}
        return keys | {p.body["via"] for p in self.preferences if "via" in p.body}


DEMO_NOTIFY: Final = NotifyDemo(
    preferences=(
        # An elder without a smartphone: the volunteer next door reads their notices.
        DemoPreference("wulaohong-27", {"channels": ["inbox"], "via": "wulaohong-03"}),
        DemoPreference(
            "wulaohong-01",
            {
                "channels": ["inbox"],
                "digest": True,
                "quiet_hours": {"start": "21:30", "end": "07:30"},
            },
        ),
        DemoPreference(
            "fenghua-02",
            {
                "channels": ["inbox", "email"],
                "email": "fenghua02@example.com",
                "language": "en",
                "quiet_hours": None,
            },
        ),
    ),
    notice={
        "community_id": "quanyun",
        "scope": "building:haide_gongyuan-3",
        "priority": "normal",
        "title_zh": "停水通知",
        "body_zh": "因管道检修，3栋明日 9:00–12:00 停水，请提前储水。"
        "有困难的老人请联系楼栋志愿者。",
        "title_en": "Water off tomorrow",
        "body_en": "Building 3: no water tomorrow 9:00-12:00 (pipe repairs). Please store "
        "some in advance; elders needing help, call your building's volunteer.",
    },
)


def preference_body(pref: DemoPreference, members: Mapping[str, str]) -> dict[str, Any]:
    body = {k: v for k, v in pref.body.items() if k != "via"}
    if "via" in pref.body:
        body["via_member_id"] = members[pref.body["via"]]
    return body


def load_notify(
    client: httpx.Client, demo: NotifyDemo, members: Mapping[str, str], say: Callable[[str], None]
) -> dict[str, int]:
    """The preferences, then the notice. `client` is signed in as a subdistrict_admin;
    `members` maps the demo's member keys to the registry's ids. Raises DemoLoadError."""
    wait_until(client, PROBE_PATH, lambda r: r.status_code == 200, "notify")
    for pref in demo.preferences:
        path = f"/api/v1/members/{members[pref.member]}/notify-preferences"
        what = f"PUT {path} ({pref.member})"
        resp = send_once(client, "PUT", path, preference_body(pref, members), what)
        if resp.status_code != 200:
            raise DemoLoadError(refused(what, resp))
    what = f"POST /api/v1/notify/notices ({demo.notice['title_zh']})"
    resp = send_once(
        client,
        "POST",
        "/api/v1/notify/notices",
        demo.notice,
        what,
        headers={"Idempotency-Key": demo.notice_key},
    )
    if resp.status_code not in (201, 409):  # 409: an earlier load posted it
        raise DemoLoadError(refused(what, resp))
    posted = int(resp.status_code == 201 and resp.headers.get("Idempotent-Replayed") != "true")
    say(f"demo: notify: {len(demo.preferences)} members' preferences, {posted} notice posted")
    return {"preferences": len(demo.preferences), "notices": posted}
