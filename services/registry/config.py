from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service: ClassVar[str] = "registry"
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    http_port: int = 8101
