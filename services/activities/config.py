from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ActivitiesSettings(ServiceSettings):
    service: ClassVar[str] = "activities"
    model_config = SettingsConfigDict(env_prefix="ACTIVITIES_", extra="ignore")

    http_port: int = 8102
