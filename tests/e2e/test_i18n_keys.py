"""Every string key the web client uses exists in both languages (no browser needed)."""

import re
from pathlib import Path

import tack.web

STATIC = Path(tack.web.__file__).parent / "static"
KEY_LITERAL = re.compile(r"'((?:nav|common|error|auth|org|role|directory|member|department|admin|picker|invitation|join_request|import|export|audit|join|account|chat|ding|attendance|approval)\.[a-z_.]+)'")
# Keys built at run time from server values: every value the server can send must be there.
DYNAMIC = {
    "role.": ["owner", "admin", "subadmin", "member"],
    "ding.channel_": ["in_app", "sms", "call"],
    "ding.tab_": ["received", "sent", "settings"],
    "ding.allowed_": ["everyone", "admins", "nobody"],
    "ding.setting_": ["who_may_send", "sms_allowed_for", "call_allowed_for", "daily_limit", "default_remind_every_minutes",
                      "default_remind_times", "min_remind_every_minutes", "max_remind_times", "min_escalate_after_minutes"],
    "ding.people_": ["unconfirmed", "confirmed"],
    "attendance.status.": ["normal", "in", "rest", "pending", "leave", "late", "serious_late", "early", "absent", "missing_in", "missing_out", "field", "not_in"],
    "attendance.state.": ["in", "late", "not_in", "field", "leave", "rest"],
    "attendance.source.": ["app", "device", "correction"],
    "attendance.kind.": ["fixed", "flexible", "scheduled"],
    "approval.status.": ["running", "approved", "rejected", "withdrawn", "revoked"],
    "approval.box.": ["pending", "done", "submitted", "cc"],
    "approval.task.": ["pending", "approved", "rejected", "transferred", "returned", "cancelled"],
}
# download file names, and card button actions, that look like keys
NOT_KEYS = {"directory.csv", "directory.xlsx", "approval.open", "approval.approve", "approval.reject"}


def _catalogues() -> dict[str, set[str]]:
    source = (STATIC / "i18n.js").read_text()
    zh_start, en_start = source.index("'zh-CN': {"), source.index("\n  en: {")
    end = source.index("\n};", en_start)
    key = re.compile(r"'([a-z_]+(?:\.[a-z_]+)+)':")
    return {"zh-CN": set(key.findall(source[zh_start:en_start])), "en": set(key.findall(source[en_start:end]))}


def test_both_languages_have_the_same_keys() -> None:
    catalogues = _catalogues()
    assert catalogues["zh-CN"] == catalogues["en"], catalogues["zh-CN"] ^ catalogues["en"]


def test_every_key_used_is_translated() -> None:
    known = _catalogues()["zh-CN"]
    used = set()
    for path in STATIC.rglob("*.js"):
        if path.name != "i18n.js":
            used |= set(KEY_LITERAL.findall(path.read_text()))
    used |= {prefix + value for prefix, values in DYNAMIC.items() for value in values}
    assert used - NOT_KEYS - known == set()
