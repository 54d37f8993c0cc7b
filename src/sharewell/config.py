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
from sharewell.intros.rules import Limits as IntroLimits

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
    sqlite_mmap_mb: int = Field(
        2048,
        ge=0,
        description="SQLite reads the database file through a memory map of up to this many "
        "MiB (0: plain reads). Python's bundled SQLite caps it at 2048.",
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
    insight_body_max_bytes: int = Field(
        100_000,
        ge=1,
        description="Largest insight or comment body (UTF-8 bytes); larger ones get 413.",
    )
    comment_max_depth: int = Field(
        25, ge=1, le=99, description="How deep replies may nest in a thread (1-99)."
    )
    feed_entries: int = Field(50, ge=1, le=500, description="Entries in each Atom feed.")
    connection_retry_days: int = Field(
        30, ge=0, description="Days before a declined connection request may be sent again."
    )
    graph_poll_seconds: float = Field(
        0.0,
        ge=0,
        description="Read the graph change log at most this often (0: before every path query).",
    )
    profile_cache_entries: int = Field(
        2000,
        ge=0,
        description="Anonymous profile pages kept rendered per process, checked against the "
        "database on every request (0: off; see docs/architecture.md).",
    )
    graph_compact_threshold: int = Field(
        5000, ge=1, description="Fold the index overlay into a fresh CSR past this many changes."
    )
    graph_changes_keep_hours: float = Field(
        168.0,
        gt=0,
        description="Prune graph change-log rows older than this (a process further behind "
        "rebuilds its index from the tables).",
    )
    term_index: bool = Field(
        True,
        description="Match path filters against the in-memory term index of shared entries "
        "(kept current through a change log); off: match them in the database.",
    )
    term_compact_holders: int = Field(
        2000,
        ge=1,
        description="Fold the term index overlay into fresh arrays past this many holders.",
    )
    graph_snapshot: bool = Field(
        True,
        description="Load the memory-mapped graph snapshot under the data folder when present.",
    )
    # --- search (docs/search.md) ---
    search_weight_text: float = Field(
        0.6, ge=0, description="Weight of text relevance in the search ranking."
    )
    search_weight_closeness: float = Field(
        0.3, ge=0, description="Weight of network closeness (degree, path strength) in search."
    )
    search_weight_standing: float = Field(
        0.1, ge=0, description="Weight of standing in the search ranking (neutral until known)."
    )
    search_candidates: int = Field(
        100, ge=10, le=2000, description="Full-text candidates per kind before ranking."
    )
    search_semantic: bool = Field(
        True,
        description="Use semantic matching when the `semantic` extra is installed (offline).",
    )
    search_semantic_min_similarity: float = Field(
        0.3,
        ge=-1.0,
        le=1.0,
        description="Semantic neighbours less alike (cosine) than this are not used.",
    )
    search_semantic_weight: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Weight of the semantic ranking in the fusion with full text (text is 1).",
    )
    search_semantic_model: str | None = Field(
        None,
        description="Folder of a sentence-transformers model to use instead of the packaged one.",
    )
    search_alerts_mail: bool = Field(
        True, description="Mail members when a saved search has new matches (besides the inbox)."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    sql_echo: bool = Field(False, description="Log every SQL statement (debugging only).")

    # --- outgoing mail ---------------------------------------------------------------------
    smtp_host: str | None = Field(
        None, description="SMTP server for outgoing mail. Unset: mail goes to the outbox table."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    smtp_username: str | None = Field(None, description="SMTP user name (optional).")
    smtp_password: str | None = Field(None, description="SMTP password (optional).")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="`starttls`, `tls` (implicit TLS, port 465) or `none`."
    )
    smtp_timeout: float = Field(20.0, gt=0, description="Seconds to wait for the SMTP server.")
    mail_from: str = Field(
        "Sharewell <noreply@sharewell.invalid>", description="From: address of outgoing mail."
    )
    mail_max_attempts: int = Field(
        8, ge=1, description="Delivery attempts (with growing pauses) before a message is failed."
    )

    # --- background jobs -------------------------------------------------------------------
    jobs_in_process: bool = Field(
        True,
        description="Run the job scheduler inside each server process (off when env is `test`).",
    )
    jobs_poll_seconds: float = Field(
        10.0, gt=0, description="How often the scheduler looks for due jobs."
    )
    worker_healthcheck_seconds: int = Field(
        60,
        ge=1,
        description="With `serve --workers N`: how long a worker may take to answer the "
        "supervisor's ping (start-up included) before it is replaced.",
    )

    # --- rate limits -----------------------------------------------------------------------
    redis_url: str | None = Field(
        None, description="Redis URL (`redis://host:6379/0`) for rate limits shared by workers."
    )
    rate_limits: bool = Field(
        True, description="`false` lifts every rate limit (benchmarks and load tests only)."
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto "
        "headers are believed (client address for rate limits, https links); `*` trusts any.",
    )
    search_per_minute: int = Field(
        60, ge=1, description="Searches one member may run per minute (autocomplete not counted)."
    )
    comments_per_hour: int = Field(30, ge=1, description="Comments one member may post per hour.")
    invitations_per_day: int = Field(
        20, ge=1, description="Invitation links one member may create per day."
    )
    abuse_address_factor: int = Field(
        5,
        ge=1,
        description="One client address may do this many times what one member may (search, "
        "displays, introduction requests, comments, invitations).",
    )

    # --- accounts --------------------------------------------------------------------------
    verify_link_hours: int = Field(
        48, ge=1, description="How long an email-verification link works."
    )
    reset_link_minutes: int = Field(60, ge=5, description="How long a password-reset link works.")
    metrics_token: str | None = Field(
        None, description="When set, `/metrics` needs `Authorization: Bearer <this value>`."
    )
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

    # --- introductions (docs/intros.md) ---
    intro_expiry_days: int = Field(
        30, ge=1, le=365, description="Days an open introduction request waits before it expires."
    )
    intro_max_open: int = Field(
        10, ge=1, description="Most open introduction requests one member may have at a time."
    )
    intro_decline_cooloff_days: int = Field(
        90,
        ge=0,
        description="After declining someone twice, a member is not asked by them for this long.",
    )
    intro_link_days: int = Field(
        14, ge=1, le=90, description="How long an emailed link to a non-member target works."
    )
    intro_dispute_days: int = Field(
        30,
        ge=1,
        description="A hire/deal the target confirmed and the requester did not becomes a "
        "dispute after this many days.",
    )
    intro_requests_per_hour: int = Field(
        20, ge=1, description="Introduction requests one member may send per hour."
    )
    # --- privacy (docs/privacy.md) ---
    display_audit_days: int = Field(
        90, ge=2, description="Days the display audit (who was shown which entry) is kept."
    )
    mail_retention_days: int = Field(
        30, ge=1, description="Days sent and outbox mail (which holds links) is kept."
    )
    erasure_link_hours: int = Field(
        48, ge=1, le=720, description="How long a non-member's erasure confirmation link works."
    )
    notice_daily_limit: int = Field(
        50, ge=0, description="Notices to non-members one holder may send per day."
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

    # --- standing --------------------------------------------------------------------------
    standing_half_life_days: float = Field(
        365.0, gt=0, description="An impact's weight halves every this many days."
    )
    standing_recompute_minutes: int = Field(
        60, ge=0, description="Recompute standing this often (0: only on demand, from the CLI)."
    )
    standing_topic_min_impacts: int = Field(
        5, ge=1, description="A topic gets a leaderboard once this many impacts carry it."
    )
    standing_go_to_top: int = Field(
        3, ge=0, le=100, description="How many leaders of a topic get its go-to badge (0: none)."
    )
    standing_history_days: int = Field(
        365, ge=1, le=3650, description="Days of standing history kept for the chart."
    )

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
    def intro_limits(self) -> IntroLimits:
        return IntroLimits(
            expiry_days=self.intro_expiry_days,
            max_open=self.intro_max_open,
            decline_cooloff_days=self.intro_decline_cooloff_days,
            link_days=self.intro_link_days,
            dispute_days=self.intro_dispute_days,
        )

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" or self.base_url.startswith("https://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
