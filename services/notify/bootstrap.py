"""Builds the notify service once: its stores, its consumers, its queries, its dispatcher.

Each part installs itself: the projections of other services' events it reads audiences
from, the rules, members' preferences, the fan-out from events to notifications, the inbox,
and the deliveries with their dispatcher over the channels."""

from services.notify import (
    delivery_handlers,
    fanout,
    inbox_handlers,
    preference_handlers,
    projections,
    rule_handlers,
)
from services.notify.config import NotifySettings
from shared.contracts.events.notify import NoticePosted, NotificationFailed, NotificationSent
from shared.runtime.service import ServiceRuntime


def build(settings: NotifySettings | None = None) -> ServiceRuntime:
    settings = settings or NotifySettings()
    runtime = ServiceRuntime(settings)
    projections.install(runtime, settings)
    rule_handlers.install(runtime, settings)
    preference_handlers.install(runtime, settings)
    inbox_handlers.install(runtime, settings)
    delivery_handlers.install(runtime, settings)
    fanout.install(runtime, settings)
    runtime.document_events(NotificationSent, NotificationFailed, NoticePosted)
    return runtime
