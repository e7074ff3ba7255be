"""Sample variables for an event type, built from its model: what a rule's templates are
tried with when an admin saves them, and shown as a preview. Pure.

Two samples per type: `full` (every optional field set, lists with one item, the last choice
of each Literal) and `bare` (optional fields null, lists empty, the first choice), so both
branches of a template's `{% if %}` are tried."""

import typing
from datetime import UTC, date, datetime
from types import NoneType, UnionType
from typing import Any, Literal

from pydantic import BaseModel

from services.notify.domain.rules import event_models

# A few plausible values by field name, so a preview reads like a real notice.
_NAMED: dict[str, Any] = {
    "title": "3栋楼道灯不亮",
    "place": "海德公元小区党群服务站",
    "reason": "配件未到，需要延期",
    "content": "小园丁护苗成长小课堂",
    "display_name": "王**",
    "name": "五老红志愿服务队",
    "organiser": "五老红志愿服务队",
    "notes": "已更换灯泡",
    "kind": "repair",
    "volunteer_no": "QT-2026-0001",
    "title_zh": "停水通知",
    "body_zh": "5月28日 9:00–17:00 3栋停水检修，请提前储水。",
    "title_en": "Water off",
    "body_en": "Building 3 has no water on May 28, 9:00–17:00; please store some.",
    "priority": "normal",
    "scope": "building:b3",
    "to_outside": "县住建局",
    "zh": "维修",
    "en": "Repair",
}

CONTEXT_SAMPLE: dict[str, Any] = {
    "recipient_name": "李**",
    "community_name": "泉韵社区",
    "subdistrict": "quantang",
    "event_time": "2026-05-27 09:00",
    "proxy_for": "王**",
    "link": "/console/requests/r1",
    "subject_title": "3栋楼道灯不亮",
    "activity_place": "海德公元小区党群服务站",
    "activity_starts_at": "2026-05-28T01:30:00Z",
    "team_name": "五老红志愿服务队",
}

_AT = datetime(2026, 5, 28, 1, 30, tzinfo=UTC)


def sample(event_name: str, *, full: bool) -> dict[str, Any]:
    """The variables a notice of `event_name` renders with: a valid event of that type as
    JSON, and the context variables (null in the bare sample). KeyError: unknown type."""
    model = event_models()[event_name]
    event = model.model_validate(_object(model, full))
    context = CONTEXT_SAMPLE if full else dict.fromkeys(CONTEXT_SAMPLE)
    return {**event.model_dump(mode="json"), **context}


def _object(model: type[BaseModel], full: bool) -> dict[str, Any]:
    return {name: _value(name, info.annotation, full) for name, info in model.model_fields.items()}


def _value(name: str, annotation: Any, full: bool) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (UnionType, typing.Union):
        if NoneType in args and not full:
            return None
        return _value(name, next(a for a in args if a is not NoneType), full)
    if origin is Literal:
        return args[-1] if full else args[0]
    if origin is list:
        return [_value(name.removesuffix("s"), args[0], full)] if full else []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _object(annotation, full)
    return _scalar(name, annotation, full)


def _scalar(name: str, annotation: Any, full: bool) -> Any:
    if annotation is datetime:
        return _AT.isoformat()
    if annotation is date:
        return _AT.date().isoformat()
    if annotation is bool:
        return full
    if annotation is int:
        return 2 if full else 1
    if annotation is float:
        return 2.5 if full else 1.0
    if name in _NAMED:
        return _NAMED[name]
    if name.endswith("_id") or name == "id":
        return f"{name.removesuffix('_id')}-1"
    return f"{name}-1"
