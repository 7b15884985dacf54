"""Work notifications (工作通知) sent by apps: asyncsend_v2, send progress and result."""
