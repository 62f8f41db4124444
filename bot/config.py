"""The one place configuration is read: environment variables or a `.env` file."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_LINE_API = "https://api.line.me"
DEFAULT_LINE_DATA_API = "https://api-data.line.me"

# Values people paste from tutorials or leave from templates. Serving with one of these would
# accept forged webhooks (secret) or fail every send (token), so we refuse to start instead.
_PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "secret",
    "token",
    "xxx",
    "your-channel-secret",
    "your_channel_secret",
    "your-channel-access-token",
    "your_channel_access_token",
    "channel_secret",
    "channel_access_token",
    "dummy",
    "test",
    "placeholder",
}


class ConfigError(Exception):
    """Configuration that the bot must not run with; the message is shown as is."""


def safe_database_url(url: str) -> str:
    """The URL with its password hidden, to show back to the person who wrote it."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def database_url_problem(url: str) -> str | None:
    """What is wrong with the form of DATABASE_URL, saying what to write instead; None when it is right.

    The bot is async: a URL without the async driver fails deep inside SQLAlchemy with a message about drivers.
    """
    scheme, sep, _ = url.partition("://")
    scheme = scheme.lower()
    shown = safe_database_url(url).partition("://")[2] if sep else ""
    if scheme in ("postgresql", "postgres") or (scheme.startswith("postgresql+") and scheme != "postgresql+asyncpg"):
        return f"DATABASE_URL must use the asyncpg driver: write postgresql+asyncpg://{shown or 'user@host/dbname'}"
    if scheme == "sqlite" or (scheme.startswith("sqlite+") and scheme != "sqlite+aiosqlite"):
        path = shown[1:] if shown.startswith("/") else shown
        return f"DATABASE_URL must use the aiosqlite driver: write sqlite+aiosqlite:///{path or 'sasaeai.db'}"
    if scheme not in ("postgresql+asyncpg", "sqlite+aiosqlite") or not sep:
        return "DATABASE_URL must start with postgresql+asyncpg:// (PostgreSQL) or sqlite+aiosqlite:/// (a SQLite file)"
    return None


def is_placeholder(value: str) -> bool:
    v = value.strip().lower()
    return v in _PLACEHOLDERS or v.startswith("<") or set(v) <= {"x", "*", "-", "_", "."}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    line_channel_secret: SecretStr = SecretStr("")
    line_channel_access_token: SecretStr = SecretStr("")
    line_api_base_url: str = DEFAULT_LINE_API
    # Blob endpoints (rich-menu images) live on another host at LINE; when LINE_API_BASE_URL points
    # elsewhere (the emulator), the blob API follows it unless this is set explicitly.
    line_api_data_base_url: str | None = None
    line_timeout_seconds: float = 10.0

    database_url: str = "sqlite+aiosqlite:///sasaeai.db"

    # Conversation
    message_merge_seconds: float = 8.0
    reply_token_ttl_seconds: float = 50.0  # LINE accepts a reply token for about a minute
    # below this, ask the resident which kind of help they mean. 0.60 on the dev writers confirms as many
    # right kinds as 0.45 did (86 of 91) and leaves vague asks (困っとるげん、手伝ってほしい) to the buttons
    confirm_threshold: float = 0.60
    rate_limit_per_minute: int = 20

    # Webhook edge
    webhook_max_body_bytes: int = 1_048_576
    webhook_max_events: int = 5_000

    # Workers
    inbox_concurrency: int = 8
    # Calls to LINE in flight, each to a different chat. They wait on the network, not the CPU: with 8, a
    # morning's resident answers took every slot and the district groups' posts queued for minutes (soak).
    outbox_concurrency: int = 32
    outbox_max_attempts: int = 12
    outbox_backoff_seconds: float = 1.0  # first retry delay; doubles up to 5 minutes
    lease_seconds: float = 60.0
    scheduler_interval_seconds: float = 5.0
    # An emergency or consultation alert nobody answered 「対応します」 to within this long is repeated in the
    # district's coordinators' group and escalated to the city-wide group (once each per period).
    alert_ack_seconds: int = Field(default=600, gt=0)
    job_concurrency: int = 8  # scheduled jobs run side by side (those of one person or request in turn)
    # `sasaeai serve` (bot/serve.py): the edge (verify, store, answer 200; the dashboard) and the handling
    # (dispatcher, NLP, sender, scheduler) run in separate processes sharing only the database, so a backlog
    # of handling never delays an answer to LINE. SERVE_ROLE picks what this host runs: "all" (both),
    # "edge" or "worker" (edges and workers on different hosts), or "single" (everything in one process).
    serve_role: Literal["all", "edge", "worker", "single"] = "all"
    edge_processes: int = Field(default=1, ge=1)
    worker_processes: int = Field(default=1, ge=1)
    # Handling yields the CPU to the edge: workers run at this nice value (0 to 19; higher is lower priority).
    worker_nice: int = Field(default=10, ge=0, le=19)
    # Where the NLP model runs: in a child process of its own (true) or in a thread of the process that
    # handles (false). Unset: a child process for handling workers of `sasaeai serve`, a thread for `single`.
    nlp_process: bool | None = None
    # A worker notices events, messages and jobs written by other processes by polling the newest id of each
    # queue this often (one small read; nothing is written when nothing changed).
    worker_poll_seconds: float = Field(default=0.05, gt=0)
    # Event-loop lag probe (sasaeai_loop_lag_seconds): one timer every this many seconds; 0 turns it off.
    loop_probe_seconds: float = 0.05

    # Clock: "system", or "file:/path" whose content is an ISO timestamp (tests move time by writing it)
    clock: str = Field(default="system", alias="SASAEAI_CLOCK")

    log_level: str = "INFO"
    log_format: str = "text"  # "json" in production

    # Rich menu (`sasaeai richmenu setup`): the number behind 電話で相談. A default rich menu is the same
    # for every resident, so this is one city-wide number, not a district's own.
    consult_phone: str = ""
    # The browser simulator at /simulator (demo and local trials only): refused with the real LINE API.
    simulator: bool = False

    public_base_url: str = "http://127.0.0.1:8080"
    # Reverse proxies whose X-Forwarded-For we believe (addresses or networks, comma-separated). Empty: none,
    # and the client is the TCP peer. Anyone can send the header, so trusting it from everyone would let a
    # guesser pick a new address for every try.
    trusted_proxies: str = ""
    # Password checks (argon2, ~0.2 s of CPU each) running at once in this process, off the event loop.
    password_check_concurrency: int = 1

    @field_validator("line_api_base_url", "line_api_data_base_url")
    @classmethod
    def _strip_slash(cls, v: str | None) -> str | None:
        return v.rstrip("/") if v else v

    @property
    def https(self) -> bool:
        return self.public_base_url.lower().startswith("https://")

    @property
    def line_data_api_url(self) -> str:
        if self.line_api_data_base_url:
            return self.line_api_data_base_url
        if self.line_api_base_url == DEFAULT_LINE_API:
            return DEFAULT_LINE_DATA_API
        return self.line_api_base_url

    def require_line_credentials(self) -> None:
        """Refuse to serve with a missing or placeholder secret or token."""
        problems = []
        if is_placeholder(self.line_channel_secret.get_secret_value()):
            problems.append("LINE_CHANNEL_SECRET")
        if is_placeholder(self.line_channel_access_token.get_secret_value()):
            problems.append("LINE_CHANNEL_ACCESS_TOKEN")
        if problems:
            raise ConfigError(
                f"{' and '.join(problems)} missing or a placeholder: set the values from the LINE "
                "Developers console (Messaging API channel) in the environment or .env"
            )
