"""Pydantic shapes of the accounts area, shared by the API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from sharewell.members.schemas import Strict


class AcceptedOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    detail: str


class EmailIn(Strict):
    email: EmailStr


class TokenIn(Strict):
    token: str = Field(min_length=1, max_length=200)


class PasswordResetIn(Strict):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class RegistrationOut(BaseModel):
    mode: Literal["open", "invite", "domains"]
    domains: list[str]
    invite_cap: int


class RegistrationIn(Strict):
    mode: Literal["open", "invite", "domains"]
    domains: list[str] = Field(default_factory=list, max_length=100)
    invite_cap: int = Field(5, ge=0, le=1000)


class SessionOut(BaseModel):
    id: int
    device: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


class TwoFactorStatus(BaseModel):
    enabled: bool
    pending_setup: bool
    recovery_codes_left: int


class TwoFactorSetupOut(BaseModel):
    secret: str = Field(description="Base32 key to type into an authenticator app.")
    otpauth_uri: str


class CodeIn(Strict):
    code: str = Field(min_length=1, max_length=40)


class TwoFactorDisableIn(Strict):
    password: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=40)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Shown once: store them somewhere safe.")


class InvitationOut(BaseModel):
    id: int
    prefix: str
    created_at: datetime
    expires_at: datetime
    used: bool
    revoked: bool


class InvitationCreatedOut(InvitationOut):
    link: str = Field(description="Shown once: send it to the person you invite.")


class InvitationsOut(BaseModel):
    items: list[InvitationOut]
    cap: int | None = Field(description="How many you may create in all (none for admins).")
    left: int | None


class ProviderPublic(BaseModel):
    slug: str
    name: str
    start_url: str


class ProviderIn(Strict):
    slug: str = Field(min_length=2, max_length=40)
    name: str = Field(min_length=1, max_length=80)
    issuer: str = Field(min_length=1, max_length=300)
    client_id: str = Field(min_length=1, max_length=300)
    client_secret: str = Field(min_length=1, max_length=500)
    trusted_for_email: bool = False
    enabled: bool = True


class ProviderUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=80)
    client_id: str | None = Field(None, min_length=1, max_length=300)
    client_secret: str | None = Field(None, min_length=1, max_length=500)
    trusted_for_email: bool | None = None
    enabled: bool | None = None


class ProviderOut(BaseModel):
    id: int
    slug: str
    name: str
    issuer: str
    client_id: str
    trusted_for_email: bool
    enabled: bool
    redirect_uri: str = Field(description="Register this callback address at the provider.")


class IdentityOut(BaseModel):
    id: int
    provider: str
    provider_name: str
    email: str
    created_at: datetime
    last_used_at: datetime | None
