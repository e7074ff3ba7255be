from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RequestsSettings(ServiceSettings):
    service: ClassVar[str] = "requests"
    model_config = SettingsConfigDict(env_prefix="REQUESTS_", extra="ignore")

    http_port: int = 8103
