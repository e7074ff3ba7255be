"""(filled in by its issue's work)"""

from services.activities.config import ActivitiesSettings
from shared.runtime.service import ServiceRuntime


def install(runtime: ServiceRuntime, settings: ActivitiesSettings) -> None:
    """Register this part's commands, consumers, indexes, schedulers and events."""
