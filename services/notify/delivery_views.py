"""Deliveries as the delivery log shows them: the address masked (a mobile 138****1234, an
e-mail li***@example.com; robot and webhook ids as they are), phone and ID numbers in the
texts masked, and never the payload (an integrator's body may hold what the log must not)."""

from typing import Any

from services.notify.domain.masking import mask_address, mask_free_text
from shared.store.aggregates import Document


def _attempt_view(attempt: dict[str, Any]) -> dict[str, Any]:
    view = {"at": attempt["at"], "ok": attempt["ok"], "error": mask_free_text(attempt.get("error"))}
    if attempt.get("note"):
        view["note"] = attempt["note"]
    return view


def delivery_view(doc: Document) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "cause_event_id": doc["cause_event_id"],
        "cause_event_type": doc["cause_event_type"],
        "recipient": doc["recipient"],
        "community_id": doc.get("community_id"),
        "channel": doc["channel"],
        "address": mask_address(doc["channel"], doc["address"]),
        "language": doc["language"],
        "priority": doc["priority"],
        "title": mask_free_text(doc["title"]),
        "body": mask_free_text(doc["body"]),
        "status": doc["status"],
        "due_at": doc["due_at"],
        "digest": bool(doc["digest"]),
        "attempts": doc["attempts"],
        "history": [_attempt_view(a) for a in doc["history"]],
        "last_error": mask_free_text(doc.get("last_error")),
        "created_at": doc["created_at"],
        "sent_at": doc.get("sent_at"),
        "claimed_until": doc.get("claimed_until"),
        "revision": doc.get("revision", 1),
    }
