"""Realtime limits, set by TACK_REALTIME_* environment variables."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class RealtimeSettings(BaseSettings):
    """
    - TACK_REALTIME_BUFFER_EVENTS: events a queue keeps for resuming (2,000). A client that
      missed more must register again and take a fresh snapshot.
    - TACK_REALTIME_SLOW_CLIENT_EVENTS: a connected socket this many events behind is cut
      off (1,000); it resumes from its last event id, so nothing is lost.
    - TACK_REALTIME_HEARTBEAT_SECONDS: heartbeat frame when nothing else was sent (30).
    - TACK_REALTIME_QUEUE_IDLE_SECONDS: a queue with no socket and no poll for this long is
      removed (600).
    - TACK_REALTIME_CONNECTION_MAX_SECONDS: a socket older than this is asked to reconnect
      (3,600), so long-lived resources cannot pile up.
    - TACK_REALTIME_LONGPOLL_MAX_SECONDS: longest wait of GET /realtime/events (50).
    - TACK_REALTIME_MAX_FRAME_BYTES: a client frame larger than this gets an error frame
      (frame_too_large) and the socket stays (65,536: a 5,000-character message fits).
    """

    model_config = SettingsConfigDict(env_prefix="TACK_REALTIME_", extra="ignore")

    buffer_events: int = 2000
    slow_client_events: int = 1000
    heartbeat_seconds: float = 30
    queue_idle_seconds: float = 600
    connection_max_seconds: float = 3600
    longpoll_max_seconds: float = 50
    max_frame_bytes: int = 65536
