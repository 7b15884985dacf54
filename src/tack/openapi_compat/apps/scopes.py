"""Permission scopes an app may hold (权限点). Other compat modules add theirs with `define`."""

CONTACT_READ = "contact.read"  # users and departments (通讯录只读)
CONTACT_MOBILE = "contact.mobile"  # members' phone numbers (手机号码信息)
WORK_NOTICE = "message.work_notice"  # 工作通知

SCOPES: dict[str, str] = {
    CONTACT_READ: "通讯录只读：成员与部门信息",
    CONTACT_MOBILE: "成员手机号码",
    WORK_NOTICE: "发送工作通知",
}

# What a new app gets when its creator names none: what most internal apps start with.
DEFAULT_SCOPES = [CONTACT_READ, WORK_NOTICE]


def define(name: str, description: str) -> None:
    SCOPES[name] = description
