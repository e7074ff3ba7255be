"""Templates: Jinja2 in a sandbox, undefined variables refused. Pure.

A rule's template may use the cause event's top-level fields (`title`, `activity`, …; nested
ones by dot: `activity.place`) and the CONTEXT_VARIABLES the fan-out adds. Filters besides
Jinja's own: `local` (a time in the subdistrict's zone, "YYYY-MM-DD HH:MM"), `date` ("5月27日",
or "May 27" with `date('en')`), `time` ("09:30") and `num` (2.0 -> "2", 2.5 -> "2.5").

Templates are written by subdistrict admins, so they run in Jinja's immutable sandbox: no
private attributes, no changing the variables, bounded ranges and repetitions."""

import functools
import operator
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import NoneType, UnionType
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2 import StrictUndefined, meta, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel

from services.notify.domain.rules import event_models

# Added by the fan-out to every event's variables. One it leaves out renders as empty text
# (see `render`), so a template may always name them.
CONTEXT_VARIABLES: dict[str, str] = {
    "recipient_name": "the recipient's masked name (李**), or the desk's name",
    "community_name": "the name of the event's community, when known",
    "subdistrict": "the subdistrict's id",
    "event_time": "when the event happened, local time (YYYY-MM-DD HH:MM)",
    "proxy_for": "the resident's masked name, when the recipient is told on their behalf",
    "link": "the path of the thing in the console, e.g. /console/requests/r1",
    "subject_title": (
        "the title of the request, micro-wish or activity the event is about, from notify's "
        "own records (empty when unknown): for events that carry only its id"
    ),
    "activity_place": "the place of the activity the event is about, when known",
    "activity_starts_at": "when the activity the event is about starts (use | local)",
    "team_name": "the name of the team the event names, when known",
}

# The render's time zone travels in the context under a name no template can write.
_TZ = "__redvest_tz__"
# The sandbox bounds `range`; these bound `'x' * n` and `n ** m` the same way.
_MAX_REPEAT = 10_000
_MAX_EXPONENT = 64


class TemplateError(Exception):
    """A template that cannot be parsed or rendered; the message says why, for an admin."""


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Context, op: str, left: Any, right: Any) -> Any:
        if op == "*" and _repeats(left, right) > _MAX_REPEAT:
            raise SecurityError(f"repetition longer than {_MAX_REPEAT} is not allowed")
        if op == "**" and isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"exponents above {_MAX_EXPONENT} are not allowed")
        return {"*": operator.mul, "**": operator.pow}[op](left, right)


def _repeats(left: Any, right: Any) -> int:
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(count, int):
            return len(sequence) * count
    return 0


@functools.cache
def _environment() -> _Sandbox:
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,  # plain text and markdown, never HTML
        keep_trailing_newline=False,
        # An absent optional field (None) reads as nothing, not as "None".
        finalize=lambda value: "" if value is None else value,
    )
    env.filters["local"] = _local
    env.filters["date"] = _date
    env.filters["time"] = _time
    env.filters["num"] = _num
    return env


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> jinja2.Template:
    return _environment().from_string(text)


def render(text: str, variables: Mapping[str, Any], tz: str) -> str:
    """`text` with `variables` (the event's fields as JSON, and CONTEXT_VARIABLES) in time
    zone `tz`. Raises TemplateError on any fault, a sandbox refusal included."""
    try:
        template = _compiled(text)
        context = {**dict.fromkeys(CONTEXT_VARIABLES), **variables, _TZ: ZoneInfo(tz)}
        return template.render(context).strip()
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(_syntax_message(exc)) from exc
    except SecurityError as exc:
        raise TemplateError(f"not allowed in a template: {exc}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"undefined: {exc}") from exc
    except Exception as exc:  # any other fault of a user's template (1/0, 'a' + 1, …)
        raise TemplateError(f"cannot render: {type(exc).__name__}: {exc}") from exc


def check(text: str, allowed: set[str]) -> list[str]:
    """The top-level names `text` uses that are not in `allowed`, sorted. Raises
    TemplateError when it does not parse (or names a filter that does not exist)."""
    try:
        _compiled(text)
        used = meta.find_undeclared_variables(_environment().parse(text))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(_syntax_message(exc)) from exc
    return sorted(used - allowed)


def variables_for(event_name: str) -> dict[str, str]:
    """What a rule for `event_name` may use: the event's top-level fields (name ->
    description, with the fields of a nested object) and CONTEXT_VARIABLES. KeyError for an
    unknown event type."""
    model = event_models()[event_name]
    fields = {name: _describe(name, info) for name, info in model.model_fields.items()}
    return {**fields, **CONTEXT_VARIABLES}


def _describe(name: str, info: Any) -> str:
    text = info.description or _type_name(info.annotation)
    nested = _model_in(info.annotation)
    if nested is not None:
        text += "; " + ", ".join(f"{name}.{sub}" for sub in nested.model_fields)
    return text


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("datetime.", "")


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside `Model`, `Model | None` or `list[Model]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (UnionType, typing.Union, list):
        for arg in typing.get_args(annotation):
            if arg is not NoneType and (found := _model_in(arg)) is not None:
                return found
    return None


def _syntax_message(exc: jinja2.TemplateSyntaxError) -> str:
    return f"line {exc.lineno}: {exc.message}"


# --- Filters --------------------------------------------------------------------------------


def _moment(value: Any, tz: ZoneInfo) -> datetime | date | None:
    """A datetime (or its ISO text) in `tz`; a date (or "YYYY-MM-DD") as it is."""
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            return None
        if len(value) == 10:  # "2026-05-27": a date, no time of day to move
            return at.date()
    else:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)


@pass_context
def _local(context: Context, value: Any) -> Any:
    """A moment in the render's time zone, "YYYY-MM-DD HH:MM"; a date unchanged."""
    moment = _moment(value, context[_TZ])
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(moment, date):
        return moment.isoformat()
    return "" if value is None else value


@pass_context
def _date(context: Context, value: Any, language: str = "zh-CN") -> Any:
    """ "5月27日" (zh-CN) or "May 27" (en), in the render's time zone."""
    moment = _moment(value, context[_TZ])
    if moment is None:
        return "" if value is None else value
    if language.startswith("zh"):
        return f"{moment.month}月{moment.day}日"
    return f"{moment.strftime('%b')} {moment.day}"


@pass_context
def _time(context: Context, value: Any) -> Any:
    """ "09:30" in the render's time zone."""
    moment = _moment(value, context[_TZ])
    if isinstance(moment, datetime):
        return moment.strftime("%H:%M")
    return "" if value is None else value


def _num(value: Any) -> Any:
    """Hours and points without a needless ".0"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else value
