"""Settings of the notify service. Channel secrets come from the environment (robot keys,
the SMTP password, the SMS provider's key, webhook secrets): never from the database."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RobotConfig(BaseModel):
    """A WeChat Work group robot (企业微信群机器人): a building's resident group, a team's
    group, a community's staff group. `scopes` say which notices it posts: `building:<id>`,
    `compound:<id>`, `community:<id>` (residents there), `team:<id>` (that team),
    `staff:<community id>` (what the community's admins are told)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    key: SecretStr = Field(description="the webhook key from the group's robot settings")
    scopes: list[str] = Field(min_length=1)
    markdown: bool = Field(default=True, description="markdown messages, else plain text")


class WebhookConfig(BaseModel):
    """An integrator's endpoint: every notification of the listed event types (all when
    empty) is POSTed there, signed with HMAC-SHA256 (docs/notify.md shows verification)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    url: str = Field(pattern=r"^https?://")
    secret: SecretStr
    event_types: list[str] = []


class NotifySettings(ServiceSettings):
    service: ClassVar[str] = "notify"
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    http_port: int = 8104
    # Quiet hours and the digest are reckoned in the subdistrict's time zone.
    time_zone: str = "Asia/Shanghai"
    # Quiet hours for members who never chose (non-urgent messages wait until the end).
    quiet_start: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # When the daily digest of low-priority messages goes out (local time).
    digest_at: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # Delivery: how often the dispatcher looks for due deliveries, how many it sends per pass.
    dispatch_interval_s: float = Field(default=2.0, gt=0)
    dispatch_batch: int = Field(default=50, ge=1, le=1000)
    # A claimed delivery whose sender died comes back after this long.
    claim_timeout_s: float = Field(default=120.0, gt=0)
    # Failed sends: exponential backoff with full jitter, then dead after max_attempts.
    max_attempts: int = Field(default=6, ge=1, le=50)
    backoff_base_s: float = Field(default=30.0, gt=0)
    backoff_max_s: float = Field(default=3600.0, gt=0)
    # Per-channel send timeout.
    send_timeout_s: float = Field(default=10.0, gt=0)

    # WeChat Work group robots. Their documented limit: 20 messages a minute per robot.
    wecom_url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    wecom_robots: list[RobotConfig] = Field(default_factory=list)
    wecom_per_minute: int = Field(default=20, ge=1)

    # E-mail over SMTP (STARTTLS when the server offers it, unless smtp_starttls is false).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "RedVest 红马甲 <noreply@redvest.local>"
    smtp_starttls: bool | None = Field(default=None, description="None: when offered")
    # A PEM bundle of the CA(s) to trust for the relay's certificate (a private CA); the
    # system's trust store when unset. Certificates are always verified.
    smtp_ca_file: str | None = None
    email_per_minute: int = Field(default=120, ge=1)

    # SMS through an HTTP provider (the shape of the common Chinese SMS APIs).
    sms_url: str | None = None
    sms_access_key_id: str | None = None
    sms_access_key_secret: SecretStr | None = None
    sms_sign_name: str = "红马甲"
    sms_template_code: str = "SMS_REDVEST_NOTICE"
    sms_per_minute: int = Field(default=60, ge=1)

    # Signed webhooks for integrators.
    webhooks: list[WebhookConfig] = Field(default_factory=list)
    webhook_per_minute: int = Field(default=600, ge=1)

    # docker-compose passes an unset variable as "" (`${NOTIFY_SMTP_HOST:-}`): that is
    # "not configured", not a host named "".
    @field_validator(
        "smtp_host",
        "smtp_user",
        "smtp_password",
        "smtp_starttls",
        "smtp_ca_file",
        "sms_url",
        "sms_access_key_id",
        "sms_access_key_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value
