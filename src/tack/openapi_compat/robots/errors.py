"""The robot webhook's answers in DingTalk's form: always HTTP 200 with {errcode, errmsg}
(clients such as DingtalkChatbot and dingtalk-log-handler read nothing else).

The codes are the ones the live service returns (see the wire-format reference, §2.2); where
DingTalk has no documented code for a case, the choice is noted on the error.
"""

from typing import Any


class RobotError(Exception):
    """A refused webhook call. Raised by the robot actions, rendered by the routes."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg

    def body(self) -> dict[str, Any]:
        return {"errcode": self.errcode, "errmsg": self.errmsg}


OK: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}


def token_not_exist() -> RobotError:
    return RobotError(300005, "token is not exist")


def sign_not_match() -> RobotError:
    return RobotError(310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")


def invalid_timestamp() -> RobotError:
    return RobotError(310000, "invalid timestamp")


def keywords_not_in_content() -> RobotError:
    return RobotError(310000, "keywords not in content")


def ip_not_allowed(ip: str) -> RobotError:
    return RobotError(310000, f"ip {ip} not in whitelist")


def too_fast(per_minute: int) -> RobotError:
    return RobotError(130101, f"send too fast, exceed {per_minute} times per minute")


def missing_json() -> RobotError:
    return RobotError(40035, "缺少参数 json")


def bad_param(what: str) -> RobotError:
    # DingTalk answers unusable message bodies with 40035 ("missing parameter") too.
    return RobotError(40035, f"缺少参数 {what}")


def unknown_msgtype(msgtype: str) -> RobotError:
    return RobotError(40035, f"不支持的消息类型 msgtype: {msgtype}")


def too_long(limit: int) -> RobotError:
    # Not documented by DingTalk; 460101 is what it answers for oversize robot messages.
    return RobotError(460101, f"message too long, exceed {limit} characters")


def robot_stopped() -> RobotError:
    # The group was dissolved: the robot can no longer post (DingTalk: 机器人已停用).
    return RobotError(400102, "robot is stopped")


def session_expired() -> RobotError:
    return RobotError(300005, "session webhook is not exist or expired")
