from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service: ClassVar[str] = "gateway"
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_port: int = 8000
    # Seconds a client is told to wait when a service does not answer.
    retry_after_s: int = 5
