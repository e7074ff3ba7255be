import itertools
from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

# A public key for `make up` and the tests only (base64 of 32 bytes); the service refuses it
# unless REGISTRY_ALLOW_DEV_SECRET=1. A deployment sets REGISTRY_ID_KEY to its own.
DEV_ID_KEY = "cmVkdmVzdC1kZXZlbG9wbWVudC1vbmx5LWlkLWtleSE="


class RegistrySettings(ServiceSettings):
    service: ClassVar[str] = "registry"
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    http_port: int = 8101

    # ID numbers: AES-256-GCM at rest and an HMAC-SHA256 for duplicate detection, both with
    # keys derived from this one (base64 of 32 random bytes: `openssl rand -base64 32`).
    id_key: str = DEV_ID_KEY
    allow_dev_secret: bool = False

    # Volunteer numbers: <prefix><6 digits>, e.g. QT000031. Never the ID number.
    volunteer_no_prefix: str = Field(default="QT", pattern=r"^[A-Z]{1,8}$")

    # Star levels by cumulative hours (1★ … 5★); local schemes differ.
    star_thresholds_h: list[float] = Field(default=[100, 300, 600, 1000, 1500])
    # Levels reached only when an admin approves (the honour of 5★ is often reviewed).
    star_levels_needing_approval: list[int] = Field(default=[5])
    # Time-bank points deposited per hour served (whole points; half hours round down).
    points_per_hour: int = Field(default=10, ge=0)

    # Printed on a volunteer service proof (志愿服务证明).
    proof_issuer: str = "泉塘街道新时代文明实践所"
    proof_person_in_charge: str = "街道志愿服务负责人"
    proof_contact: str = "0731-00000000"
    # The subdistrict's time zone: "today" for a default date, months in stats.
    time_zone: str = "Asia/Shanghai"

    @field_validator("star_thresholds_h")
    @classmethod
    def _five_rising(cls, value: list[float]) -> list[float]:
        if len(value) != 5 or any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError("five rising thresholds, one per star level")
        return value

    @field_validator("star_levels_needing_approval")
    @classmethod
    def _levels(cls, value: list[int]) -> list[int]:
        if any(not 1 <= level <= 5 for level in value):
            raise ValueError("star levels are 1 to 5")
        return value
