"""The demo board: every body valid for its route, every step taken by the service's own
rules ends where the demo says, every handler and claimant one the registry's demo made;
and a loader that sends each change once and picks up where an earlier load stopped."""

import json
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.requests.domain import lifecycle, wishes
from services.requests.domain.intake import checked_extra
from services.requests.domain.kinds import DEFAULTS
from shared.contracts.commands import requests as commands
from shared.contracts.commands.common import Command
from shared.contracts.events.requests import Claimant, Handler
from tools import demo_http, demo_requests
from tools.demo_http import DemoLoadError
from tools.demo_org import COMPOUND
from tools.demo_registry_data import DEMO_REGISTRY
from tools.demo_requests import TIMELINE, load_requests, steps_left
from tools.demo_requests_data import (
    DEMO_BOARD,
    PATHS,
    DemoRequest,
    Member,
    RequestsDemo,
    Step,
    named_members,
    resolved,
)

pytestmark = pytest.mark.unit

MEMBERS = {p.key: f"m-{p.key}" for p in DEMO_REGISTRY.people}
PEOPLE = {p.key: p for p in DEMO_REGISTRY.people}
TEAMS = {t["team_id"] for t in DEMO_REGISTRY.teams}
PARTNERS = {p["partner_id"]: p for p in DEMO_REGISTRY.partners}
HEADS = {r.unit_id: r.building_heads for r in DEMO_REGISTRY.unit_roles if r.building_heads}
REQUESTS = DEMO_BOARD.requests
BY_SLUG = {r.slug: r for r in REQUESTS}
MADE = {r.slug: f"r-{r.slug}" for r in REQUESTS}
TZ = "Asia/Shanghai"

# Each step's command, as the gateway makes it from the route's body.
COMMANDS: dict[str, type[Command]] = {
    "accept": commands.AcceptRequest,
    "return": commands.ReturnRequest,
    "dispatch": commands.DispatchRequest,
    "start": commands.StartRequest,
    "extension": commands.RequestExtension,
    "approve_extension": commands.ApproveExtension,
    "resolve": commands.ResolveRequest,
    "follow_up": commands.RecordFollowUp,
    "reopen": commands.ReopenRequest,
    "transfer": commands.TransferRequest,
    "duplicate": commands.MarkDuplicate,
    "not_responsible": commands.MarkNotResponsible,
    "cancel": commands.CancelRequest,
    "note": commands.AddNote,
}


def command(step: Step, request_id: str) -> Any:
    body = resolved(step.body, MEMBERS, MADE)
    return COMMANDS[step.action].model_validate({**body, "request_id": request_id})


def test_every_request_body_is_valid_with_its_kinds_extra_fields() -> None:
    for r in REQUESTS:
        body = commands.CreateRequestBody.model_validate(resolved(r.body, MEMBERS, MADE))
        checked_extra(DEFAULTS[body.kind], body.extra)
        assert body.location.community_id == COMPOUND[body.location.compound_id or ""].community_id
        if body.resident_member_id is None:
            assert body.resident_phone and body.resident_phone.startswith("100"), r.slug


def test_residents_are_synthetic_and_slugs_and_wish_titles_unique() -> None:
    phones = [str(r.body["resident_phone"]) for r in REQUESTS if "resident_phone" in r.body]
    phones += [w.body["resident_phone"] for w in DEMO_BOARD.wishes]
    assert all(p.startswith("100") for p in phones) and len(set(phones)) == len(phones)
    assert len(BY_SLUG) == len(REQUESTS)
    titles = [w.body["title"] for w in DEMO_BOARD.wishes]  # the loader finds wishes by title
    assert len(set(titles)) == len(titles)
    member_phones = {p.phone for p in DEMO_REGISTRY.people}
    assert not member_phones & set(phones)


def run_pure(r: DemoRequest) -> dict[str, Any]:
    """The request taken through its steps by the service's own pure rules."""
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    doc: dict[str, Any] = {
        "_id": MADE[r.slug],
        "status": "submitted",
        "kind": r.body["kind"],
        "title": r.body["title"],
        "location": dict(r.body["location"]),
        "submitted_at": now,
    }
    for n, step in enumerate(r.steps):
        at = now + timedelta(minutes=n)
        cmd = command(step, doc["_id"])
        match step.action:
            case "accept":
                limit = DEFAULTS[doc["kind"]].time_limit.model_dump()
                doc, _ = lifecycle.accept(doc, cmd, at, "a", time_limit=limit, tz=TZ)
            case "return":
                doc, _ = lifecycle.return_request(doc, cmd, at, "a", tz=TZ)
            case "dispatch":
                person = cmd.handler_type in ("volunteer", "building_head", "grid_worker")
                handler = Handler(
                    type=cmd.handler_type,
                    id=cmd.handler_id,
                    member_id=cmd.handler_id if person else None,
                )
                doc, _ = lifecycle.dispatch(doc, cmd, at, "a", handler=handler)
            case "start":
                doc, _ = lifecycle.start(doc, cmd, at, "a")
            case "extension":
                doc, _ = lifecycle.request_extension(doc, cmd, at, "a")
            case "approve_extension":
                doc, _ = lifecycle.approve_extension(doc, cmd, at, "a", tz=TZ)
            case "resolve":
                doc, _ = lifecycle.resolve(doc, cmd, at, "a")
            case "follow_up":  # the demo stack's setting: the same day
                doc, _ = lifecycle.record_follow_up(doc, cmd, at, "a", tz=TZ, from_next_day=False)
            case "transfer":
                doc, _ = lifecycle.transfer(doc, cmd, at, "a")
            case "duplicate":
                original = {"_id": cmd.original_id}
                doc, _ = lifecycle.mark_duplicate(doc, cmd, at, "a", original=original)
            case "not_responsible":
                doc, _ = lifecycle.mark_not_responsible(doc, cmd, at, "a")
            case "cancel":
                doc, _ = lifecycle.cancel(doc, cmd, at, "a")
            case "note":
                doc, _ = lifecycle.add_note(doc, cmd, at, "a")
            case other:
                raise AssertionError(other)
    return doc


@pytest.mark.parametrize("r", REQUESTS, ids=[r.slug for r in REQUESTS])
def test_each_requests_steps_end_where_the_demo_says(r: DemoRequest) -> None:
    doc = run_pure(r)
    assert doc["status"] == r.status
    assert [e["action"] for e in doc.get("timeline", [])] == [
        TIMELINE[s.action] for s in r.steps if s.action != "note"
    ]


def test_the_board_shows_every_status_and_the_closed_loops_ways() -> None:
    ends = Counter(r.status for r in REQUESTS)
    for status in ("submitted", "accepted", "returned", "dispatched", "in_progress"):
        assert ends[status] >= 2, status
    assert ends["resolved"] >= 4 and ends["closed"] >= 10 and ends["cancelled"] >= 1
    docs = [run_pure(r) for r in REQUESTS]
    closed_as = Counter(d.get("closed_as") for d in docs)
    assert closed_as["closed"] >= 8 and closed_as["duplicate"] >= 2
    assert closed_as["not_responsible"] >= 2 and closed_as["transferred"] >= 1
    assert all(d.get("close_reason") for d in docs if d.get("closed_as") == "not_responsible")
    assert sum(1 for d in docs if d.get("reopened")) >= 3  # unsatisfied at the follow-up
    satisfaction = Counter(f["satisfaction"] for d in docs for f in d.get("follow_ups", []))
    assert satisfaction["satisfied"] >= 5 and satisfaction["basically_satisfied"] >= 2
    assert any(d.get("extension", {}) and d["extension"]["status"] == "pending" for d in docs)
    assert any(d.get("extensions") for d in docs)
    assert any(n["mediation"] for d in docs for n in d.get("notes", []))
    handlers = {d["handler"]["type"] for d in docs if d.get("handler")}
    assert handlers >= {"property_company", "team", "volunteer", "building_head", "grid_worker"}
    assert handlers >= {"owners_committee", "party_branch"}


def test_overdue_ones_are_open_same_day_kinds() -> None:
    overdue = [r for r in REQUESTS if r.overdue]
    assert len(overdue) >= 3
    for r in overdue:
        assert DEFAULTS[r.body["kind"]].time_limit.same_day
        assert r.status in lifecycle.OPEN


def test_mostly_in_the_reports_communities_through_every_channel() -> None:
    where = Counter(r.body["location"]["community_id"] for r in REQUESTS)
    assert where["quanyun"] + where["xinggang"] + where["jingxing"] > len(REQUESTS) / 2
    assert {r.body["channel"] for r in REQUESTS} >= {
        "wechat_group",
        "phone",
        "in_person",
        "via_volunteer",
        "app",
    }
    assert set(DEFAULTS) == {r.body["kind"] for r in REQUESTS}


def test_handlers_are_the_registry_demos_and_fit_the_request() -> None:
    for r in REQUESTS:
        assert set(named_members(r.steps)) <= set(MEMBERS), r.slug
        location = r.body["location"]
        for step in r.steps:
            if step.action != "dispatch":
                continue
            kind, target = step.body["handler_type"], step.body["handler_id"]
            if kind == "team":
                assert target in TEAMS, r.slug
            elif kind == "building_head":
                assert isinstance(target, Member)
                assert target.key in HEADS[location["building_id"]], r.slug
            elif kind in ("volunteer", "grid_worker"):
                assert isinstance(target, Member)
                assert PEOPLE[target.key].home["community_id"] == location["community_id"]
            else:  # one of the compound's "3"
                assert target == location["compound_id"], r.slug
    assert DEMO_BOARD.members() <= set(MEMBERS)
    assert "wulaohong-10" in DEMO_BOARD.members()  # a resident who is a member
    volunteer = MEMBERS["wulaohong-03"]  # the demo's volunteer account has requests
    assigned = [
        r
        for r in REQUESTS
        if any(resolved(s.body, MEMBERS, MADE).get("handler_id") == volunteer for s in r.steps)
    ]
    assert len(assigned) >= 2


def test_micro_wishes_in_every_state_each_claim_by_someone_who_may() -> None:
    ends = Counter(w.status for w in DEMO_BOARD.wishes)
    for status in ("submitted", "published", "rejected", "claimed", "fulfilled", "confirmed"):
        assert ends[status] >= 1, status
    assert ends["confirmed"] >= 3
    partner_claims = 0
    for w in DEMO_BOARD.wishes:
        commands.SubmitWish.model_validate(w.body)
        at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
        doc, _ = wishes.submit(
            commands.SubmitWish.model_validate(w.body), wish_id="w", by="a", at=at
        )
        for step in w.steps:
            body = resolved(step.body, MEMBERS, {})
            if step.action == "review":
                cmd = commands.ReviewWishBody.model_validate(body)
                doc, _ = wishes.review(doc, cmd.decision, cmd.reason, by="a", at=at)
            elif step.action == "claim":
                claim = commands.ClaimWishBody.model_validate(body)
                if claim.claimant_type == "partner":
                    partner_claims += 1
                    communities = PARTNERS[claim.claimant_id]["community_ids"]
                    assert w.body["location"]["community_id"] in communities, w.slug
                else:
                    assert claim.claimant_id in MEMBERS.values()
                claimant = Claimant(type=claim.claimant_type, id=claim.claimant_id)
                doc, _ = wishes.claim(doc, claimant, by="a", at=at)
            elif step.action == "fulfil":
                fulfil = commands.FulfilWishBody.model_validate(body)
                doc, _ = wishes.fulfil(doc, list(fulfil.photo_refs), fulfil.note, by="a", at=at)
            else:
                hours = commands.ConfirmWishBody.model_validate(body).hours
                doc, _ = wishes.confirm(doc, hours, 10, by="a", at=at)
        assert doc["status"] == w.status, w.slug
    assert partner_claims >= 2


# --- The loader, against a gateway that keeps what it is sent --------------------------------


class FakeGateway:
    """Requests and wishes as far as the loader can tell: ids, a timeline, notes, statuses.
    `refuse(path_part, response)` answers one POST whose path contains it with `response`."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.wishes: dict[str, dict[str, Any]] = {}
        self.posts: list[str] = []
        self.refusals: list[tuple[str, httpx.Response]] = []

    def refuse(self, part: str, response: httpx.Response) -> None:
        self.refusals.append((part, response))

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET":
            return self.get(request)
        self.posts.append(path)
        for n, (part, response) in enumerate(self.refusals):
            if part in path:
                del self.refusals[n]
                return response
        body = json.loads(request.content)
        parts = path.split("/")[3:]  # after /api/v1
        if parts == ["requests"]:
            return self.create(body, request.headers.get("Idempotency-Key"))
        if parts == ["wishes"]:
            wish_id = f"w{len(self.wishes) + 1}"
            self.wishes[wish_id] = {"id": wish_id, "title": body["title"], "status": "submitted"}
            return httpx.Response(201, json=self.wishes[wish_id])
        if parts[0] == "wishes":
            wish = self.wishes[parts[1]]
            if parts[2] == "review":
                wish["status"] = "published" if body["decision"] == "publish" else "rejected"
            else:
                wish["status"] = {"claim": "claimed", "fulfil": "fulfilled"}.get(
                    parts[2], "confirmed"
                )
            return httpx.Response(200, json=wish)
        r = self.requests[parts[1]]
        action = next(a for a, p in PATHS.items() if "/".join(parts[2:]) == p)
        if action == "note":
            r["notes"].append({"text": body["text"], "mediation": body["mediation"]})
        else:
            r["timeline"].append({"action": TIMELINE[action]})
            r["status"] = TIMELINE[action]
        return httpx.Response(200, json=r)

    def create(self, body: Mapping[str, Any], idempotency_key: str | None) -> httpx.Response:
        assert idempotency_key
        if idempotency_key in self.by_key:  # as the service does with its client_ref
            return httpx.Response(201, json=self.requests[self.by_key[idempotency_key]])
        request_id = f"r{len(self.requests) + 1}"
        self.by_key[idempotency_key] = request_id
        self.requests[request_id] = {
            "id": request_id,
            "title": body["title"],
            "status": "submitted",
            "timeline": [],
            "notes": [],
        }
        return httpx.Response(201, json=self.requests[request_id])

    def get(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")[3:]
        if parts == ["wishes"]:
            status = request.url.params["status"]
            items = [w for w in self.wishes.values() if w["status"] == status]
            return httpx.Response(200, json={"items": items, "next_cursor": None})
        return httpx.Response(200, json=self.requests[parts[1]])


SMALL = RequestsDemo(
    requests=[BY_SLUG["haide-4-noise"], BY_SLUG["haide-3-stair-lights"]],
    wishes=[w for w in DEMO_BOARD.wishes if w.slug in ("radio-for-elder", "smartphone")],
)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_http, "RETRY_INTERVAL", 0.01)
    monkeypatch.setattr(demo_http, "RETRY_WITHIN", 1.0)
    monkeypatch.setattr(demo_requests, "UNKNOWN_WAIT_S", 1.0)


def load(
    fake: FakeGateway, demo: RequestsDemo = SMALL
) -> tuple[list[dict[str, Any]], Counter[str]]:
    transport = httpx.MockTransport(fake.handle)
    with httpx.Client(base_url="http://gw", transport=transport) as client:
        return load_requests(client, demo, MEMBERS, lambda _: None)


def steps_posted(fake: FakeGateway) -> int:
    return sum(1 for p in fake.posts if p.count("/") > 3)


def test_every_step_is_posted_once_and_a_second_load_posts_no_step_again() -> None:
    fake = FakeGateway()
    views, counts = load(fake)
    expected = sum(len(r.steps) for r in SMALL.requests) + sum(len(w.steps) for w in SMALL.wishes)
    assert steps_posted(fake) == expected
    assert [v["status"] for v in views] == ["resolved", "followed_up"]
    assert views[0]["notes"][0]["mediation"] is True
    assert counts["wish_confirmed"] == 1 and counts["wish_rejected"] == 1

    load(fake)
    assert len(fake.requests) == 2 and len(fake.wishes) == 2  # found, not made again
    assert steps_posted(fake) == expected


def test_a_load_stopped_midway_is_taken_up_from_where_it_stopped() -> None:
    fake = FakeGateway()
    fake.refuse("/resolve", httpx.Response(503, json={"detail": "did not answer"}))
    with pytest.raises(DemoLoadError, match="not repeated"):
        load(fake, RequestsDemo([BY_SLUG["haide-4-noise"]], []))
    assert fake.posts.count("/api/v1/requests/r1/resolve") == 1

    load(fake, RequestsDemo([BY_SLUG["haide-4-noise"]], []))
    r1 = fake.requests["r1"]
    assert [e["action"] for e in r1["timeline"]] == [
        "accepted",
        "dispatched",
        "started",
        "resolved",
    ]
    assert len(r1["notes"]) == 1  # the note made by the first load is not made twice


def test_a_member_not_yet_known_to_the_service_is_waited_for() -> None:
    fake = FakeGateway()
    fake.refuse("/dispatch", httpx.Response(422, json={"detail": "no member m-x is known"}))
    load(fake, RequestsDemo([BY_SLUG["haide-4-noise"]], []))
    assert fake.posts.count("/api/v1/requests/r1/dispatch") == 2
    assert fake.requests["r1"]["status"] == "resolved"


def test_another_refusal_stops_the_load() -> None:
    fake = FakeGateway()
    fake.refuse("/dispatch", httpx.Response(409, json={"detail": "request r1 is closed"}))
    with pytest.raises(DemoLoadError, match="409"):
        load(fake, RequestsDemo([BY_SLUG["haide-4-noise"]], []))
    assert fake.posts.count("/api/v1/requests/r1/dispatch") == 1


def test_a_follow_up_on_the_day_of_resolution_is_left_for_tomorrow() -> None:
    fake = FakeGateway()
    detail = "request r1 was resolved today: the follow-up is from the next day"
    fake.refuse("/follow-up", httpx.Response(409, json={"detail": detail}))
    views, counts = load(fake, RequestsDemo([BY_SLUG["haide-3-stair-lights"]], []))
    assert views[0]["status"] == "resolved"
    assert counts["follow_up_waiting"] == 1


def test_steps_left_follows_the_timeline_in_order() -> None:
    r = BY_SLUG["haide-4-noise"]  # accept, dispatch, start, note, resolve
    assert steps_left(r.steps, {"timeline": [], "notes": []}) == [0, 1, 2, 3, 4]

    def seen(actions: list[str], notes: list[str]) -> dict[str, Any]:
        return {"timeline": [{"action": a} for a in actions], "notes": [{"text": t} for t in notes]}

    assert steps_left(r.steps, seen(["accepted", "dispatched"], [])) == [2, 3, 4]
    assert steps_left(r.steps, seen(["accepted", "reminded", "dispatched"], [])) == [2, 3, 4]
    note = r.steps[3].body["text"]
    assert steps_left(r.steps, seen(["accepted", "dispatched", "started"], [note])) == [4]
