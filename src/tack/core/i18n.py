"""Chinese first, English second: messages for error codes and the negotiation of a language."""

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"


def pick_language(accept_language: str | None) -> str:
    if not accept_language:
        return DEFAULT_LANGUAGE
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh-CN"
    return DEFAULT_LANGUAGE


# Chinese texts for the stable error codes; English comes from the error itself.
ZH_MESSAGES: dict[str, str] = {
    "server_busy": "服务器繁忙，请稍后再试",
    "not_authenticated": "请先登录",
    "forbidden": "没有权限执行此操作",
    "not_found": "未找到",
    "method_not_allowed": "不支持该请求方法",
    "wrong_password": "当前密码不正确",
    "validation_error": "请求参数不正确",
    "csrf_failed": "页面已过期，请刷新后重试",
    "invalid_credentials": "账号或密码错误",
    "account_locked": "登录失败次数过多，账号已临时锁定，请稍后再试",
    "rate_limited": "操作过于频繁，请稍后再试",
    "totp_required": "请输入两步验证码",
    "totp_invalid": "两步验证码不正确",
    "account_exists": "该手机号或邮箱已注册",
    "weak_password": "密码至少 8 位",
    "org_not_found": "组织不存在或你不是其成员",
    "department_not_found": "部门不存在",
    "department_cycle": "不能把部门移动到它自己或它的下级部门之下",
    "department_not_empty": "部门下还有成员或子部门，不能删除",
    "root_department": "根部门不能删除或移动",
    "member_not_found": "成员不存在",
    "phone_taken": "该手机号已被本组织其他成员使用",
    "employee_no_taken": "该工号已被本组织其他成员使用",
    "email_taken": "该邮箱已被本组织其他成员使用",
    "already_member": "你已经是该组织成员",
    "invitation_invalid": "邀请链接无效或已过期",
    "join_request_not_found": "加入申请不存在",
    "import_too_large": "导入文件过大",
    "import_bad_file": "无法读取导入文件",
    "unsupported_media_type": "不支持的文件类型",
    "owner_required": "只有组织创建者可以执行此操作",
    "last_owner": "组织至少需要一位创建者",
    "out_of_scope": "该成员或部门不在你的管理范围内",
    "manager_cycle": "直属主管不能形成循环",
    "member_inactive": "该成员已停用",
    "contact_required": "手机号和邮箱至少填写一个",
    "ding_empty": "DING 内容不能为空",
    "ding_not_found": "DING 不存在",
    "ding_sender_only": "只有 DING 的发送人可以这样做",
    "not_a_recipient": "发送人不需要确认自己的 DING",
    "schedule_in_past": "定时发送时间必须晚于现在",
    "no_recipients": "请至少选择一位接收人",
    "too_many_recipients": "一次 DING 的接收人过多",
    "ding_schedule_limit": "提醒或升级设置超出了组织的限制",
    "ding_forbidden": "组织不允许你发送 DING",
    "ding_channel_forbidden": "组织不允许你通过该方式发送 DING",
    "ding_daily_limit": "今天的短信/电话 DING 次数已用完",
    "ding_not_sent": "DING 尚未发出",
    "ding_not_scheduled": "只有尚未发出的定时 DING 可以取消",
    "idempotency_key_reused": "该幂等键已用于另一条不同的 DING",
    # attendance (考勤)
    "shift_bad_time": "班次时间格式应为 HH:MM",
    "shift_ends_before_start": "班次结束时间早于开始时间（跨天班次请勾选次日）",
    "shift_too_long": "班次时长不能超过 24 小时",
    "shift_bad_rule": "班次的迟到、严重迟到或工作时长设置不合理",
    "shift_in_use": "该班次正被考勤组或排班使用",
    "group_needs_shift": "固定班制和弹性班制的考勤组需要选择同类班次",
    "schedule_overlap": "相邻两天的排班时间重叠",
    "not_scheduled_group": "只有排班制考勤组的成员可以排班",
    "place_invalid": "地点需要经纬度和半径，或 Wi-Fi 名称和 BSSID",
    "place_radius_out_of_range": "考勤范围应在 100 到 3000 米之间",
    "coordinates_out_of_range": "经纬度超出范围",
    "bad_date_range": "日期范围不正确",
    "clock_skew": "设备时间与服务器时间相差过大，请校准后重试",
    "not_in_attendance_group": "你不在任何考勤组中",
    "checkin_out_of_range": "不在考勤范围内",
    "field_checkin_not_allowed": "该考勤组不允许外勤打卡",
    "field_note_required": "外勤打卡需要填写备注",
    "client_device_required": "该考勤组要求使用绑定设备打卡",
    "device_not_bound": "请使用本人绑定的设备打卡",
    "device_bad_signature": "考勤机签名不正确",
    "device_stale_request": "考勤机请求已过期",
    "device_disabled": "考勤机已停用",
    "device_serial_taken": "该序列号的考勤机已注册",
    "leave_bad_range": "请假结束时间必须晚于开始时间",
    "device_batch_too_large": "每批最多上传 1000 条记录",
    "attendance_group_not_found": "考勤组不存在",
    "shift_not_found": "班次不存在",
    "place_not_found": "考勤地点不存在",
    "device_not_found": "考勤机不存在",
    "attendance_not_manager": "只有管理员和部门主管可以查看他人考勤",
}
