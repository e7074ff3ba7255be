from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DEV_SECRET = "redvest-development-only-secret-change-me!"


class GatewaySettings(ServiceSettings):
    service: ClassVar[str] = "gateway"
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_port: int = 8000
    # Seconds a client is told to wait when a service does not answer.
    retry_after_s: int = 5
    # Signs access tokens. The default is for `make up` only; compose requires a real one.
    jwt_secret: str = Field(default=DEV_SECRET, min_length=32)
    access_token_ttl_s: int = Field(default=900, ge=60)
    refresh_token_ttl_days: int = Field(default=30, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_s: int = Field(default=900, ge=1)
