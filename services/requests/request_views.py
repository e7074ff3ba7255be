"""What leaves the service of a request, lifecycle included: the timeline, notes, deadline,
handler, extension, follow-ups, and how it ended (`closed_as`, `close_reason`: a "not
responsible" reason is shown to the resident).

Personal data is masked except the resident fields named in `reveal` (the gateway decides
who may ask, and audits it). Phone and ID numbers in free text (title, description, notes,
reasons, comments) are masked always. Mediation notes (`mediation: true`) are left out
unless `include_mediation` (the gateway sets it for the handler and community admins)."""

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any, Final

from services.requests.domain.privacy import mask_text, resident_view

Document = dict[str, Any]

# Storage fences, the outbox, and what exists for queries only.
HIDDEN: Final = ("_id", "outbox", "has_outbox", "version", "resident", "assigned_member_ids")
FREE_TEXT: Final = ("title", "description", "close_reason", "return_reason")
# Lists of sub-documents, each with the free-text field masked in its items.
TEXT_LISTS: Final = {
    "timeline": "note",
    "follow_ups": "comment",
    "extensions": "reason",
    "resolutions": "notes",
}
TEXT_DOCS: Final = {"extension": "reason", "resolution": "notes"}


def request_view(
    doc: Document, reveal: Collection[str] = (), *, include_mediation: bool = False
) -> dict[str, Any]:
    view = {k: v for k, v in doc.items() if k not in HIDDEN}
    view["id"] = doc["_id"]
    view["resident"] = resident_view(doc.get("resident"), reveal)
    member_id = (doc.get("resident") or {}).get("member_id")
    if member_id:  # an id, not personal data: who the resident is in the registry
        view["resident"]["member_id"] = member_id
    for field in FREE_TEXT:
        if isinstance(view.get(field), str):
            view[field] = mask_text(view[field])
    for field, text in TEXT_LISTS.items():
        if isinstance(view.get(field), list):
            view[field] = [_masked(item, text) for item in view[field]]
    for field, text in TEXT_DOCS.items():
        if isinstance(view.get(field), Mapping):
            view[field] = _masked(view[field], text)
    notes = doc.get("notes") or []
    view["notes"] = [
        _masked(note, "text") for note in notes if include_mediation or not note.get("mediation")
    ]
    result: dict[str, Any] = jsonable(view)
    return result


def _masked(item: Any, field: str) -> Any:
    if isinstance(item, Mapping) and isinstance(item.get(field), str):
        return {**item, field: mask_text(item[field])}
    return item


def jsonable(value: Any) -> Any:
    """Datetimes as ISO text (the store gives them back tz-aware); the rest as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
