"""Builds the registry service: the organisation and teams, members, and service records.

Each part installs its own commands, consumers and indexes on the one runtime; they share
the service's database (never another service's)."""

from services.registry import member_handlers, org_handlers, record_handlers
from services.registry.config import RegistrySettings
from shared.contracts.catalogue import catalogue
from shared.runtime.service import ServiceRuntime


def build(settings: RegistrySettings | None = None) -> ServiceRuntime:
    settings = settings or RegistrySettings()
    runtime = ServiceRuntime(settings)
    org_handlers.install(runtime, settings)
    member_handlers.install(runtime, settings)
    record_handlers.install(runtime, settings)
    runtime.document_events(*(s.model for s in catalogue().values() if s.service == "registry"))
    return runtime
