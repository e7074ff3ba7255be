"""Builds the activities service. Its commands, events and consumers arrive with its own issue;
until then it runs, answers health and ping, and owns its database."""

from services.activities.config import ActivitiesSettings
from shared.runtime.service import ServiceRuntime


def build(settings: ActivitiesSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or ActivitiesSettings())
