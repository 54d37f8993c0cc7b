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

# The ledger's default points per give kind (kept here so settings need no domain import).
DEFAULT_AWARD_WEIGHTS = {
    "intro_forwarded": 2,
    "intro_accepted": 5,
    "outcome_confirmed": 10,
    "answer_accepted": 3,
    "insight_useful": 1,
    "insight_acted_on": 3,
}

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
    log_level: str = Field("INFO", description="Python logging level.")
    sql_echo: bool = Field(False, description="Log every SQL statement (debugging only).")

    # --- ledger (docs/ledger.md) ---
    ledger_starter_grant: int = Field(
        50, ge=0, description="Points minted once when a member verifies their email address."
    )
    ledger_award_weights: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_AWARD_WEIGHTS),
        description="Points minted per confirmed give, by kind (JSON object).",
    )
    ledger_daily_award_cap: int = Field(
        25, ge=0, description="Most award points one member can receive per UTC day."
    )
    ledger_min_connection_days: int = Field(
        14,
        ge=0,
        description="Gives between members connected for less than this many days mint nothing.",
    )
    ledger_attribution_days: int = Field(
        365, ge=1, le=3650, description="How long a pledge waits for a hire before it returns."
    )
    ledger_guarantee_days: int = Field(
        90, ge=0, le=3650, description="How long a split stays pending before it is paid out."
    )

    @model_validator(mode="after")
    def _check_award_weights(self) -> Settings:
        unknown = sorted(set(self.ledger_award_weights) - set(DEFAULT_AWARD_WEIGHTS))
        if unknown or any(w < 0 for w in self.ledger_award_weights.values()):
            raise ValueError(
                "SHAREWELL_LEDGER_AWARD_WEIGHTS must map give kinds "
                f"({', '.join(DEFAULT_AWARD_WEIGHTS)}) to non-negative whole numbers; "
                f"unknown: {unknown}"
            )
        return self

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
