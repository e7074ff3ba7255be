"""Load the demo board (tools/demo_requests_data.py) through the gateway, after the
registry's demo (whose member ids its handlers and claimants name).

1. Every request is created (`POST /api/v1/requests`) with an Idempotency-Key naming its
   slug (`demo-request-<slug>`): the requests service makes at most one request per key and
   caller, so a second load gets back the request the first one made, not a second one.
2. Then each request's steps (accept, dispatch, start, …), in order, WORKERS requests at a
   time. A request an earlier load made goes on from where its timeline (and, for notes,
   its notes) shows it stopped.
3. The micro-wishes: those an earlier load submitted are found on the wall by title (every
   status); the others are submitted; each is taken from its status to the demo's.

Each change is sent once (tools/demo_http.py); an Idempotency-Key goes with each creation
only (a step's refusal, stored under its key, would be replayed to the next try). Two
answers are waited out, as they record nothing: a 422 or 404 saying the service does not
know a member, team or compound yet (it learns them from the registry's events, a moment
after the registry's demo), and a 409 to a follow-up on the day of resolution (回访 is
from the next day, unless REQUESTS_FOLLOW_UP_FROM_NEXT_DAY=0): that request is left
resolved, and the summary says how many were.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import httpx

from tools.demo_http import DemoLoadError, refused, send_once
from tools.demo_requests_data import (
    PATHS,
    DemoRequest,
    DemoWish,
    RequestsDemo,
    Step,
    resolved,
)

WORKERS: Final = 4  # requests in flight, each one's steps in order
UNKNOWN_WAIT_S: Final = 30.0  # for the requests service to learn the registry's demo
# What each step writes in the request's timeline (a note writes none: it goes to `notes`).
TIMELINE: Final[Mapping[str, str]] = {
    "accept": "accepted",
    "return": "returned",
    "dispatch": "dispatched",
    "start": "started",
    "extension": "extension_requested",
    "approve_extension": "extension_approved",
    "resolve": "resolved",
    "follow_up": "followed_up",
    "reopen": "reopened",
    "transfer": "transferred",
    "duplicate": "marked_duplicate",
    "not_responsible": "marked_not_responsible",
    "cancel": "cancelled",
}
WISH_ORDER: Final = ("submitted", "published", "claimed", "fulfilled", "confirmed")
WISH_STATUSES: Final = (*WISH_ORDER, "rejected")

Members = Mapping[str, str]  # member key -> member id


class FollowUpTooEarly(Exception):
    """The service takes the follow-up from the day after resolution only."""


def load_requests(
    client: httpx.Client, demo: RequestsDemo, members: Members, say: Callable[[str], None]
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The whole board: the requests with their steps, then the micro-wishes. Returns the
    requests as last seen, and counts. `client` is signed in as a subdistrict_admin (and the
    requests service answers). Raises DemoLoadError."""
    started = time.monotonic()
    made: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    def create_one(r: DemoRequest) -> None:
        view = create(client, r, members)
        with lock:
            made[r.slug] = view

    in_parallel(create_one, demo.requests)
    ids = {slug: str(view["id"]) for slug, view in made.items()}
    counts: Counter[str] = Counter()

    def run_one(r: DemoRequest) -> None:
        view, waiting = run_steps(client, r, made[r.slug], members, ids)
        with lock:
            made[r.slug] = view
            counts[str(view["status"])] += 1
            counts["follow_up_waiting"] += waiting

    in_parallel(run_one, demo.requests)
    say(f"demo: requests: {len(demo.requests)} ({board_summary(counts)})")

    wishes = load_wishes(client, demo.wishes, members)
    counts.update({f"wish_{status}": n for status, n in wishes.items()})
    say(
        f"demo: micro-wishes: {len(demo.wishes)} "
        f"({', '.join(f'{n} {s}' for s, n in sorted(wishes.items()))}) "
        f"({time.monotonic() - started:.1f} s)"
    )
    counts["request"] = len(demo.requests)
    counts["wish"] = len(demo.wishes)
    return [made[r.slug] for r in demo.requests], counts


def board_summary(counts: Mapping[str, int]) -> str:
    statuses = ", ".join(
        f"{n} {s}" for s, n in sorted(counts.items()) if s != "follow_up_waiting" and n
    )
    waiting = counts.get("follow_up_waiting", 0)
    later = f"; {waiting} resolved today, followed up from tomorrow" if waiting else ""
    return statuses + later


def in_parallel(work: Callable[[Any], None], items: list[Any]) -> None:
    """`work` on every item, WORKERS at a time; the first failure stops the rest."""
    with ThreadPoolExecutor(WORKERS) as pool:  # an httpx.Client may be shared by threads
        try:
            for _ in pool.map(work, items):
                pass
        finally:
            pool.shutdown(cancel_futures=True)


# --- Requests ------------------------------------------------------------------------------


def create(client: httpx.Client, r: DemoRequest, members: Members) -> dict[str, Any]:
    """The request as it stands: made now, or the one an earlier load made for its key."""
    body = resolved(r.body, members, {})
    what = f"POST /api/v1/requests ({r.slug})"
    resp = send_once(
        client, "POST", "/api/v1/requests", body, what, headers=key(f"demo-request-{r.slug}")
    )
    if resp.status_code not in (200, 201):
        raise DemoLoadError(refused(what, resp))
    view: dict[str, Any] = resp.json()
    # Made by an earlier load: the gateway's copy of the first answer, or the request as the
    # service has it (notes for the mediation included only in the detail): read it now.
    if resp.headers.get("Idempotent-Replayed") == "true" or view.get("timeline"):
        view = read(client, f"/api/v1/requests/{view['id']}")
    return view


def run_steps(
    client: httpx.Client,
    r: DemoRequest,
    view: dict[str, Any],
    members: Members,
    ids: Mapping[str, str],
) -> tuple[dict[str, Any], bool]:
    """Take the request through the steps it has not taken yet. Returns it as it stands,
    and whether a follow-up was left for tomorrow."""
    path = f"/api/v1/requests/{view['id']}"
    for n in steps_left(r.steps, view):
        step = r.steps[n]
        body = resolved(step.body, members, ids)
        try:
            answer = change(client, f"{path}/{PATHS[step.action]}", body, f"{r.slug}-{n}", step)
        except FollowUpTooEarly:
            return view, True
        if step.action != "note":
            view = answer
    if any(s.action == "note" for s in r.steps):
        view = read(client, path)
    return view, False


def steps_left(steps: tuple[Step, ...], view: Mapping[str, Any]) -> list[int]:
    """The positions of the steps still to take: transitions past the ones the timeline
    shows, in order, and notes whose text the request does not hold yet."""
    # The deadline scheduler's entries (reminded, overdue, escalated) are no step's.
    ours = set(TIMELINE.values())
    done = [e.get("action") for e in view.get("timeline") or [] if e.get("action") in ours]
    noted = {n.get("text") for n in view.get("notes") or []}
    left: list[int] = []
    for n, step in enumerate(steps):
        if step.action == "note":
            if step.body["text"] not in noted:
                left.append(n)
        elif done and done[0] == TIMELINE[step.action] and not left:
            done.pop(0)
        else:
            left.append(n)
    return left


def change(
    client: httpx.Client, path: str, body: dict[str, Any], ref: str, step: Step
) -> dict[str, Any]:
    """POST one step once; again only after an answer that recorded nothing (see the
    module's docstring). Raises FollowUpTooEarly, DemoLoadError."""
    what = f"POST {path} ({ref} {step.action})"
    for pause in patience(UNKNOWN_WAIT_S):
        resp = send_once(client, "POST", path, body, what)
        if resp.status_code in (200, 201):
            answer: dict[str, Any] = resp.json()
            return answer
        if step.action == "follow_up" and resp.status_code == 409 and "next day" in resp.text:
            raise FollowUpTooEarly(what)
        if not not_known_yet(resp):
            break
        time.sleep(pause)
    raise DemoLoadError(refused(what, resp))


def not_known_yet(resp: httpx.Response) -> bool:
    """A refusal because the service has not yet heard of a member, team or compound the
    registry's demo made: nothing was recorded."""
    if resp.status_code == 422:
        return "is known" in resp.text  # "no member … is known", "no team … is known"
    return resp.status_code == 404 and "member" in resp.text and "not found" in resp.text


# --- Micro-wishes --------------------------------------------------------------------------


def load_wishes(client: httpx.Client, wishes: list[DemoWish], members: Members) -> Counter[str]:
    """Every wish taken to the demo's status; returns how many end in each."""
    found = wishes_on_file(client)
    done: Counter[str] = Counter()
    lock = threading.Lock()

    def run(w: DemoWish) -> None:
        status = run_wish(client, w, found.get(w.body["title"]), members)
        with lock:
            done[status] += 1

    in_parallel(run, wishes)
    return done


def wishes_on_file(client: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every wish the service holds, by title (the demo's titles are unique)."""
    found: dict[str, dict[str, Any]] = {}
    for status in WISH_STATUSES:
        cursor = None
        while True:
            params: dict[str, Any] = {"status": status, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = read(client, "/api/v1/wishes", params)
            found.update({w["title"]: w for w in page["items"]})
            cursor = page.get("next_cursor")
            if not cursor:
                break
    return found


def run_wish(
    client: httpx.Client, w: DemoWish, wish: dict[str, Any] | None, members: Members
) -> str:
    """Submit the wish unless found, then take its remaining steps; returns its status."""
    if wish is None:
        what = f"POST /api/v1/wishes ({w.slug})"
        resp = send_once(
            client, "POST", "/api/v1/wishes", dict(w.body), what, headers=key(f"demo-wish-{w.slug}")
        )
        if resp.status_code not in (200, 201):
            raise DemoLoadError(refused(what, resp))
        wish = resp.json()
    status = str(wish["status"])
    # Steps taken: review (to published or rejected), claim, fulfil, confirm.
    reached = 1 if status == "rejected" else WISH_ORDER.index(status)
    path = f"/api/v1/wishes/{wish['id']}"
    for step in w.steps[reached:]:
        body = resolved(step.body, members, {})
        what = f"POST {path}/{step.action} ({w.slug})"
        for pause in patience(UNKNOWN_WAIT_S):
            resp = send_once(client, "POST", f"{path}/{step.action}", body, what)
            if resp.status_code in (200, 201) or not not_known_yet(resp):
                break
            time.sleep(pause)
        if resp.status_code not in (200, 201):
            raise DemoLoadError(refused(what, resp))
        status = str(resp.json()["status"])
    return status


# --- Calls ---------------------------------------------------------------------------------


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def read(client: httpx.Client, path: str, params: Mapping[str, Any] | None = None) -> Any:
    resp = client.get(path, params=params)
    if resp.status_code != 200:
        raise DemoLoadError(f"GET {path} -> {resp.status_code}: {resp.text}")
    return resp.json()


def patience(within: float) -> Iterator[float]:
    """Pauses to sleep between tries, until `within` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        yield 0.25
        if time.monotonic() >= deadline:
            return
