"""Builds the notify service once: its stores, its consumers, its queries."""

from pymongo import ASCENDING

from services.notify.config import NotifySettings
from services.notify.handlers import NotifyHandlers
from shared.contracts.commands import notify as commands
from shared.contracts.events.notify import NotificationSent
from shared.contracts.events.requests import RequestCreated
from shared.runtime.service import ServiceRuntime


def build(settings: NotifySettings | None = None) -> ServiceRuntime:
    settings = settings or NotifySettings()
    runtime = ServiceRuntime(settings)
    notifications = runtime.aggregates("notifications")
    handlers = NotifyHandlers(notifications, settings.subdistrict)

    async def indexes() -> None:
        # Not compound with _id: nx-27017 then rejects every insert (docs/storage.md).
        for field in ("audience", "community_id"):
            await notifications.collection.create_index([(field, ASCENDING)])

    runtime.on_startup(indexes)
    runtime.consume("inbox", {RequestCreated: handlers.on_request_created})
    runtime.command(
        commands.LIST_NOTIFICATIONS, commands.ListNotifications, handlers.list_notifications
    )
    runtime.document_events(NotificationSent)
    return runtime
