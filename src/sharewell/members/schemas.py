"""Pydantic shapes shared by the API and the web pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class Strict(BaseModel):
    """Inputs reject unknown fields, so ``is_admin`` or ``email_verified_at`` can never be
    mass-assigned through a profile update."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SignUpIn(Strict):
    email: EmailStr
    password: str = Field(min_length=1, max_length=200)
    display_name: str = Field(min_length=1, max_length=100)
    handle: str | None = Field(None, max_length=40)
    invite: str | None = Field(
        None, max_length=200, description="Invitation code, when joining is invitation-only."
    )


class SignUpOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    detail: str


class PasswordChangeIn(Strict):
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class LinkIn(Strict):
    label: str = Field(min_length=1, max_length=60)
    url: str = Field(min_length=1, max_length=500)


class ProfileUpdate(Strict):
    """Every field is optional: only the fields sent are changed."""

    display_name: str | None = Field(None, max_length=100)
    handle: str | None = Field(None, max_length=40)
    headline: str | None = Field(None, max_length=160)
    bio: str | None = Field(None, max_length=5000)
    location: str | None = Field(None, max_length=100)
    topics: list[str] | None = Field(None, max_length=50)
    offers: list[str] | None = Field(None, max_length=50)
    asks: list[str] | None = Field(None, max_length=50)
    links: list[LinkIn] | None = Field(None, max_length=20)


class TopicOut(BaseModel):
    slug: str
    label: str


class TopicWithCount(TopicOut):
    members: int


class LinkOut(BaseModel):
    label: str
    url: str


class MemberSummary(BaseModel):
    handle: str
    display_name: str
    headline: str
    location: str
    topics: list[TopicOut]
    degree: str | None = Field(
        None, description="1st, 2nd, 3rd or out of network, seen from the signed-in member"
    )


class ProfileOut(MemberSummary):
    bio_html: str
    offers: list[str]
    asks: list[str]
    links: list[LinkOut]
    joined_at: datetime


class MeOut(ProfileOut):
    email: str
    email_verified: bool
    is_admin: bool
    bio: str


class TokenCreateIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    scope: Literal["read", "write"] = "read"
    expires_in_days: int | None = Field(90, ge=1, le=3650)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret: shown once, store it now.")


class OAuthTokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 scheme name
    expires_in: int
