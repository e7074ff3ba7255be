"""Value types that several services' events share."""

from pydantic import BaseModel, ConfigDict, Field


class Location(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    community_id: str = Field(min_length=1, max_length=64)
    compound_id: str | None = Field(default=None, max_length=64)
    building_id: str | None = Field(default=None, max_length=64)
