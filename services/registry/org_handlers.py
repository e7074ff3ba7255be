"""(filled in by its issue's work)"""

from services.registry.config import RegistrySettings
from shared.runtime.service import ServiceRuntime


def install(runtime: ServiceRuntime, settings: RegistrySettings) -> None:
    """Register this part's commands, consumers, indexes and published events."""
