"""Builds the requests service: residents' requests from intake to follow-up (with the kinds'
catalogue, working-day deadlines and escalation), micro-wishes, and dispatch suggestions.
Each part installs its own commands, consumers and schedulers on the one runtime."""

from services.requests import kind_handlers, lifecycle_handlers, suggestion_handlers, wish_handlers
from services.requests.config import RequestsSettings
from services.requests.handlers import RequestHandlers
from services.requests.queries import RequestQueries
from shared.contracts.catalogue import catalogue
from shared.contracts.commands import requests as commands
from shared.runtime.service import ServiceRuntime


def build(settings: RequestsSettings | None = None) -> ServiceRuntime:
    settings = settings or RequestsSettings()
    runtime = ServiceRuntime(settings)
    requests = runtime.aggregates("requests")
    handlers = RequestHandlers(requests, settings.subdistrict, runtime.db["client_refs"])
    queries = RequestQueries(requests)
    runtime.on_startup(handlers.create_indexes)
    runtime.on_startup(queries.create_indexes)
    runtime.command(commands.CREATE_REQUEST, commands.CreateRequest, handlers.create_request)
    runtime.command(commands.GET_REQUEST, commands.GetRequest, handlers.get_request)
    runtime.command(commands.LIST_KINDS, commands.ListKinds, queries.list_kinds)
    runtime.command(commands.LIST_REQUESTS, commands.ListRequests, queries.list_requests)
    kind_handlers.install(runtime, settings)
    lifecycle_handlers.install(runtime, settings)
    wish_handlers.install(runtime, settings)
    suggestion_handlers.install(runtime, settings)
    runtime.document_events(*(s.model for s in catalogue().values() if s.service == "requests"))
    return runtime
