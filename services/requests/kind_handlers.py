"""The catalogue of request kinds (DEFINE_KIND; LIST_KINDS is in queries.py) and the
deadline scheduler (reminder, overdue, escalation)."""

from typing import Any

from services.requests.config import RequestsSettings
from services.requests.deadlines import Deadlines
from services.requests.domain import kinds
from services.requests.kind_catalogue import KindCatalogue
from shared.bus.rpc import CallContext
from shared.contracts.commands import requests as commands
from shared.contracts.rpc import Invalid
from shared.runtime.service import ServiceRuntime


class KindHandlers:
    def __init__(self, catalogue: KindCatalogue) -> None:
        self.catalogue = catalogue

    async def define_kind(self, cmd: commands.DefineKind, ctx: CallContext) -> dict[str, Any]:
        """Adds a kind or replaces it. Requests already made keep their extra fields, and
        accepted ones their deadline."""
        errors = kinds.definition_errors(cmd)
        if errors:
            text = "; ".join(".".join(str(p) for p in e.loc) + f": {e.msg}" for e in errors)
            raise Invalid(text, errors)
        kind = await self.catalogue.put(kinds.from_definition(cmd), by=ctx.actor)
        return kinds.view(kind)


def install(runtime: ServiceRuntime, settings: RequestsSettings) -> None:
    """Register this part's commands, consumers, indexes, schedulers and events."""
    catalogue = KindCatalogue(runtime.db["kinds"])
    handlers = KindHandlers(catalogue)
    deadlines = Deadlines(runtime.aggregates("requests"), settings)
    runtime.on_startup(catalogue.seed)
    runtime.on_startup(deadlines.create_indexes)
    runtime.command(commands.DEFINE_KIND, commands.DefineKind, handlers.define_kind)
    runtime.background(deadlines.run)
