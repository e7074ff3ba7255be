"""Builds the requests service once: its store, its commands, its published events."""

from services.requests.config import RequestsSettings
from services.requests.handlers import RequestHandlers
from shared.contracts.commands import requests as commands
from shared.contracts.events.requests import RequestCreated
from shared.runtime.service import ServiceRuntime


def build(settings: RequestsSettings | None = None) -> ServiceRuntime:
    settings = settings or RequestsSettings()
    runtime = ServiceRuntime(settings)
    handlers = RequestHandlers(runtime.aggregates("requests"), settings.subdistrict)
    runtime.command(commands.CREATE_REQUEST, commands.CreateRequest, handlers.create_request)
    runtime.command(commands.GET_REQUEST, commands.GetRequest, handlers.get_request)
    runtime.document_events(RequestCreated)
    return runtime
