"""Event subscriptions of apps (事件订阅): HTTP callbacks in DingTalk's encrypted format."""
