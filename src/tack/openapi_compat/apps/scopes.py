"""Permission scopes an app may hold (权限点). Other compat modules add theirs with `define`."""

CONTACT_READ = "contact.read"  # users and departments (通讯录只读)
CONTACT_MOBILE = "contact.mobile"  # members' phone numbers (手机号码信息)
WORK_NOTICE = "message.work_notice"  # 工作通知
APPROVAL = "workflow.instance"  # 审批实例读写
ATTENDANCE_READ = "attendance.read"  # 考勤数据只读

SCOPES: dict[str, str] = {
    CONTACT_READ: "通讯录只读：成员与部门信息",
    CONTACT_MOBILE: "成员手机号码",
    WORK_NOTICE: "发送工作通知",
    APPROVAL: "审批：发起与查询审批实例",
    ATTENDANCE_READ: "考勤：读取打卡记录与考勤结果",
}

# What a new app gets when its creator names none: what most internal apps start with.
DEFAULT_SCOPES = [CONTACT_READ, WORK_NOTICE]


def define(name: str, description: str) -> None:
    SCOPES[name] = description
