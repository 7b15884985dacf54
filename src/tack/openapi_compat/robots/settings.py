"""Robot limits, set by TACK_ROBOT_* environment variables; DingTalk's values by default.

- TACK_ROBOT_RATE_PER_MINUTE: messages a robot may send per minute (20, as DingTalk); 0
  lifts the limit (benchmarks only: bench/robot.py sets it).
- TACK_ROBOT_PAUSE_SECONDS: how long a robot that went over the limit is refused (600:
  DingTalk pauses an over-eager robot for 10 minutes).
- TACK_ROBOT_SIGN_MAX_AGE_SECONDS: how far a signed request's timestamp may be from now
  (3660: DingTalk's hour, plus a minute of slack for clocks; DingtalkChatbot reuses one
  signature for up to an hour).
- TACK_ROBOT_SESSION_WEBHOOK_MINUTES: lifetime of the sessionWebhook handed to an outgoing
  robot (90, as DingTalk's).
- TACK_ROBOT_MAX_PER_GROUP: robots per group (10).
- TACK_ROBOT_OUTGOING_TIMEOUT_SECONDS: how long a callback URL may take to answer (10).
- TACK_ROBOT_PUBLIC_URL: the server's address as callback receivers reach it, for the
  sessionWebhook URL (default http://TACK_HOST:TACK_PORT).
"""

import os

from pydantic_settings import BaseSettings, SettingsConfigDict


class RobotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TACK_ROBOT_", extra="ignore")

    rate_per_minute: int = 20
    pause_seconds: int = 600
    sign_max_age_seconds: int = 3660
    session_webhook_minutes: int = 90
    max_per_group: int = 10
    max_body_bytes: int = 64 * 1024
    outgoing_timeout_seconds: float = 10.0
    public_url: str = ""

    def public_base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = os.environ.get("TACK_HOST", "127.0.0.1")
        return f"http://{host}:{os.environ.get('TACK_PORT', '8000')}"


_current: RobotSettings | None = None


def current() -> RobotSettings:
    """The process's robot settings, read from TACK_ROBOT_* on first use."""
    global _current
    if _current is None:
        _current = RobotSettings()
    return _current


def use(settings: RobotSettings | None) -> RobotSettings | None:
    """Replace the settings (tests, benchmarks' servers read the environment); returns the old ones."""
    global _current
    previous, _current = _current, settings
    return previous
