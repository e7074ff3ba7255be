"""The CloudEvents 1.0 envelope (JSON structured mode) every event travels in.

Extensions (lowercase alphanumerics, as CloudEvents requires): `subdistrict`,
`correlationid`, `causationid`, `traceparent` (W3C Trace Context).
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json"


class CloudEvent(BaseModel):
    # Unknown attributes are kept, not rejected: producers may add extensions later.
    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    # No defaults for id and time: an incoming event without them is malformed, never
    # silently given a fresh id (that would defeat idempotent consumers).
    id: str = Field(min_length=1)
    source: str = Field(min_length=1, description="/redvest/<subdistrict>/<service>")
    type: str = Field(min_length=1, description="cn.redvest.<service>.<aggregate>.<action>.v<n>")
    time: datetime
    subject: str | None = Field(default=None, description="id of the aggregate it is about")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    data: dict[str, Any]
    subdistrict: str
    correlationid: str
    causationid: str | None = None
    traceparent: str | None = None

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()
