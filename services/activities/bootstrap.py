"""Builds the activities service. Its commands and most events arrive with its own issue;
until then it runs, answers health and ping, owns its database, and declares the contract
of `ActivityCompleted` (the registry credits hours from it)."""

from services.activities.config import ActivitiesSettings
from shared.contracts.events.activities import ActivityCompleted
from shared.runtime.service import ServiceRuntime


def build(settings: ActivitiesSettings | None = None) -> ServiceRuntime:
    runtime = ServiceRuntime(settings or ActivitiesSettings())
    runtime.document_events(ActivityCompleted)
    return runtime
