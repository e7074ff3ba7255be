"""Intake: a request's extra fields checked against its kind's definition. Pure.

Every wrong field is named at once (`extra.<code>`), so a form shows them all. Values are
taken leniently where a channel can only send text (Open311 attributes, a form): "3" for a
number, "true"/"false" for a boolean; what is stored is the typed value.
"""

import math
from collections.abc import Mapping
from typing import Final

from services.requests.domain.kinds import Kind
from shared.contracts.commands.requests import ExtraField
from shared.contracts.rpc import FieldError, Invalid

Value = str | float | bool
MAX_TEXT: Final = 500
TRUE_TEXT: Final = frozenset({"true", "1", "yes"})
FALSE_TEXT: Final = frozenset({"false", "0", "no"})


class WrongValue(ValueError):
    def __init__(self, msg: str, kind: str) -> None:
        super().__init__(msg)
        self.kind = kind


def checked_extra(kind: Kind, extra: Mapping[str, Value]) -> dict[str, Value]:
    """The extra fields as stored; raises Invalid naming each unknown, missing or wrong one."""
    fields = {f.code: f for f in kind.extra_fields}
    errors: list[FieldError] = []
    for code in sorted(set(extra) - set(fields)):
        msg = f"unknown field for kind {kind.code}"
        errors.append(FieldError(loc=["extra", code], msg=msg, type="unknown_field"))
    stored: dict[str, Value] = {}
    for code, field in fields.items():
        if code not in extra or _blank(extra[code]):
            if field.required:
                msg = f"required for kind {kind.code}: {field.en} ({field.zh})"
                errors.append(FieldError(loc=["extra", code], msg=msg, type="missing"))
            continue
        try:
            stored[code] = typed(field, extra[code])
        except WrongValue as exc:
            errors.append(FieldError(loc=["extra", code], msg=str(exc), type=exc.kind))
    if errors:
        text = "; ".join(".".join(str(p) for p in e.loc) + f": {e.msg}" for e in errors)
        raise Invalid(text, errors)
    return stored


def _blank(value: Value) -> bool:
    return isinstance(value, str) and not value.strip()


def typed(field: ExtraField, value: Value) -> Value:
    """The value as its field's type; raises WrongValue."""
    if field.type == "number":
        return _number(value)
    if field.type == "boolean":
        return _boolean(value)
    if not isinstance(value, str):
        raise WrongValue(f"expected text, not {value!r}", "string_type")
    text = value.strip()
    if field.type == "choice":
        allowed = field.values or []
        if text not in allowed:
            raise WrongValue(f"{text!r} is not one of: {', '.join(allowed)}", "enum")
        return text
    if len(text) > MAX_TEXT:
        raise WrongValue(f"at most {MAX_TEXT} characters", "string_too_long")
    return text


def _number(value: Value) -> float:
    if isinstance(value, bool):
        raise WrongValue(f"expected a number, not {value!r}", "number_type")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise WrongValue(f"expected a number, not {value!r}", "number_type") from None
    else:
        number = float(value)
    if not math.isfinite(number):
        raise WrongValue("expected a finite number", "number_type")
    return number


def _boolean(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_TEXT | FALSE_TEXT:
        return value.strip().lower() in TRUE_TEXT
    raise WrongValue(f"expected true or false, not {value!r}", "bool_type")
