"""(filled in by its issue's work)"""

from services.requests.config import RequestsSettings
from shared.runtime.service import ServiceRuntime


def install(runtime: ServiceRuntime, settings: RequestsSettings) -> None:
    """Register this part's commands, consumers, indexes, schedulers and events."""
