from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RequestsSettings(ServiceSettings):
    service: ClassVar[str] = "requests"
    model_config = SettingsConfigDict(env_prefix="REQUESTS_", extra="ignore")

    http_port: int = 8103
    # The subdistrict's time zone: working days, "the same day", months in metrics.
    time_zone: str = "Asia/Shanghai"
    # 催办: the handler is reminded this long before the deadline.
    reminder_before_h: float = Field(default=24.0, gt=0)
    # 督办: an overdue request is escalated to the community admins after this grace.
    escalation_grace_h: float = Field(default=24.0, ge=0)
    # How often the deadline scheduler looks for reminders, overdue and escalations due.
    scheduler_interval_s: float = Field(default=60.0, gt=0)
    # A resolved request may be followed up from the next day (回访).
    follow_up_from_next_day: bool = True
    # Points a member claimant earns per confirmed micro-wish (besides its hours).
    wish_points: int = Field(default=10, ge=0)
