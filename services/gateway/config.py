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
    # The gateway refuses to start with DEV_SECRET (it is public) unless this is set:
    # `make up` and the tests set GATEWAY_ALLOW_DEV_SECRET=1; a deployment never should.
    allow_dev_secret: bool = False
    access_token_ttl_s: int = Field(default=900, ge=60)
    refresh_token_ttl_days: int = Field(default=30, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_s: int = Field(default=900, ge=1)
    # Idempotency-Key: how long a stored response is replayed (24 h), and how long an
    # unfinished first request holds its key before a retry may take it over (a gateway
    # that died mid-request leaves its claim behind).
    idempotency_ttl_s: int = Field(default=86_400, ge=60)
    idempotency_in_flight_s: float = Field(default=60.0, gt=0)
    # Rate limits (moving window, in memory, per gateway replica), in the `limits`
    # library's notation: "300/minute", "10/second", "1000 per hour".
    rate_limit_per_account: str = "300/minute"
    rate_limit_per_api_key: str = "600/minute"
    rate_limit_anonymous: str = "60/minute"  # per client IP
    # The largest request body taken, in bytes (1 MiB); a larger one is refused with 413.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # The live feed (GET /api/v1/events/stream): open streams per account or API key (per
    # gateway replica; one more is refused with 429), how many events of the subdistrict's
    # stream a resume may replay (a Last-Event-ID further back is answered 410 Gone), and
    # how often a stream opened with an API key checks that the key still exists.
    event_streams_per_principal: int = Field(default=5, ge=1)
    event_stream_max_replay: int = Field(default=10_000, ge=0)
    event_stream_key_check_s: float = Field(default=60.0, gt=0)
