from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ActivitiesSettings(ServiceSettings):
    service: ClassVar[str] = "activities"
    model_config = SettingsConfigDict(env_prefix="ACTIVITIES_", extra="ignore")

    http_port: int = 8102
    # The subdistrict's time zone: dates of activities, "the day before", months in stats.
    time_zone: str = "Asia/Shanghai"
    # How long before the start everyone confirmed is reminded (ActivityReminderDue).
    reminder_lead_h: float = Field(default=24.0, gt=0)
    # How often the scheduler looks for reminders due and series to extend.
    scheduler_interval_s: float = Field(default=30.0, gt=0)
    # How far ahead a series' occurrences exist (the scheduler keeps extending them).
    series_horizon_days: int = Field(default=56, ge=7, le=366)
