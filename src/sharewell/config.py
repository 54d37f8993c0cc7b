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
    min_group_size: int = Field(
        3, ge=2, description="Smallest group an aggregate ('knows N people at Acme') may show."
    )
    reidentification_min: int = Field(
        3, ge=2, description="Warn when fewer contacts network-wide share a blind card's fields."
    )
    display_quota_enabled: bool = Field(
        True,
        description="Count displays of others' shared entries against a quota (off: benchmarks).",
    )
    display_quota_hour: int = Field(
        300, ge=1, description="Shared-entry displays allowed per hour."
    )
    display_quota_day: int = Field(2000, ge=1, description="Shared-entry displays allowed per day.")
    connection_retry_days: int = Field(
        30, ge=0, description="Days before a declined connection request may be sent again."
    )
    graph_poll_seconds: float = Field(
        0.0,
        ge=0,
        description="Read the graph change log at most this often (0: before every path query).",
    )
    graph_compact_threshold: int = Field(
        5000, ge=1, description="Fold the index overlay into a fresh CSR past this many changes."
    )
    graph_snapshot: bool = Field(
        True,
        description="Load the memory-mapped graph snapshot under the data folder when present.",
    )
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
    def secure_cookies(self) -> bool:
        return self.env == "production" or self.base_url.startswith("https://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
