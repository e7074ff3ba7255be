"""Events of the activities service. Only `ActivityCompleted` so far: the registry credits
hours from it. The activities issue adds the rest of the lifecycle."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalogue import EventData, event


class ApprovedHours(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: str
    role: str | None = Field(default=None, description="the volunteer role they filled")
    hours: float = Field(
        ge=0, le=24, multiple_of=0.5, description="actual service, travel excluded, 0.5 h steps"
    )


@event("activities", "activity", "completed", version=1)
class ActivityCompleted(EventData):
    """The organiser completed an activity; each volunteer's approved hours are carried so
    the registry credits them to the service record."""

    activity_id: str
    title: str
    activity_type: str
    community_id: str
    organiser_team_ids: list[str] = Field(default=[])
    organiser: str = Field(description="the organising team's or unit's name, for the record")
    starts_at: datetime
    ends_at: datetime
    completed_at: datetime
    approved_by: str = Field(description="who approved the hours (an account id)")
    summary: str = ""
    participant_count: int = Field(default=0, ge=0)
    volunteers: list[ApprovedHours] = Field(default=[])
