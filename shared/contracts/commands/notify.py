"""Commands and queries served by the notify service."""

from pydantic import Field

from shared.contracts.commands.common import PageQuery

SERVICE = "notify"
LIST_NOTIFICATIONS = "list_notifications"


class ListNotifications(PageQuery):
    audience: str | None = Field(
        default=None, max_length=128, description="e.g. role:community_admin@community:c1"
    )
    community_id: str | None = Field(default=None, max_length=64)
