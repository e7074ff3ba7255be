"""The notify demo: bodies valid for their routes, people the registry's demo has, a notice
to the building where the demo volunteer and the elder they look after live, and a loader
that sends each change once and takes a second load's 409 in its stride."""

import json
from typing import Any

import httpx
import pytest

from shared.contracts.commands import notify as commands
from tools import demo_http
from tools.demo_data import DEMO_TEAM_ACCOUNTS
from tools.demo_http import DemoLoadError
from tools.demo_notify import DEMO_NOTIFY, NOTICE_KEY, PROBE_PATH, load_notify, preference_body
from tools.demo_org import COMPOUND
from tools.demo_registry_data import DEMO_REGISTRY

pytestmark = pytest.mark.unit

PEOPLE = {p.key: p for p in DEMO_REGISTRY.people}
MEMBERS = {key: f"m-{key}" for key in PEOPLE}


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_http, "RETRY_INTERVAL", 0.01)
    monkeypatch.setattr(demo_http, "RETRY_WITHIN", 1.0)


def test_every_body_is_valid_for_its_route() -> None:
    for pref in DEMO_NOTIFY.preferences:
        commands.PreferencesBody.model_validate(preference_body(pref, MEMBERS))
    commands.PostNoticeBody.model_validate(DEMO_NOTIFY.notice)
    assert DEMO_NOTIFY.members() <= set(PEOPLE)
    bodies = [p.body for p in DEMO_NOTIFY.preferences]
    assert any(b.get("digest") for b in bodies) and any("via" in b for b in bodies)


def test_the_notice_reaches_the_demo_volunteer_and_the_elder_they_look_after() -> None:
    _, role, volunteer = DEMO_TEAM_ACCOUNTS["wulaohong_volunteer"]
    assert role == "volunteer"
    kind, building = DEMO_NOTIFY.notice["scope"].split(":")
    assert kind == "building"
    compound = COMPOUND["haide_gongyuan"]
    assert building in compound.building_ids
    assert DEMO_NOTIFY.notice["community_id"] == compound.community_id
    proxied = [p for p in DEMO_NOTIFY.preferences if p.body.get("via") == volunteer]
    assert proxied, "nobody is reached through the demo volunteer"
    for person in (PEOPLE[volunteer], *(PEOPLE[p.member] for p in proxied)):
        assert person.home.get("building_id") == building, person.key


class Gateway:
    def __init__(self, notice_status: int = 201) -> None:
        self.calls: list[str] = []
        self.bodies: dict[str, Any] = {}
        self.keys: list[str | None] = []
        self.notice_status = notice_status
        self.probes = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        call = f"{request.method} {request.url.path}"
        if call == f"GET {PROBE_PATH}":
            self.probes += 1
            if self.probes < 3:
                return httpx.Response(503, json={"detail": "the notify service did not answer"})
            return httpx.Response(200, json={"items": []})
        self.calls.append(call)
        self.bodies[call] = json.loads(request.content)
        if request.method == "POST":
            self.keys.append(request.headers.get("Idempotency-Key"))
            return httpx.Response(self.notice_status, json={"notice_id": "n1"})
        return httpx.Response(200, json=self.bodies[call])

    def load(self) -> dict[str, int]:
        with httpx.Client(base_url="http://gw", transport=httpx.MockTransport(self.handle)) as c:
            return load_notify(c, DEMO_NOTIFY, MEMBERS, lambda _: None)


def test_the_loader_waits_for_notify_then_puts_each_preference_and_posts_the_notice() -> None:
    gw = Gateway()
    loaded = gw.load()
    assert gw.probes == 3
    puts = [f"PUT /api/v1/members/m-{p.member}/notify-preferences" for p in DEMO_NOTIFY.preferences]
    assert gw.calls == [*puts, "POST /api/v1/notify/notices"]
    elder = gw.bodies["PUT /api/v1/members/m-wulaohong-27/notify-preferences"]
    assert elder["via_member_id"] == "m-wulaohong-03" and "via" not in elder
    assert gw.keys == [NOTICE_KEY]
    assert loaded == {"preferences": len(DEMO_NOTIFY.preferences), "notices": 1}


def test_a_second_load_takes_the_notice_posted_before() -> None:
    assert Gateway(notice_status=409).load()["notices"] == 0


def test_a_refused_notice_stops_the_load() -> None:
    with pytest.raises(DemoLoadError, match=r"停水通知.*-> 422"):
        Gateway(notice_status=422).load()
