"""Custom group robots (自定义机器人): webhook sends with DingTalk's security settings and
limits, and outgoing robots that forward @-mentions to a callback URL."""
