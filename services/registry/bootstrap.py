"""Builds the registry service. Its commands, events and consumers arrive with its own issue;
until then it runs, answers health and ping, and owns its database."""

from services.registry.config import RegistrySettings
from shared.runtime.service import ServiceRuntime


def build(settings: RegistrySettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or RegistrySettings())
