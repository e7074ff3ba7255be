"""The `rules` collection (one document per event type: {_id: event name, audiences,
priority, channels, enabled, zh, en, customised, updated_by, updated_at}) and its commands:
LIST_RULES, GET_RULE, PUT_RULE, RESET_RULE.

The fan-out reads a rule here for every event: `await RuleBook(runtime.db).get(name)`. It
reads the collection each time, so an edit on one replica applies on all at once."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.notify import clock
from services.notify.config import NotifySettings
from services.notify.domain import rule_editing, templates
from services.notify.domain.rule_editing import Document, from_doc, to_doc
from services.notify.domain.rules import DEFAULT_RULES, Rule, event_models
from shared.bus.rpc import CallContext
from shared.contracts.commands import notify as commands
from shared.contracts.rpc import FieldError, Invalid, NotFound
from shared.runtime.service import ServiceRuntime


class RuleBook:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db["rules"]

    async def seed(self) -> None:
        """Adds each default rule that is not there; a default nobody edited follows the
        code's (a release's better text reaches them). An admin's edit is never touched, and
        two replicas starting together add each rule once."""
        stored = {doc["_id"]: doc async for doc in self.collection.find({})}
        for name, rule in DEFAULT_RULES.items():
            doc = stored.get(name)
            if doc is None:
                try:
                    await self.collection.insert_one(to_doc(rule))
                except DuplicateKeyError:
                    continue  # another replica seeded it just now
            elif not doc.get("customised") and not rule_editing.same_rule(from_doc(doc), rule):
                # Guarded: an admin's edit saved meanwhile is customised and not matched.
                await self.collection.replace_one({"_id": name, "customised": False}, to_doc(rule))

    async def get(self, event_name: str) -> Rule | None:
        doc = await self.collection.find_one({"_id": event_name})
        return from_doc(doc) if doc is not None else None

    async def all(self) -> list[Rule]:
        return [from_doc(doc) async for doc in self.collection.find({}).sort("_id", 1)]

    async def put(self, rule: Rule) -> None:
        doc = to_doc(rule)
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            await self.collection.replace_one({"_id": rule.event_type}, doc)

    async def remove(self, event_name: str) -> None:
        await self.collection.delete_one({"_id": event_name})


class RuleHandlers:
    def __init__(self, book: RuleBook, settings: NotifySettings) -> None:
        self.book = book
        self.tz = settings.time_zone

    async def list_rules(self, _: commands.ListRules, __: CallContext) -> dict[str, Any]:
        """Every rule, and the event types that tell nobody (with the reason)."""
        rules = await self.book.all()
        ruled = {rule.event_type for rule in rules}
        silent = [
            {"event_type": name, "reason": rule_editing.silent_reason(name)}
            for name in sorted(event_models())
            if name not in ruled
        ]
        return {"items": [rule_editing.view(rule) for rule in rules], "silent": silent}

    async def get_rule(self, cmd: commands.GetRule, _: CallContext) -> dict[str, Any]:
        """The rule (or the silent type's reason), the variables its templates may use, and
        its texts for a sample event."""
        self._known(cmd.event_type)
        rule = await self.book.get(cmd.event_type)
        shown = (
            {**rule_editing.view(rule), "preview": rule_editing.preview(rule, self.tz)}
            if rule is not None
            else {**rule_editing.silent_view(cmd.event_type), "preview": None}
        )
        return {**shown, "variables": templates.variables_for(cmd.event_type)}

    async def put_rule(self, cmd: commands.PutRule, ctx: CallContext) -> dict[str, Any]:
        """Saves an admin's rule (a silent type may get one); refused, naming each template
        part at fault, when a template cannot work."""
        wrong_type = rule_editing.event_type_error(cmd.event_type)
        errors = [wrong_type] if wrong_type else rule_editing.template_errors(cmd, self.tz)
        if errors:
            raise Invalid(_message(errors), errors)
        rule = rule_editing.from_command(cmd, by=ctx.actor, now=clock.now())
        await self.book.put(rule)
        return rule_editing.view(rule)

    async def reset_rule(self, cmd: commands.ResetRule, ctx: CallContext) -> dict[str, Any]:
        """Back to the default; a type without one becomes silent again."""
        self._known(cmd.event_type)
        default = DEFAULT_RULES.get(cmd.event_type)
        if default is None:
            await self.book.remove(cmd.event_type)
            return rule_editing.silent_view(cmd.event_type)
        rule = default.model_copy(update={"updated_by": ctx.actor, "updated_at": clock.now()})
        await self.book.put(rule)
        return rule_editing.view(rule)

    @staticmethod
    def _known(event_type: str) -> None:
        if event_type not in event_models():
            raise NotFound(f"no event type {event_type}")


def _message(errors: list[FieldError]) -> str:
    return "; ".join(".".join(str(p) for p in e.loc) + f": {e.msg}" for e in errors)


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    """The rules' collection, seeded with the defaults at start-up, and their commands."""
    book = RuleBook(runtime.db)
    handlers = RuleHandlers(book, settings)
    runtime.on_startup(book.seed)
    runtime.command(commands.LIST_RULES, commands.ListRules, handlers.list_rules)
    runtime.command(commands.GET_RULE, commands.GetRule, handlers.get_rule)
    runtime.command(commands.PUT_RULE, commands.PutRule, handlers.put_rule)
    runtime.command(commands.RESET_RULE, commands.ResetRule, handlers.reset_rule)
