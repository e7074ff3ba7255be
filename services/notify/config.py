from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service: ClassVar[str] = "notify"
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    http_port: int = 8104
