"""A request's lifecycle, the 12345 hotline's closed loop (接诉即办). Pure: no I/O.

    submitted -> accepted (受理, the deadline is fixed) | returned (退单, within 1 working day)
    accepted | dispatched | in_progress -> dispatched (派单, or re-dispatch)
    dispatched -> in_progress -> resolved (办结) -> follow-up (回访, from the next day):
        satisfied / basically satisfied -> closed; unsatisfied -> in_progress again (reopened)
    closed -> in_progress (reopened by an admin)
    side exits before resolution: transferred (to another community: back to submitted
    there; outside the system: status transferred), duplicate and not responsible
    (status closed, `closed_as` says which), cancelled.

Each transition is a function `(doc, cmd, now, actor, ...) -> (new_doc, [events])`: it
raises Conflict naming the status when the request may not take it, appends one timeline
entry `{at, by, action, status, note}`, and returns the events to emit with the write. What
a transition needs from elsewhere (the kind's time limit, the checked handler, the original
of a duplicate) its caller looks up and passes in.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from services.requests.domain import calendar
from services.requests.domain.privacy import mask_text
from shared.contracts.catalogue import EventData
from shared.contracts.commands.requests import (
    AcceptRequest,
    AddNote,
    ApproveExtension,
    CancelRequest,
    DispatchRequest,
    MarkDuplicate,
    MarkNotResponsible,
    RecordFollowUp,
    ReopenRequest,
    RequestExtension,
    ResolveRequest,
    ReturnRequest,
    StartRequest,
    TransferRequest,
)
from shared.contracts.events.requests import (
    ExtensionApproved,
    ExtensionRequested,
    FollowUpRecorded,
    Handler,
    RequestAccepted,
    RequestCancelled,
    RequestClosed,
    RequestDispatched,
    RequestReopened,
    RequestResolved,
    RequestReturned,
    RequestStarted,
    RequestTransferred,
    VolunteerAssigned,
)
from shared.contracts.rpc import Conflict, FieldError, Invalid

Document = dict[str, Any]
Result = tuple[Document, list[EventData]]

# Running against a deadline.
OPEN: Final = ("accepted", "dispatched", "in_progress")
# Where the side exits (transfer, duplicate, not responsible, cancel) may be taken.
UNRESOLVED: Final = ("submitted", *OPEN)
# The deadline scheduler's marks: a moved deadline or a reopened request starts them over.
SCHEDULER_MARKS: Final = ("reminded_at", "overdue_at", "escalated_at")
CONTENT: Final = ("satisfied", "basically_satisfied")


def _guard(doc: Document, allowed: Iterable[str], action: str) -> None:
    allowed = tuple(allowed)
    if doc["status"] not in allowed:
        raise Conflict(
            f"request {doc['_id']} is {doc['status']}: it cannot be {action} "
            f"(only when {' or '.join(allowed)})"
        )


def _invalid(loc: str, msg: str, kind: str) -> Invalid:
    return Invalid(msg, [FieldError(loc=[loc], msg=msg, type=kind)])


def _moved(
    doc: Document,
    *,
    now: datetime,
    actor: str | None,
    action: str,
    status: str,
    note: str | None = None,
    **changes: Any,
) -> Document:
    """The request in its new status, with the timeline entry recording who did it."""
    entry = {"at": now, "by": actor, "action": action, "status": status, "note": note or None}
    new = {**doc, **changes, "status": status}
    new["timeline"] = [*doc.get("timeline", []), entry]
    new["assigned_member_ids"] = assigned_member_ids(new)
    return new


def _unmarked() -> Document:
    return dict.fromkeys(SCHEDULER_MARKS)


def assigned_member_ids(doc: Mapping[str, Any]) -> list[str]:
    """Who has this request among their assigned ones: the member handling it now, and
    every volunteer named in a resolution (kept in one top-level list: the store answers
    `$in` on it, not on a path into sub-documents)."""
    ids = []
    handler = doc.get("handler") or {}
    if handler.get("member_id"):
        ids.append(handler["member_id"])
    for resolution in doc.get("resolutions") or []:
        ids.extend(resolution.get("volunteer_member_ids") or [])
    return sorted(set(ids))


def _community(doc: Document) -> str:
    community: str = doc["location"]["community_id"]
    return community


def _ids(doc: Document) -> dict[str, str]:
    return {"request_id": doc["_id"], "community_id": _community(doc)}


def _title(doc: Document) -> str:
    return mask_text(doc["title"]) or doc["title"]


def _local_day(at: datetime, tz: str) -> Any:
    return at.astimezone(ZoneInfo(tz)).date()


# --- Intake decisions ---------------------------------------------------------------------


def accept(
    doc: Document,
    cmd: AcceptRequest,
    now: datetime,
    actor: str | None,
    *,
    time_limit: Mapping[str, Any],
    tz: str,
) -> Result:
    """受理: the deadline is fixed now, from the kind's time limit."""
    _guard(doc, ("submitted",), "accepted")
    same_day, working_days = bool(time_limit.get("same_day")), time_limit.get("working_days")
    limit = {"same_day": same_day, "working_days": working_days}
    due = calendar.deadline(now, same_day=same_day, working_days=working_days, tz=tz)
    due = due.astimezone(now.tzinfo)
    new = _moved(
        doc,
        now=now,
        actor=actor,
        action="accepted",
        status="accepted",
        accepted_at=now,
        accepted_by=actor,
        time_limit=limit,
        deadline=due,
        **_unmarked(),
    )
    event = RequestAccepted(**_ids(doc), kind=doc["kind"], accepted_by=actor, deadline=due)
    return new, [event]


def return_request(
    doc: Document, cmd: ReturnRequest, now: datetime, actor: str | None, *, tz: str
) -> Result:
    """退单: only within one working day of submission (counted in local days)."""
    _guard(doc, ("submitted",), "returned")
    days = calendar.working_days_between(_local_day(doc["submitted_at"], tz), _local_day(now, tz))
    if days > 1:
        raise Conflict(
            f"request {doc['_id']} was submitted more than one working day ago "
            f"({days} working days): it can no longer be returned"
        )
    new = _moved(
        doc,
        now=now,
        actor=actor,
        action="returned",
        status="returned",
        note=cmd.reason,
        returned_at=now,
        returned_by=actor,
        return_reason=cmd.reason,
    )
    return new, [RequestReturned(**_ids(doc), reason=cmd.reason, returned_by=actor)]


# --- Handling -----------------------------------------------------------------------------


def dispatch(
    doc: Document,
    cmd: DispatchRequest,
    now: datetime,
    actor: str | None,
    *,
    handler: Handler,
) -> Result:
    """派单 to a checked handler; a re-dispatch moves the request to another handler."""
    _guard(doc, OPEN, "dispatched")
    current = doc.get("handler") or {}
    if (current.get("type"), current.get("id")) == (handler.type, handler.id) and doc[
        "status"
    ] == "dispatched":
        raise Conflict(f"request {doc['_id']} is already dispatched to {handler.type} {handler.id}")
    to = f"{handler.type} {handler.name or handler.id}"
    new = _moved(
        doc,
        now=now,
        actor=actor,
        action="dispatched",
        status="dispatched",
        note=f"{to}: {cmd.note}" if cmd.note else to,
        handler=handler.model_dump(),
        dispatched_at=now,
        dispatched_by=actor,
    )
    deadline = doc.get("deadline")
    events: list[EventData] = [
        RequestDispatched(**_ids(doc), handler=handler, dispatched_by=actor, deadline=deadline)
    ]
    if handler.member_id:
        events.append(
            VolunteerAssigned(
                **_ids(doc),
                member_id=handler.member_id,
                title=_title(doc),
                kind=doc["kind"],
                deadline=deadline,
            )
        )
    return new, events


def start(doc: Document, cmd: StartRequest, now: datetime, actor: str | None) -> Result:
    _guard(doc, ("dispatched",), "started")
    new = _moved(doc, now=now, actor=actor, action="started", status="in_progress", started_at=now)
    return new, [RequestStarted(**_ids(doc), handler=Handler(**doc["handler"]))]


def request_extension(
    doc: Document, cmd: RequestExtension, now: datetime, actor: str | None
) -> Result:
    """Only before the deadline; one pending at a time."""
    _guard(doc, OPEN, "extended")
    deadline = doc.get("deadline")
    if deadline is None or now >= deadline:
        raise Conflict(
            f"request {doc['_id']} is past its deadline ({deadline}): an extension must be "
            "asked for before the deadline"
        )
    extension = doc.get("extension") or {}
    if extension.get("status") == "pending":
        raise Conflict(f"request {doc['_id']} already has an extension waiting for approval")
    new = _moved(
        doc,
        now=now,
        actor=actor,
        action="extension_requested",
        status=doc["status"],
        note=cmd.reason,
        extension={
            "reason": cmd.reason,
            "working_days": cmd.working_days,
            "requested_by": actor,
            "requested_at": now,
            "status": "pending",
            "approved_by": None,
            "approved_at": None,
        },
    )
    event = ExtensionRequested(
        **_ids(doc), reason=cmd.reason, working_days=cmd.working_days, requested_by=actor
    )
    return new, [event]


def approve_extension(
    doc: Document, cmd: ApproveExtension, now: datetime, actor: str | None, *, tz: str
) -> Result:
    """The deadline moves by the extension's working days; the scheduler starts over."""
    _guard(doc, OPEN, "given an extension")
    extension = doc.get("extension") or {}
    if extension.get("status") != "pending":
        raise Conflict(f"request {doc['_id']} has no extension waiting for approval")
    deadline = calendar.extended(doc["deadline"], extension["working_days"], tz).astimezone(
        now.tzinfo
    )
    approved = {**extension, "status": "approved", "approved_by": actor, "approved_at": now}
    new = _moved(
        doc,
        now=now,
        actor=actor,
        action="extension_approved",
        status=doc["status"],
        note=extension["reason"],
        extension=approved,
        extensions=[*(doc.get("extensions") or []), approved],
        deadline=deadline,
        **_unmarked(),
    )
    event = ExtensionApproved(
        **_ids(doc), reason=extension["reason"], deadline=deadline, approved_by=actor
    )
    return new, [event]


def resolve(doc: Document, cmd: ResolveRequest, now: datetime, actor: str | None) -> Result:
    """办结. Without named volunteers, the member handling it served the hours."""
    _guard(doc, ("dispatched", "in_progress"), "resolved")
    handler = doc.get("handler") or {}
    volunteers = list(dict.fromkeys(cmd.volunteer_member_ids))
    if not volunteers and handler.get("member_id"):
        volunteers = [handler["member_id"]]
    resolution = {
        "notes": cmd.notes,
        "hours_spent": cmd.hours_spent,
        "volunteer_member_ids": volunteers,
        "by": actor,
        "at": now,
    }
    new = _moved(
        doc,
        now=now,
        actor=actor,
        action="resolved",
        status="resolved",
        note=cmd.notes,
        resolved_at=now,
        resolution=resolution,
        resolutions=[*(doc.get("resolutions") or []), resolution],
    )
    event = RequestResolved(
        **_ids(doc),
        kind=doc["kind"],
        title=_title(doc),
        handler=Handler(**handler) if handler else None,
        resolved_by=actor,
        resolved_at=now,
        hours_spent=cmd.hours_spent,
        volunteer_member_ids=volunteers,
        notes=mask_text(cmd.notes) or "",
        resolution=len(new["resolutions"]),
    )
    return new, [event]


# --- Follow-up and closing ----------------------------------------------------------------


def record_follow_up(
    doc: Document,
    cmd: RecordFollowUp,
    now: datetime,
    actor: str | None,
    *,
    tz: str,
    from_next_day: bool,
) -> Result:
    """回访: content closes the request; unsatisfied reopens it with the same handler."""
    _guard(doc, ("resolved",), "followed up")
    if from_next_day and _local_day(now, tz) <= _local_day(doc["resolved_at"], tz):
        raise Conflict(
            f"request {doc['_id']} was resolved today: the follow-up is from the next day"
        )
    follow_up = {"satisfaction": cmd.satisfaction, "comment": cmd.comment, "by": actor, "at": now}
    follow_ups = [*(doc.get("follow_ups") or []), follow_up]
    note = f"{cmd.satisfaction}: {cmd.comment}" if cmd.comment else cmd.satisfaction
    recorded = FollowUpRecorded(**_ids(doc), satisfaction=cmd.satisfaction, recorded_by=actor)
    if cmd.satisfaction in CONTENT:
        new = _moved(
            doc,
            now=now,
            actor=actor,
            action="followed_up",
            status="closed",
            note=note,
            follow_ups=follow_ups,
            closed_at=now,
            closed_as="closed",
            close_reason=None,
        )
        return new, [recorded, RequestClosed(**_ids(doc), closed_as="closed")]
    reason = (
        f"unsatisfied at the follow-up: {cmd.comment}"
        if cmd.comment
        else ("unsatisfied at the follow-up")
    )
    new = _reopened(doc, now=now, actor=actor, action="followed_up", note=note)
    new["follow_ups"] = follow_ups
    return new, [recorded, RequestReopened(**_ids(doc), reason=reason)]


def _reopened(
    doc: Document, *, now: datetime, actor: str | None, action: str, note: str
) -> Document:
    """Back to work with the same handler (to accepted if it never had one); the current
    resolution stays in `resolutions`, the scheduler starts over."""
    return _moved(
        doc,
        now=now,
        actor=actor,
        action=action,
        status="in_progress" if doc.get("handler") else "accepted",
        note=note,
        resolved_at=None,
        resolution=None,
        closed_at=None,
        closed_as=None,
        close_reason=None,
        duplicate_of=None,
        reopened=int(doc.get("reopened") or 0) + 1,
        reopened_at=now,
        **_unmarked(),
    )


def reopen(doc: Document, cmd: ReopenRequest, now: datetime, actor: str | None) -> Result:
    """An admin reopens a closed request (a duplicate or not-responsible one too)."""
    _guard(doc, ("closed",), "reopened")
    new = _reopened(doc, now=now, actor=actor, action="reopened", note=cmd.reason)
    return new, [RequestReopened(**_ids(doc), reason=cmd.reason)]


def _closed(
    doc: Document,
    *,
    now: datetime,
    actor: str | None,
    action: str,
    status: str,
    closed_as: str,
    reason: str | None,
    **changes: Any,
) -> Document:
    return _moved(
        doc,
        now=now,
        actor=actor,
        action=action,
        status=status,
        note=reason,
        closed_at=now,
        closed_as=closed_as,
        close_reason=reason,
        **changes,
    )


def transfer(doc: Document, cmd: TransferRequest, now: datetime, actor: str | None) -> Result:
    """To another community: the request moves there and starts again as submitted (that
    community accepts it, with its own deadline). Outside the system: it ends here."""
    if bool(cmd.to_community_id) == bool(cmd.to_outside):
        raise _invalid(
            "to_community_id", "name either another community or a department outside", "missing"
        )
    if cmd.to_community_id == _community(doc):
        raise _invalid(
            "to_community_id", f"the request is already in community {cmd.to_community_id}", "same"
        )
    _guard(doc, UNRESOLVED, "transferred")
    moved = RequestTransferred(
        **_ids(doc),
        to_community_id=cmd.to_community_id,
        to_outside=cmd.to_outside,
        reason=cmd.reason,
    )
    if cmd.to_community_id:
        new = _moved(
            doc,
            now=now,
            actor=actor,
            action="transferred",
            status="submitted",
            note=cmd.reason,
            location={
                "community_id": cmd.to_community_id,
                "compound_id": None,
                "building_id": None,
            },
            transferred_from={**doc["location"]},
            transferred_to={"community_id": cmd.to_community_id},
            accepted_at=None,
            accepted_by=None,
            deadline=None,
            handler=None,
            dispatched_at=None,
            dispatched_by=None,
            extension=None,
            **_unmarked(),
        )
        return new, [moved]
    new = _closed(
        doc,
        now=now,
        actor=actor,
        action="transferred",
        status="transferred",
        closed_as="transferred",
        reason=cmd.reason,
        transferred_to={"outside": cmd.to_outside},
    )
    ended = RequestClosed(**_ids(doc), closed_as="transferred", reason=cmd.reason)
    return new, [moved, ended]


def mark_duplicate(
    doc: Document, cmd: MarkDuplicate, now: datetime, actor: str | None, *, original: Document
) -> Result:
    if original["_id"] == doc["_id"]:
        raise _invalid("original_id", "a request is not a duplicate of itself", "same")
    _guard(doc, UNRESOLVED, "marked a duplicate")
    new = _closed(
        doc,
        now=now,
        actor=actor,
        action="marked_duplicate",
        status="closed",
        closed_as="duplicate",
        reason=f"duplicate of {original['_id']}",
        duplicate_of=original["_id"],
    )
    event = RequestClosed(**_ids(doc), closed_as="duplicate", duplicate_of=original["_id"])
    return new, [event]


def mark_not_responsible(
    doc: Document, cmd: MarkNotResponsible, now: datetime, actor: str | None
) -> Result:
    """Not the community's to handle: the reason is shown on the request."""
    _guard(doc, UNRESOLVED, "marked not responsible")
    new = _closed(
        doc,
        now=now,
        actor=actor,
        action="marked_not_responsible",
        status="closed",
        closed_as="not_responsible",
        reason=cmd.reason,
    )
    return new, [RequestClosed(**_ids(doc), closed_as="not_responsible", reason=cmd.reason)]


def cancel(doc: Document, cmd: CancelRequest, now: datetime, actor: str | None) -> Result:
    """Cancelled by the resident (or for them), before it is resolved."""
    _guard(doc, UNRESOLVED, "cancelled")
    new = _closed(
        doc,
        now=now,
        actor=actor,
        action="cancelled",
        status="cancelled",
        closed_as="cancelled",
        reason=cmd.reason,
    )
    ended = RequestClosed(**_ids(doc), closed_as="cancelled", reason=cmd.reason)
    return new, [RequestCancelled(**_ids(doc), reason=cmd.reason), ended]


def add_note(doc: Document, cmd: AddNote, now: datetime, actor: str | None) -> Result:
    """A note on the request in any status; not a transition, so no timeline entry (a
    mediation note's text must not reach the timeline everyone sees) and no event."""
    note = {"at": now, "by": actor, "text": cmd.text, "mediation": cmd.mediation}
    return {**doc, "notes": [*(doc.get("notes") or []), note]}, []
