"""Builds the requests service once: its store, commands, queries and published events."""

from services.requests.config import RequestsSettings
from services.requests.handlers import RequestHandlers
from services.requests.queries import RequestQueries
from shared.contracts.commands import requests as commands
from shared.contracts.events.requests import RequestCreated
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
    runtime.document_events(RequestCreated)
    return runtime
