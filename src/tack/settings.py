"""Settings from TACK_* environment variables, with safe defaults for a first start."""

import secrets
from functools import cached_property
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting can be given as an environment variable with the TACK_ prefix.

    - TACK_DATA_DIR: where the SQLite database, uploads and the secret key live (./data).
    - TACK_DATABASE_URL: SQLAlchemy URL; empty means SQLite at <data dir>/tack.db. Any sqlite
      URL (sqlite:///, sqlite+aiosqlite:///) runs on Tack's inline driver.
      PostgreSQL: postgresql+asyncpg://user:pass@host/db
    - TACK_SECRET_KEY: signs CSRF tokens; empty means generate once and keep it in
      <data dir>/secret_key.
    - TACK_HOST / TACK_PORT: listen address (127.0.0.1:8000).
    - TACK_TIMEZONE: default time zone of new organizations (Asia/Shanghai).
    - TACK_JOBS_RUNNER: run durable jobs in this process (true); false for processes that
      should only serve requests. TACK_JOBS_POLL_SECONDS (2), TACK_JOBS_LEASE_SECONDS (300:
      a job claimed by a process that died is retried after this), TACK_JOBS_CONCURRENCY (4).
    """

    model_config = SettingsConfigDict(env_prefix="TACK_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = "Asia/Shanghai"
    session_days: int = 30
    # Login throttling: this many failures per account or IP within the window lock it.
    login_max_failures: int = 5
    login_window_seconds: int = 900
    login_lockout_seconds: int = 900
    import_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 50_000
    # Secure cookies need HTTPS; behind a TLS proxy set TACK_COOKIE_SECURE=true.
    cookie_secure: bool = False
    # Durable jobs (tack.jobs): see the docstring above.
    jobs_runner: bool = True
    jobs_poll_seconds: float = 2.0
    jobs_lease_seconds: float = 300.0
    jobs_concurrency: int = 4

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tack.db').resolve()}"

    @cached_property
    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def prepare(self) -> "Settings":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _ = self.resolved_secret_key
        return self
