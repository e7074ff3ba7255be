"""Settings every service has. Each service subclasses with its own env prefix; the
prefixed variable (REQUESTS_NATS_URL) wins over the plain one (NATS_URL)."""

from typing import Any, ClassVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shared.contracts.subjects import check_subdistrict

_COMMON = ("subdistrict", "nats_url", "mongo_url", "log_level")


class ServiceSettings(BaseSettings):
    service: ClassVar[str]
    model_config = SettingsConfigDict(extra="ignore")

    subdistrict: str = "quantang"
    nats_url: str = "nats://127.0.0.1:4222"
    mongo_url: str = "mongodb://127.0.0.1:27017"
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 8100

    # Consumers: deliveries before a message is dead-lettered, and the waits between them.
    max_deliver: int = Field(default=5, ge=1, le=50)
    retry_backoff_s: list[float] = Field(default=[1.0, 5.0, 30.0, 120.0], min_length=1)
    # How long consumers remember processed event ids (far beyond any redelivery).
    processed_retention_days: int = Field(default=90, ge=1)
    # Unacknowledged deliveries (a killed process) come back after this long.
    ack_wait_s: float = Field(default=30.0, gt=0)
    # >1 fetches several at once but FastStream then handles them concurrently: order is lost.
    consumer_batch_size: int = Field(default=1, ge=1, le=256)
    # Outbox relay: how often the sweep looks for events a crash left behind.
    outbox_sweep_interval_s: float = Field(default=10.0, gt=0)
    # Graceful shutdown: how long in-flight handlers may take after SIGTERM.
    graceful_timeout_s: float = Field(default=20.0, gt=0)
    rpc_timeout_s: float = Field(default=5.0, gt=0)
    # Commands a replica serves at once.
    rpc_concurrency: int = Field(default=16, ge=1, le=1000)

    _check = field_validator("subdistrict")(lambda cls, v: check_subdistrict(v))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Prefixed variables first, then the plain shared ones (NATS_URL, MONGO_URL, ...).
        return (init_settings, env_settings, _PlainCommonEnv(settings_cls), file_secret_settings)


class _PlainCommonEnv(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        import os

        return {name: os.environ[name.upper()] for name in _COMMON if name.upper() in os.environ}
