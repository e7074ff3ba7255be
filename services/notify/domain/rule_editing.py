"""Editing rules: what a saved rule must satisfy, how it is stored and shown. Pure.

A template is checked when it is saved, so no notice fails at 2 a.m. for a typo: every name
it uses must be a variable of its event type, it must parse, and it must render for sample
events of that type (one with every optional field set, one with none)."""

from datetime import datetime
from typing import Any

from services.notify.domain import samples, templates
from services.notify.domain.rules import (
    DEFAULT_RULES,
    NEVER_NOTIFIED,
    SILENT,
    Rule,
    Text,
    event_models,
)
from shared.contracts.catalogue import catalogue
from shared.contracts.commands.notify import PutRule, Template
from shared.contracts.rpc import FieldError

Document = dict[str, Any]
LANGUAGES = ("zh-CN", "en")


def event_type_error(event_type: str) -> FieldError | None:
    """Why no rule may be saved for `event_type`, if so."""
    if event_type not in event_models():
        known = ", ".join(sorted(n for n in event_models() if n not in NEVER_NOTIFIED))
        return FieldError(
            loc=["event_type"],
            msg=f"no event type {event_type}; one of: {known}",
            type="unknown_event_type",
        )
    if event_type in NEVER_NOTIFIED:
        return FieldError(
            loc=["event_type"],
            msg=f"{event_type} is notify's own record of a notice: a rule for it would "
            "notify about notifying, for ever",
            type="never_notified",
        )
    return None


def template_errors(cmd: PutRule, tz: str) -> list[FieldError]:
    """Each template part that uses an unknown variable, does not parse, or does not render
    for a sample event: one error per part, naming it (["templates", "zh-CN", "body"])."""
    allowed = set(templates.variables_for(cmd.event_type))
    errors: list[FieldError] = []
    for language, template in _by_language(cmd):
        for part in ("title", "body"):
            text: str = getattr(template, part)
            error = _part_error(cmd.event_type, text, allowed, tz)
            if error is not None:
                kind, msg = error
                errors.append(FieldError(loc=["templates", language, part], msg=msg, type=kind))
    return errors


def _by_language(cmd: PutRule) -> list[tuple[str, Template]]:
    return [("zh-CN", cmd.templates.zh_CN), ("en", cmd.templates.en)]


def _part_error(event_type: str, text: str, allowed: set[str], tz: str) -> tuple[str, str] | None:
    try:
        unknown = templates.check(text, allowed)
    except templates.TemplateError as exc:
        return "template_syntax", f"not a valid template: {exc}"
    if unknown:
        return (
            "unknown_variable",
            f"unknown variable(s): {', '.join(unknown)}; "
            f"{event_type} allows: {', '.join(sorted(allowed))}",
        )
    for full in (True, False):
        try:
            templates.render(text, samples.sample(event_type, full=full), tz)
        except templates.TemplateError as exc:
            which = "every optional field set" if full else "its optional fields empty"
            return (
                "template_render",
                f"does not render for a {event_type} with {which}: {exc}",
            )
    return None


def from_command(cmd: PutRule, by: str | None, now: datetime) -> Rule:
    zh, en = cmd.templates.zh_CN, cmd.templates.en
    return Rule(
        event_type=cmd.event_type,
        audiences=list(dict.fromkeys(cmd.audiences)),
        priority=cmd.priority,
        channels=list(dict.fromkeys(cmd.channels)),
        enabled=cmd.enabled,
        zh=Text(title=zh.title, body=zh.body),
        en=Text(title=en.title, body=en.body),
        customised=True,
        updated_by=by,
        updated_at=now,
    )


def to_doc(rule: Rule) -> Document:
    return {"_id": rule.event_type, **rule.model_dump(exclude={"event_type"})}


def from_doc(doc: Document) -> Rule:
    return Rule.model_validate({**doc, "event_type": doc["_id"]})


def same_rule(a: Rule, b: Rule) -> bool:
    """Equal in what a rule does (who edited it and when aside)."""
    meta = {"updated_by", "updated_at"}
    return a.model_dump(exclude=meta) == b.model_dump(exclude=meta)


# --- Views ----------------------------------------------------------------------------------


def _service(event_type: str) -> str | None:
    return next((s.service for s in catalogue().values() if s.name == event_type), None)


def view(rule: Rule) -> dict[str, Any]:
    """A rule as the API shows it: its templates keyed by language as PUT takes them."""
    return {
        "event_type": rule.event_type,
        "service": _service(rule.event_type),
        "audiences": rule.audiences,
        "priority": rule.priority,
        "channels": rule.channels,
        "enabled": rule.enabled,
        "templates": {
            "zh-CN": rule.zh.model_dump(),
            "en": rule.en.model_dump(),
        },
        "customised": rule.customised,
        "has_default": rule.event_type in DEFAULT_RULES,
        "silent": None,
        "updated_by": rule.updated_by,
        "updated_at": rule.updated_at.isoformat() if rule.updated_at else None,
    }


def silent_reason(event_type: str) -> str:
    return SILENT.get(event_type, "no default rule")


def silent_view(event_type: str) -> dict[str, Any]:
    """An event type without a rule, in the shape of a rule's view: nobody is told."""
    return {
        "event_type": event_type,
        "service": _service(event_type),
        "audiences": [],
        "priority": "normal",
        "channels": [],
        "enabled": False,
        "templates": None,
        "customised": False,
        "has_default": False,
        "silent": silent_reason(event_type),
        "updated_by": None,
        "updated_at": None,
    }


def preview(rule: Rule, tz: str) -> dict[str, Any] | None:
    """The rule's texts for a sample event (None if they do not render)."""
    variables = samples.sample(rule.event_type, full=True)
    try:
        return {
            language: {
                "title": templates.render(text.title, variables, tz),
                "body": templates.render(text.body, variables, tz),
            }
            for language, text in (("zh-CN", rule.zh), ("en", rule.en))
        }
    except templates.TemplateError:
        return None
