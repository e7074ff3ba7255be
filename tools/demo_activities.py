"""Load the demo's activities (tools/demo_activities_data.py) through the gateway, after the
registry's demo (whose member ids it needs).

1. The calendar (`plan_activities`, a few seconds): each series in one call (`POST
   /api/v1/activity-series`, published: the service makes its occurrences
   `<series_id>-<nnn>`), each one-off in one (`POST /api/v1/activities`); then the
   cancelled ones are cancelled and the upcoming ones get their volunteers' sign-ups and
   their residents.
2. The history (`record_history`, ~1000 calls, the longer part: `make up` runs it after its
   banner): each past activity gets its paper roster (`…/roster`, hours entered) and is
   completed with its summary (`…/complete`, the hours approved as entered), which the
   registry credits.

Both go activity by activity, a few at a time (WORKERS threads).

Each change is sent once (tools/demo_http.py). Ids are readable slugs, so a second load
finds a series or activity made (409): it then reads each activity's status and does only
what is left (no residents again: they have no id to find them by). A 422 saying that a
member is "not yet known to activities" is a refusal that recorded nothing: the service
learns members from the registry's events, a moment after the registry's demo; the call
is made again until it knows them.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import httpx

from tools.demo_activities_data import ActivitiesDemo, Keys, Occurrence
from tools.demo_http import DemoLoadError, refused, send_once, wait_until

WORKERS: Final = 4  # calls in flight: the services keep both cores busy with 3-4
MEMBERS_WAIT_S: Final = 30.0  # for the activities service to learn the registry's members
NOT_YET_KNOWN: Final = "not yet known to activities"


def activities_answer(resp: httpx.Response) -> bool:
    # GET /api/v1/activity-types is LIST_ACTIVITY_TYPES: 200 once the service answers.
    return resp.status_code == 200


@dataclass(frozen=True)
class Job:
    """What is left to do for one activity."""

    activity_id: str
    occurrence: Occurrence
    new: bool  # made by this load (else: found, and its status read first)


def load_activities(
    client: httpx.Client, demo: ActivitiesDemo, ids: Keys, say: Callable[[str], None]
) -> dict[str, int]:
    """The whole activities demo: the calendar, then the past year's history."""
    made, past = plan_activities(client, demo, ids, say)
    made.update(record_history(client, past, ids, say))
    return dict(made)


def plan_activities(
    client: httpx.Client, demo: ActivitiesDemo, ids: Keys, say: Callable[[str], None]
) -> tuple[Counter[str], list[Job]]:
    """The calendar: every series and one-off, the cancellations, the upcoming ones' sign-ups
    and residents. Returns the counts, and the past activities still to record (roster and
    completion: `record_history`). `client` is signed in as a subdistrict_admin.
    Raises DemoLoadError."""
    wait_until(client, "/api/v1/activity-types", activities_answer, "activities")
    started = time.monotonic()
    jobs: list[Job] = []
    for s in demo.series:
        new = create(client, "/api/v1/activity-series", s.body(), f"series {s.series_id}")
        jobs += [Job(activity_id, o, new) for activity_id, o in s.numbered()]
    for a in demo.activities:
        new = create(client, "/api/v1/activities", a.body(), f"activity {a.activity_id}")
        jobs.append(Job(a.activity_id, a.occurrence, new))
    past = [j for j in jobs if j.occurrence.status == "completed"]
    made = run_all(client, [j for j in jobs if j.occurrence.status != "completed"], ids)
    made.update(series=len(demo.series), one_off=len(demo.activities))
    say(
        f"demo: activities: {len(demo.series)} series, {len(demo.activities)} one-offs, "
        f"{made['cancelled']} cancelled, {made['sign_up']} sign-ups and {made['resident']} "
        f"residents on upcoming ones ({time.monotonic() - started:.1f} s)"
    )
    return made, past


def record_history(
    client: httpx.Client, past: list[Job], ids: Keys, say: Callable[[str], None]
) -> Counter[str]:
    """The past activities: each one's paper roster, then its completion. Raises
    DemoLoadError."""
    started = time.monotonic()
    done = run_all(client, past, ids)
    say(
        f"demo: activities: {done['completed']} completed with {done['roster_line']} roster "
        f"lines and {done['resident']} residents ({time.monotonic() - started:.1f} s)"
    )
    return done


def run_all(client: httpx.Client, jobs: list[Job], ids: Keys) -> Counter[str]:
    """`finish` every job, WORKERS at a time, in the order the activities took place."""
    done: Counter[str] = Counter()
    lock = threading.Lock()

    def run(job: Job) -> None:
        counts = finish(client, job, ids)  # an httpx.Client may be shared between threads
        with lock:
            done.update(counts)

    with ThreadPoolExecutor(WORKERS) as pool:
        try:
            for _ in pool.map(run, sorted(jobs, key=lambda j: j.occurrence.starts_at)):
                pass
        finally:
            pool.shutdown(cancel_futures=True)
    return done


def finish(client: httpx.Client, job: Job, ids: Keys) -> Counter[str]:
    """Take one activity as far as the demo has it."""
    o, path = job.occurrence, f"/api/v1/activities/{job.activity_id}"
    counts: Counter[str] = Counter()
    status = "published" if job.new else read_status(client, path)
    if o.status == "draft" or status != "published":
        return counts  # as the demo wants it, or finished by an earlier load
    if o.status == "cancelled":
        change(client, f"{path}/cancel", {"reason": o.cancel_reason}, job.activity_id)
        counts["cancelled"] += 1
        return counts
    if job.new:
        counts["resident"] += register_residents(client, path, o, job.activity_id)
    if o.status == "completed":
        change(client, f"{path}/roster", o.roster_body(ids), job.activity_id)
        change(client, f"{path}/complete", o.completion_body(), job.activity_id)
        counts["completed"] += 1
        counts["roster_line"] += len(o.roster)
        return counts
    for key, role_id in o.signups:
        body = {"member_id": ids[key], "role_id": role_id}
        resp = change(client, f"{path}/signups", body, job.activity_id, also_fine=(409,))
        counts["sign_up"] += resp.status_code == 201
    return counts


def register_residents(client: httpx.Client, path: str, o: Occurrence, activity_id: str) -> int:
    """The residents, in order (an activity takes them until it is completed, so a past
    one's paper list of residents is entered before its completion)."""
    made = 0
    for resident in o.residents:
        resp = send_once(client, "POST", f"{path}/participants", resident.body(), activity_id)
        if resp.status_code != 201:
            raise DemoLoadError(refused(f"POST {path}/participants", resp))
        made += 1
    return made


def read_status(client: httpx.Client, path: str) -> str:
    resp = client.get(path)
    if resp.status_code != 200:
        raise DemoLoadError(f"GET {path} -> {resp.status_code}: {resp.text}")
    return str(resp.json()["status"])


def create(client: httpx.Client, path: str, body: dict[str, Any], what: str) -> bool:
    """POST something with a readable id: True if made now, False if an earlier load did."""
    resp = send_once(client, "POST", path, body, f"POST {path} ({what})")
    if resp.status_code == 409 and "is taken" in resp.text:
        return False
    if resp.status_code not in (200, 201):
        raise DemoLoadError(refused(f"POST {path} ({what})", resp))
    return True


def change(
    client: httpx.Client,
    path: str,
    body: dict[str, Any],
    what: str,
    also_fine: tuple[int, ...] = (),
) -> httpx.Response:
    """POST a change once; again only after a refusal that recorded nothing because the
    service does not know a member yet (see the module's docstring)."""
    for pause in patience(MEMBERS_WAIT_S):
        resp = send_once(client, "POST", path, body, f"POST {path} ({what})")
        if resp.status_code in (200, 201, *also_fine):
            return resp
        if not (resp.status_code == 422 and NOT_YET_KNOWN in resp.text):
            break
        time.sleep(pause)
    raise DemoLoadError(refused(f"POST {path} ({what})", resp))


def patience(within: float) -> Iterator[float]:
    """Pauses to sleep between tries, until `within` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        yield 0.25
        if time.monotonic() >= deadline:
            return
