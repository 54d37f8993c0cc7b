"""Settings: every knob is a ``SHAREWELL_*`` environment variable (or a line in ``.env``).

The README's configuration table lists them all; a test fails when a field here is missing
from it. Defaults suit the embedded mode (one process, SQLite in the data directory). In
production mode the app refuses to start with the default secret key.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sharewell.insights.rules import Limits as InsightLimits

DEFAULT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHAREWELL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production", "test"] = Field(
        "development", description="`production` refuses default secrets and sets secure cookies."
    )
    secret_key: str = Field(
        DEFAULT_SECRET_KEY,
        description="Signs session cookies and CSRF tokens. Must be set (32+ chars) in production.",
    )
    data_dir: Path = Field(
        Path("data"), description="Folder for the embedded SQLite database and backups."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; e.g. `postgresql+psycopg://user@host/db`. "
        "Default: SQLite file `sharewell.sqlite3` in the data directory.",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Public URL, used in links sent by mail and feeds."
    )
    max_body_bytes: int = Field(
        2_000_000, description="Largest request body accepted (bytes); larger bodies get 413."
    )
    max_upload_bytes: int = Field(
        25_000_000, description="Largest contact-file upload accepted (bytes)."
    )
    page_size_max: int = Field(100, description="Cap on the items one list request returns.")
    session_days: int = Field(30, description="How long a web session lasts without activity.")
    demo_password: str = Field(
        "sharewell-demo",
        description="The one password every generated demo member shares.",
    )
    insight_body_max_bytes: int = Field(
        100_000,
        ge=1,
        description="Largest insight or comment body (UTF-8 bytes); larger ones get 413.",
    )
    comment_max_depth: int = Field(
        25, ge=1, le=99, description="How deep replies may nest in a thread (1-99)."
    )
    feed_entries: int = Field(50, ge=1, le=500, description="Entries in each Atom feed.")
    log_level: str = Field("INFO", description="Python logging level.")
    sql_echo: bool = Field(False, description="Log every SQL statement (debugging only).")

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.env == "production" and (
            self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError(
                "SHAREWELL_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sharewell.sqlite3').resolve()}"

    @property
    def insight_limits(self) -> InsightLimits:
        return InsightLimits(
            body_max_bytes=self.insight_body_max_bytes, max_depth=self.comment_max_depth
        )

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" or self.base_url.startswith("https://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
