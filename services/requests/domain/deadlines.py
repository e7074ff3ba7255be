"""Reminder (催办), overdue and escalation (督办) of an open request: pure.

Each is marked on the request (`reminded_at`, `overdue_at`, `escalated_at`) by the same write
that carries its event, so the mark is the "exactly once": a writer that finds it set (another
replica won the write, or a tick after a crash) emits nothing. An approved extension or a
reopen clears the marks (the lifecycle), and the new deadline gets its own three.

A request whose stages fell due together (the scheduler was down, or the deadline was near
already at acceptance) gets them in one write, in order: every overdue request has had its
reminder, and every escalated one its overdue.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from shared.contracts.catalogue import EventData
from shared.contracts.events.requests import (
    Handler,
    RequestEscalated,
    RequestOverdue,
    RequestReminderDue,
)

Document = dict[str, Any]
Stage = Literal["reminded", "overdue", "escalated"]

# The statuses in which a request's deadline runs.
OPEN_STATUSES: Final = ("accepted", "dispatched", "in_progress")
STAGES: Final[tuple[Stage, ...]] = ("reminded", "overdue", "escalated")
# Who the timeline says did it.
SCHEDULER: Final = "system:deadlines"
EVENTS: Final[Mapping[Stage, type[RequestReminderDue | RequestOverdue | RequestEscalated]]] = {
    "reminded": RequestReminderDue,
    "overdue": RequestOverdue,
    "escalated": RequestEscalated,
}


@dataclass(frozen=True)
class Policy:
    reminder_before: timedelta
    escalation_grace: timedelta

    def due_at(self, stage: Stage, deadline: datetime) -> datetime:
        if stage == "reminded":
            return deadline - self.reminder_before
        if stage == "overdue":
            return deadline
        return deadline + self.escalation_grace


class NothingDue(Exception):
    """No stage is due (or each due one is marked already): no write, no event."""


def mark_field(stage: Stage) -> str:
    return f"{stage}_at"


def due(doc: Document, now: datetime, policy: Policy) -> list[Stage]:
    """The stages due at `now` and not yet marked, in order."""
    deadline = doc.get("deadline")
    if doc.get("status") not in OPEN_STATUSES or not isinstance(deadline, datetime):
        return []
    return [
        stage
        for stage in STAGES
        if doc.get(mark_field(stage)) is None and now >= policy.due_at(stage, deadline)
    ]


def mark(doc: Document, now: datetime, policy: Policy) -> tuple[Document, list[EventData]]:
    """The request with the due stages marked and in its timeline, and their events.
    Raises NothingDue."""
    stages = due(doc, now, policy)
    if not stages:
        raise NothingDue
    handler = Handler.model_validate(doc["handler"]) if doc.get("handler") else None
    timeline = list(doc.get("timeline") or [])
    new = dict(doc)
    events: list[EventData] = []
    for stage in stages:
        new[mark_field(stage)] = now
        timeline.append(
            {"at": now, "by": SCHEDULER, "action": stage, "status": doc["status"], "note": ""}
        )
        events.append(
            EVENTS[stage](
                request_id=doc["_id"],
                community_id=doc["location"]["community_id"],
                handler=handler,
                deadline=doc["deadline"],
            )
        )
    new["timeline"] = timeline
    return new, events
