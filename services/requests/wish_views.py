"""A micro-wish as it leaves the service. The resident is always masked (王**): the wall is
public to every signed-in user, and no command reveals a wish's resident. The phone is
shown masked on the detail only (the wall has none); free text is masked of phone and ID
numbers like a request's."""

from datetime import datetime
from typing import Any

from services.requests.domain.wishes import display_name
from shared.contracts.privacy import mask_phone, mask_text

Document = dict[str, Any]
HIDDEN = ("_id", "outbox", "has_outbox", "version", "resident", "entered_by")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def wish_view(doc: Document, *, on_wall: bool = False) -> Document:
    view = {k: v for k, v in doc.items() if k not in HIDDEN}
    view["id"] = doc["_id"]
    view["title"] = mask_text(doc["title"]) or doc["title"]
    view["description"] = mask_text(doc.get("description")) or ""
    view["resident"] = {"name": display_name(doc)}
    if on_wall:
        view.pop("timeline", None)
        view.pop("reject_reason", None)
    else:
        view["resident"]["phone"] = mask_phone(doc["resident"].get("phone"))
        view["entered_by"] = doc.get("entered_by")
        view["timeline"] = [
            {**entry, "note": mask_text(entry.get("note")) or ""}
            for entry in doc.get("timeline", [])
        ]
    return dict(_jsonable(view))
