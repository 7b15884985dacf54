"""DING at DingTalk's paths (dingtalk.oapi.ding.create, /topapi/ding/create)."""
