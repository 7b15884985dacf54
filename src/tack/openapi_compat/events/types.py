"""DingTalk's event types that Tack sends (EventType of the HTTP callback, eventType of Stream)."""

USER_ADD = "user_add_org"
USER_MODIFY = "user_modify_org"
USER_LEAVE = "user_leave_org"
DEPT_CREATE = "org_dept_create"
DEPT_MODIFY = "org_dept_modify"
DEPT_REMOVE = "org_dept_remove"
APPROVAL_INSTANCE = "bpms_instance_change"
APPROVAL_TASK = "bpms_task_change"
CHECK_IN = "attendance_check_record"
CHECK_URL = "check_url"

EVENT_TYPES: dict[str, str] = {
    USER_ADD: "通讯录用户增加 member added (or reactivated)",
    USER_MODIFY: "通讯录用户更改 member's departments changed",
    USER_LEAVE: "通讯录用户离职 member left (deactivated)",
    DEPT_CREATE: "通讯录企业部门创建 department created",
    DEPT_MODIFY: "通讯录企业部门修改 department renamed or moved",
    DEPT_REMOVE: "通讯录企业部门删除 department deleted",
    APPROVAL_INSTANCE: "审批实例开始/结束 approval instance started, finished or terminated",
    APPROVAL_TASK: "审批任务开始/结束/转交 approval task started, decided or cancelled",
    CHECK_IN: "员工打卡 attendance check-in (app or clock-in device)",
}
