"""Shapes of the jobs area."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class JobOut(BaseModel):
    name: str
    description: str
    interval_seconds: int
    due_at: datetime | None
    locked_by: str | None
    locked_until: datetime | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_status: str
    last_detail: str
    runs: int


class JobRunOut(BaseModel):
    id: int
    name: str
    holder: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    detail: str
