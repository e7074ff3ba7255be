"""HTTP bodies of the account routes (the gateway's own; not bus contracts)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.gateway.accounts.model import Role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LoginBody(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class RefreshBody(Strict):
    refresh_token: str = Field(min_length=1, max_length=256)


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str


class UserCreate(Strict):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    password: str = Field(min_length=10, max_length=256)
    display_name: str = Field(min_length=1, max_length=50)
    roles: list[Role] = Field(min_length=1, max_length=5)
    communities: list[str] = Field(default_factory=list, max_length=50)
    teams: list[str] = Field(default_factory=list, max_length=50)
    member_id: str | None = Field(default=None, max_length=64)
    partner_id: str | None = Field(default=None, max_length=64)


class RolesUpdate(Strict):
    roles: list[Role] = Field(min_length=1, max_length=5)
    communities: list[str] = Field(default_factory=list, max_length=50)
    teams: list[str] = Field(default_factory=list, max_length=50)


class UserPublic(BaseModel):
    id: str
    username: str
    display_name: str
    roles: list[Role]
    communities: list[str]
    teams: list[str]
    member_id: str | None
    partner_id: str | None
    created_at: datetime
    disabled: bool = Field(default=False, description="may not sign in or refresh")


class ApiKeyCreate(Strict):
    name: str = Field(min_length=1, max_length=100, description="which system holds it")
    write: bool = Field(default=False, description="may create (e.g. Open311 posts)")


class ApiKeyCreated(BaseModel):
    id: str
    name: str
    scopes: list[str]
    api_key: str = Field(description="shown once; send it as the X-API-Key header")


class Me(BaseModel):
    id: str
    name: str
    kind: str
    roles: list[Role]
    communities: list[str]
    teams: list[str]
    member_id: str | None
    partner_id: str | None
    scopes: list[str]
