"""What happens to a delivery's document at each step: claimed by a sender, sent, failed
(back to pending with a later `due_at`, or dead), deferred for a rate slot, retried by an
admin. Pure: each step takes the stored document and returns the new one, with the event
it causes; the dispatcher writes both in one guarded write.

A sender's claim is a token and an expiry. While claimed, `due_at` is the expiry too, so
the dispatcher's query (pending and due) skips claimed deliveries by itself, and one whose
sender died comes back when the claim runs out."""

from datetime import datetime
from typing import Any

from services.notify.domain.masking import mask_free_text
from shared.contracts.events.notify import NotificationFailed, NotificationSent
from shared.contracts.rpc import Conflict

Document = dict[str, Any]

# Errors as channels report them can be long (an HTML error page): the log keeps the start.
MAX_ERROR_CHARS = 500


class NotClaimable(Exception):
    """Not pending, not due yet, or held by another sender: someone else sends it."""


class ClaimLost(Exception):
    """The claim expired and another sender took the delivery over: its outcome counts."""


def claim(doc: Document, now: datetime, until: datetime, token: str) -> Document:
    held = doc.get("claimed_until")
    if doc["status"] != "pending" or doc["due_at"] > now or (held is not None and held > now):
        raise NotClaimable(doc["_id"])
    return {**doc, "claimed_until": until, "due_at": until, "claim": token}


def _holding(doc: Document, token: str) -> None:
    if doc["status"] != "pending" or doc.get("claim") != token:
        raise ClaimLost(doc["_id"])


def _unclaimed(doc: Document, **changes: Any) -> Document:
    return {**doc, **changes, "claimed_until": None, "claim": None}


def defer(doc: Document, token: str, due_at: datetime) -> Document:
    """No rate slot now: back in the queue until one frees (not an attempt)."""
    _holding(doc, token)
    return _unclaimed(doc, due_at=due_at)


def sent(doc: Document, token: str, now: datetime) -> tuple[Document, NotificationSent]:
    _holding(doc, token)
    attempts = doc["attempts"] + 1
    new = _unclaimed(
        doc,
        status="sent",
        sent_at=now,
        attempts=attempts,
        history=[*doc["history"], {"at": now, "ok": True, "error": None}],
    )
    return new, NotificationSent(
        notification_id=doc["_id"],
        channel=doc["channel"],
        audience=doc["recipient"],
        cause_event_id=doc["cause_event_id"],
        cause_event_type=doc["cause_event_type"],
        sent_at=now,
        attempts=attempts,
        digest=bool(doc["digest"]),
    )


def failed(
    doc: Document,
    token: str,
    now: datetime,
    error: str,
    *,
    retryable: bool,
    max_attempts: int,
    retry_at: datetime,
) -> tuple[Document, NotificationFailed | None]:
    """A failed try: pending again at `retry_at`, or dead (the last attempt, or an error no
    retry mends) with NotificationFailed."""
    _holding(doc, token)
    # An error may quote the address it failed on: kept and emitted masked.
    error = mask_free_text(error[:MAX_ERROR_CHARS]) or "failed without a reason"
    attempts = doc["attempts"] + 1
    history = [*doc["history"], {"at": now, "ok": False, "error": error}]
    if retryable and attempts < max_attempts:
        return _unclaimed(
            doc, attempts=attempts, history=history, last_error=error, due_at=retry_at
        ), None
    new = _unclaimed(doc, status="dead", attempts=attempts, history=history, last_error=error)
    return new, NotificationFailed(
        notification_id=doc["_id"],
        channel=doc["channel"],
        audience=doc["recipient"],
        cause_event_id=doc["cause_event_id"],
        cause_event_type=doc["cause_event_type"],
        attempts=attempts,
        error=error,
        failed_at=now,
    )


def retried_by_admin(doc: Document, now: datetime, actor: str | None) -> Document:
    """Dead -> pending, attempts from 0, due now; the history keeps every try and says who
    sent it back."""
    if doc["status"] != "dead":
        raise Conflict(f"delivery {doc['_id']} is {doc['status']}: only a dead one is retried")
    note = {"at": now, "ok": False, "error": None, "note": f"retried by {actor or 'unknown'}"}
    return _unclaimed(
        doc, status="pending", attempts=0, due_at=now, history=[*doc["history"], note]
    )
