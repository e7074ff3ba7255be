"""Value types that several services' events share."""

from pydantic import BaseModel, ConfigDict, Field


class LocalizedText(BaseModel):
    """User-facing text: Chinese first, English alongside."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Location(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    community_id: str = Field(min_length=1, max_length=64)
    compound_id: str | None = Field(default=None, max_length=64)
    building_id: str | None = Field(default=None, max_length=64)
