"""Builds the activities service: activities and their series, sign-ups with waitlists,
attendance and hours, reminders. Each part installs its own commands, consumers and
schedulers on the one runtime."""

from services.activities import activity_handlers, signup_handlers
from services.activities.config import ActivitiesSettings
from shared.contracts.catalogue import catalogue
from shared.runtime.service import ServiceRuntime


def build(settings: ActivitiesSettings | None = None) -> ServiceRuntime:
    settings = settings or ActivitiesSettings()
    runtime = ServiceRuntime(settings)
    activity_handlers.install(runtime, settings)
    signup_handlers.install(runtime, settings)
    runtime.document_events(*(s.model for s in catalogue().values() if s.service == "activities"))
    return runtime
