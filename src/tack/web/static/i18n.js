// Every visible string, in Chinese (the default) and English. The choice lives in
// localStorage so it survives sign-out; the API gets it as Accept-Language so the
// server's error messages come back in the same language.

const STORAGE_KEY = 'tack.lang';
export const LANGUAGES = ['zh-CN', 'en'];

const MESSAGES = {
  'zh-CN': {
    'nav.label': '导航', 'nav.chat': '消息', 'nav.directory': '通讯录', 'nav.admin': '管理后台', 'nav.account': '我的',

    'common.actions': '操作', 'common.back': '返回', 'common.cancel': '取消', 'common.close': '关闭',
    'common.confirm': '确定', 'common.confirm_title': '请确认', 'common.delete': '删除', 'common.done': '完成',
    'common.edit': '编辑', 'common.load_more': '加载更多', 'common.loading': '加载中…', 'common.next': '下一页',
    'common.prev': '上一页', 'common.none': '未填写', 'common.page_range': '第 {from}–{to} 条，共 {total} 条',
    'common.remove': '移除', 'common.retry': '重试', 'common.save': '保存', 'common.saved': '已保存',
    'common.switch_language': '切换语言',

    'error.generic': '出错了，请稍后再试', 'error.network': '网络连接失败，请检查网络后重试',

    'auth.tagline': '团队的通讯录与协作平台', 'auth.login_title': '登录 Tack', 'auth.signup_title': '注册账号',
    'auth.login': '登录', 'auth.signup': '注册', 'auth.login_id': '手机号或邮箱', 'auth.login_id_hint': '请输入手机号或邮箱',
    'auth.password': '密码', 'auth.password_hint': '至少 8 位', 'auth.totp_code': '两步验证码',
    'auth.no_account': '还没有账号？', 'auth.to_signup': '立即注册', 'auth.have_account': '已有账号？', 'auth.to_login': '去登录',
    'auth.contact_hint': '手机号和邮箱至少填写一个', 'auth.signed_out': '登录已失效，请重新登录',

    'org.switch': '切换组织', 'org.current': '当前', 'org.none': '未加入组织', 'org.none_title': '你还没有加入任何组织',
    'org.none_hint': '创建一个新组织，或通过同事发来的邀请链接加入。', 'org.create': '创建组织',
    'org.create_title': '创建新组织', 'org.name': '组织名称',

    'role.owner': '创建者', 'role.admin': '管理员', 'role.subadmin': '子管理员', 'role.member': '成员',

    'directory.departments': '部门', 'directory.members': '成员', 'directory.search': '搜索成员',
    'directory.search_placeholder': '搜索姓名、拼音、手机号、工号', 'directory.search_results': '“{q}”的搜索结果',
    'directory.no_results': '没有找到匹配的成员', 'directory.no_members': '该部门暂无成员', 'directory.path': '部门路径',
    'directory.count': '共 {total} 人', 'directory.expand': '展开', 'directory.collapse': '收起',

    'member.name': '姓名', 'member.phone': '手机号', 'member.email': '邮箱', 'member.job_title': '职位',
    'member.employee_no': '工号', 'member.departments': '部门', 'member.manager': '直属主管', 'member.hire_date': '入职日期',
    'member.role': '角色', 'member.status': '状态', 'member.active': '在职', 'member.inactive': '已停用',
    'member.phone_hidden': '已隐藏', 'member.hide_phone': '对同事隐藏手机号',
    'member.add': '添加成员', 'member.added': '成员已添加', 'member.edit': '编辑成员',
    'member.all_departments': '全部部门', 'member.include_inactive': '显示已停用成员',
    'member.deactivate': '停用', 'member.reactivate': '启用', 'member.confirm_deactivate': '确定停用“{name}”？停用后该成员无法访问本组织。',
    'member.set_role': '设置角色', 'member.scope': '管理范围（子管理员）', 'member.issue_password': '重置密码',
    'member.confirm_issue_password': '为“{name}”生成一个新密码？其所有登录将被注销。',
    'member.password_issued': '新密码已生成', 'member.password_for': '{name} 的登录密码：',
    'member.password_once': '密码只显示这一次，请立即转告该成员，并提醒其登录后修改。',
    'member.first_password': '初始密码', 'member.first_password_hint': '留空则自动生成',

    'department.name': '部门名称', 'department.parent': '上级部门', 'department.sort_order': '排序',
    'department.sort_hint': '数字越小越靠前', 'department.hidden': '隐藏', 'department.hidden_label': '在通讯录中隐藏此部门',
    'department.managers': '部门主管', 'department.create': '新建部门', 'department.edit': '编辑部门',
    'department.confirm_delete': '确定删除部门“{name}”？',

    'admin.tab.departments': '部门', 'admin.tab.members': '成员', 'admin.tab.invitations': '邀请',
    'admin.tab.join_requests': '加入申请', 'admin.tab.import': '导入导出', 'admin.tab.audit': '操作日志',

    'picker.search_member': '搜索成员姓名或拼音',

    'invitation.create': '生成邀请链接', 'invitation.department': '加入部门', 'invitation.no_department': '不指定（根部门）',
    'invitation.expires_in': '有效期', 'invitation.days': '{n} 天', 'invitation.requires_approval': '需管理员审核',
    'invitation.link': '邀请链接', 'invitation.copy': '复制', 'invitation.copied': '已复制链接',
    'invitation.download_png': '下载二维码 PNG', 'invitation.revoke': '撤销', 'invitation.confirm_revoke': '撤销后此链接和二维码立即失效，确定撤销？',
    'invitation.active': '有效', 'invitation.expired': '已过期', 'invitation.revoked': '已撤销',
    'invitation.expires_at': '有效期至 {at}', 'invitation.into': '加入“{name}”', 'invitation.none': '还没有邀请链接',
    'invitation.qr_alt': '邀请二维码',

    'join_request.approve': '同意', 'join_request.reject': '拒绝', 'join_request.none': '没有待处理的加入申请',

    'import.title': '批量导入成员', 'import.file': '选择文件（CSV 或 Excel）',
    'import.hint': '第一行为表头：姓名、手机号、邮箱、职位、工号、部门、直属主管、入职日期。部门用“/”分隔层级。',
    'import.upload': '上传并导入', 'import.created': '成功 {n} 条', 'import.failed': '失败 {n} 条',
    'import.summary': '共 {total} 行，新建部门 {departments} 个', 'import.row': '行号', 'import.code': '错误代码', 'import.message': '原因',
    'export.title': '导出通讯录', 'export.hint': '导出的文件可以直接作为导入模板使用。', 'export.csv': '导出 CSV', 'export.xlsx': '导出 Excel',

    'audit.time': '时间', 'audit.actor': '操作人', 'audit.action': '操作', 'audit.target': '对象', 'audit.detail': '详情',
    'audit.none': '暂无操作记录',
    'audit.department.create': '新建部门', 'audit.department.update': '修改部门', 'audit.department.delete': '删除部门',
    'audit.department.set_managers': '设置部门主管', 'audit.member.add': '添加成员', 'audit.member.update': '修改成员',
    'audit.member.deactivate': '停用成员', 'audit.member.reactivate': '启用成员', 'audit.member.set_role': '设置角色',
    'audit.member.issue_password': '重置密码', 'audit.member.import': '批量导入', 'audit.invitation.create': '生成邀请',
    'audit.invitation.revoke': '撤销邀请', 'audit.join_request.approve': '同意加入', 'audit.join_request.reject': '拒绝加入',
    'audit.org.update': '修改组织',

    'join.title': '邀请你加入', 'join.department': '部门：{name}', 'join.needs_approval': '加入需要管理员审核',
    'join.expires': '链接有效期至 {at}', 'join.accept': '加入组织', 'join.as': '当前账号：{name}',
    'join.sign_in_first': '请先登录或注册，然后回到这里加入。', 'join.pending': '已提交申请，等待“{org}”的管理员审核。',

    'account.title': '我的', 'account.language': '语言', 'account.change_password': '修改密码',
    'account.old_password': '当前密码', 'account.new_password': '新密码', 'account.password_changed': '密码已修改，其他设备上的登录已注销',
    'account.sessions': '登录状态', 'account.logout': '退出登录', 'account.logout_everywhere': '退出所有设备',
    'account.logout_everywhere_hint': '在所有浏览器和设备上注销此账号。',
    'account.totp': '两步验证', 'account.totp_hint': '登录时除密码外还需输入验证器 App 生成的 6 位验证码。',
    'account.totp_setup': '开启两步验证', 'account.totp_scan': '在验证器 App 中添加下面的密钥（或用链接生成二维码），然后输入 App 显示的验证码。',
    'account.totp_secret': '密钥', 'account.totp_uri': '链接', 'account.totp_enable': '验证并开启',
    'account.totp_enabled': '两步验证已开启', 'account.totp_on': '已开启', 'account.totp_disable': '关闭两步验证',
    'account.totp_disabled': '两步验证已关闭',

    'chat.conversations': '会话', 'chat.conversation': '会话', 'chat.search': '搜索', 'chat.search_placeholder': '搜索会话和消息',
    'chat.search_messages': '消息', 'chat.no_messages_found': '没有找到相关消息', 'chat.no_match': '没有匹配的会话',
    'chat.no_conversations': '还没有会话，点“发起”开始聊天', 'chat.pick': '选择一个会话开始聊天',
    'chat.new': '发起', 'chat.new_direct': '单聊', 'chat.new_group': '群聊', 'chat.group_name': '群名称',
    'chat.group_members': '群成员', 'chat.create_group': '创建群聊', 'chat.group_default': '群聊（{n}人）',
    'chat.unread_n': '{n} 条未读', 'chat.more_actions': '更多操作', 'chat.pinned_top': '已置顶', 'chat.muted': '消息免打扰',
    'chat.pin_top': '置顶', 'chat.unpin_top': '取消置顶', 'chat.mute': '消息免打扰', 'chat.unmute': '取消免打扰',
    'chat.you': '你', 'chat.list_sep': '、', 'chat.not_found': '会话不存在或你已不在其中', 'chat.removed': '你已不在这个会话中',
    'chat.new_below': '有新消息 ↓', 'chat.beginning': '没有更早的消息了', 'chat.mention': '提及成员',
    'chat.input': '输入消息', 'chat.input_placeholder': '输入消息，Enter 发送，Shift+Enter 换行，@ 提及成员',
    'chat.send': '发送', 'chat.attach': '发送图片或文件', 'chat.sending': '发送中…', 'chat.send_failed': '发送失败', 'chat.resend': '重发',
    'chat.muted_all_note': '全员禁言中，只有群主和管理员可以发言',
    'chat.message_actions': '消息操作', 'chat.reply': '回复', 'chat.recall': '撤回', 'chat.pin': '置顶消息', 'chat.unpin': '取消置顶消息',
    'chat.copy': '复制', 'chat.pinned': '已置顶', 'chat.pinned_n': '置顶消息 {n}', 'chat.pinned_messages': '置顶消息',
    'chat.replying_to': '回复 {name}：', 'chat.cancel_reply': '取消回复', 'chat.quote_recalled': '该消息已撤回',
    'chat.recalled_self': '你已撤回一条消息', 'chat.recalled_other': '{name} 已撤回一条消息',
    'chat.all_read': '全部已读', 'chat.n_unread': '{n}人未读', 'chat.receipts_title': '消息接收人列表',
    'chat.unread_tab': '未读 {n}', 'chat.read_tab': '已读 {n}', 'chat.nobody_unread': '所有人都已读', 'chat.nobody_read': '还没有人读',
    'chat.mention_all': '@所有人', 'chat.mention_all_token': '所有人',
    'chat.kind.card': '卡片', 'chat.kind.image': '图片', 'chat.kind.file': '文件',
    'chat.sys.created': '{who} 创建了群聊，成员：{names}', 'chat.sys.renamed': '{who} 将群名称修改为“{name}”',
    'chat.sys.notice_updated': '{who} 更新了群公告', 'chat.sys.mute_all_on': '{who} 开启了全员禁言',
    'chat.sys.mute_all_off': '{who} 关闭了全员禁言', 'chat.sys.members_added': '{who} 邀请 {names} 加入了群聊',
    'chat.sys.member_left': '{names} 退出了群聊', 'chat.sys.member_removed': '{names} 被 {by} 移出了群聊',
    'chat.sys.dissolved': '{who} 解散了该群', 'chat.sys.owner_transferred': '{who} 将群主转让给 {names}',
    'chat.sys.other': '系统消息',

    'nav.ding': 'DING', 'ding.alerts': 'DING 提醒', 'ding.from': '{name} 的 DING', 'ding.confirm': '确认收到',
    'ding.confirmed_toast': '已确认', 'ding.reason_reminder': '第 {n} 次提醒', 'ding.reason_reding': '再次 DING',
    'ding.n_more': '还有 {n} 条待确认', 'ding.fold': '收起', 'ding.n_pending': '{n} 条 DING 待确认',
    'ding.ding_unread': 'DING 未读的人', 'ding.unread_default_text': '请尽快查看群里的这条消息', 'ding.new': '发 DING',
    'ding.recipients': '接收人', 'ding.unread_people': '未读的 {n} 人', 'ding.list_sep': '、', 'ding.text': 'DING 内容',
    'ding.channel': '提醒方式', 'ding.channel_in_app': '应用内', 'ding.channel_sms': '短信', 'ding.channel_call': '电话',
    'ding.channel_hint': '短信和电话 DING 每人每天最多 {n} 次', 'ding.schedule': '定时发送', 'ding.send_at': '发送时间',
    'ding.send_at_missing': '请选择发送时间', 'ding.timezone_hint': '按组织时区 {tz}', 'ding.remind': '未确认时自动提醒',
    'ding.remind_every': '每', 'ding.remind_minutes_times': '分钟提醒一次，最多', 'ding.remind_times_tail': '次',
    'ding.escalate': '未确认时升级提醒方式', 'ding.escalate_after': '未确认', 'ding.escalate_to': '分钟后依次升级为 {ladder}',
    'ding.send': '发送', 'ding.sent_toast': 'DING 已发出', 'ding.scheduled_toast': 'DING 已定时',
    'ding.tab_received': '我收到的', 'ding.tab_sent': '我发出的', 'ding.none_received': '还没有收到 DING',
    'ding.none_sent': '还没有发过 DING', 'ding.status_scheduled': '定时 {at}', 'ding.status_cancelled': '已取消',
    'ding.status_confirmed': '已确认', 'ding.status_pending': '待确认', 'ding.progress': '{done}/{total} 人已确认',
    'ding.sent_by_me': '我发出的 DING', 'ding.attachment': '附件', 'ding.plan_remind': '每 {every} 分钟提醒，共 {times} 次',
    'ding.plan_no_remind': '不自动提醒', 'ding.plan_escalate': '{n} 分钟未确认则升级', 'ding.you_confirmed_at': '你已于 {at} 确认',
    'ding.people_unconfirmed': '未确认 {n}', 'ding.people_confirmed': '已确认 {n}', 'ding.reding': '再次 DING 未确认的 {n} 人',
    'ding.reding_toast': '已再次 DING {n} 人', 'ding.cancel': '取消定时 DING',
    'ding.cancel_question': '取消这条定时 DING？取消后不会发出。', 'ding.confirmed_at': '{at} 已确认',
    'ding.reminded_n': '未确认，已提醒 {n} 次', 'ding.not_confirmed': '未确认', 'ding.nobody_confirmed': '还没有人确认',
    'ding.everyone_confirmed': '所有人都已确认',
  },
  en: {
    'nav.label': 'Navigation', 'nav.chat': 'Messages', 'nav.directory': 'Directory', 'nav.admin': 'Admin', 'nav.account': 'Me',

    'common.actions': 'Actions', 'common.back': 'Back', 'common.cancel': 'Cancel', 'common.close': 'Close',
    'common.confirm': 'OK', 'common.confirm_title': 'Please confirm', 'common.delete': 'Delete', 'common.done': 'Done',
    'common.edit': 'Edit', 'common.load_more': 'Load more', 'common.loading': 'Loading…', 'common.next': 'Next',
    'common.prev': 'Previous', 'common.none': 'Not given', 'common.page_range': '{from}–{to} of {total}',
    'common.remove': 'Remove', 'common.retry': 'Retry', 'common.save': 'Save', 'common.saved': 'Saved',
    'common.switch_language': 'Switch language',

    'error.generic': 'Something went wrong; try again later', 'error.network': 'Could not reach the server; check the network and retry',

    'auth.tagline': 'Your team\'s directory and workplace', 'auth.login_title': 'Sign in to Tack', 'auth.signup_title': 'Create an account',
    'auth.login': 'Sign in', 'auth.signup': 'Sign up', 'auth.login_id': 'Phone or e-mail', 'auth.login_id_hint': 'Your phone number or e-mail',
    'auth.password': 'Password', 'auth.password_hint': 'At least 8 characters', 'auth.totp_code': 'Verification code',
    'auth.no_account': 'No account yet?', 'auth.to_signup': 'Sign up', 'auth.have_account': 'Have an account?', 'auth.to_login': 'Sign in',
    'auth.contact_hint': 'Give a phone number, an e-mail, or both', 'auth.signed_out': 'Your session has ended; sign in again',

    'org.switch': 'Switch organization', 'org.current': 'Current', 'org.none': 'No organization', 'org.none_title': 'You are not in any organization yet',
    'org.none_hint': 'Create a new organization, or join one through an invitation link from a colleague.', 'org.create': 'Create organization',
    'org.create_title': 'Create a new organization', 'org.name': 'Organization name',

    'role.owner': 'Owner', 'role.admin': 'Admin', 'role.subadmin': 'Sub-admin', 'role.member': 'Member',

    'directory.departments': 'Departments', 'directory.members': 'Members', 'directory.search': 'Search members',
    'directory.search_placeholder': 'Search name, pinyin, phone, employee no.', 'directory.search_results': 'Results for “{q}”',
    'directory.no_results': 'No matching members', 'directory.no_members': 'No members in this department', 'directory.path': 'Department path',
    'directory.count': '{total} people', 'directory.expand': 'Expand', 'directory.collapse': 'Collapse',

    'member.name': 'Name', 'member.phone': 'Phone', 'member.email': 'E-mail', 'member.job_title': 'Job title',
    'member.employee_no': 'Employee no.', 'member.departments': 'Departments', 'member.manager': 'Manager', 'member.hire_date': 'Hire date',
    'member.role': 'Role', 'member.status': 'Status', 'member.active': 'Active', 'member.inactive': 'Deactivated',
    'member.phone_hidden': 'Hidden', 'member.hide_phone': 'Hide phone number from colleagues',
    'member.add': 'Add member', 'member.added': 'Member added', 'member.edit': 'Edit member',
    'member.all_departments': 'All departments', 'member.include_inactive': 'Show deactivated members',
    'member.deactivate': 'Deactivate', 'member.reactivate': 'Reactivate', 'member.confirm_deactivate': 'Deactivate “{name}”? They will lose access to this organization.',
    'member.set_role': 'Set role', 'member.scope': 'Scope (sub-admin)', 'member.issue_password': 'Reset password',
    'member.confirm_issue_password': 'Generate a new password for “{name}”? All their sessions will be signed out.',
    'member.password_issued': 'New password', 'member.password_for': 'Password for {name}:',
    'member.password_once': 'This password is shown only once. Pass it on now and ask them to change it after signing in.',
    'member.first_password': 'First password', 'member.first_password_hint': 'Leave empty to generate one',

    'department.name': 'Department name', 'department.parent': 'Parent department', 'department.sort_order': 'Order',
    'department.sort_hint': 'Smaller numbers come first', 'department.hidden': 'Hidden', 'department.hidden_label': 'Hide this department in the directory',
    'department.managers': 'Managers', 'department.create': 'New department', 'department.edit': 'Edit department',
    'department.confirm_delete': 'Delete the department “{name}”?',

    'admin.tab.departments': 'Departments', 'admin.tab.members': 'Members', 'admin.tab.invitations': 'Invitations',
    'admin.tab.join_requests': 'Join requests', 'admin.tab.import': 'Import & export', 'admin.tab.audit': 'Audit log',

    'picker.search_member': 'Search a member by name or pinyin',

    'invitation.create': 'Create invitation link', 'invitation.department': 'Join department', 'invitation.no_department': 'None (root department)',
    'invitation.expires_in': 'Valid for', 'invitation.days': '{n} days', 'invitation.requires_approval': 'Needs admin approval',
    'invitation.link': 'Invitation link', 'invitation.copy': 'Copy', 'invitation.copied': 'Link copied',
    'invitation.download_png': 'Download QR PNG', 'invitation.revoke': 'Revoke', 'invitation.confirm_revoke': 'The link and QR code stop working at once. Revoke?',
    'invitation.active': 'Active', 'invitation.expired': 'Expired', 'invitation.revoked': 'Revoked',
    'invitation.expires_at': 'Valid until {at}', 'invitation.into': 'Joins “{name}”', 'invitation.none': 'No invitation links yet',
    'invitation.qr_alt': 'Invitation QR code',

    'join_request.approve': 'Approve', 'join_request.reject': 'Reject', 'join_request.none': 'No pending join requests',

    'import.title': 'Import members', 'import.file': 'File (CSV or Excel)',
    'import.hint': 'First row is the header: 姓名 (name), 手机号 (phone), 邮箱 (e-mail), 职位, 工号, 部门 (departments, levels separated by "/"), 直属主管, 入职日期.',
    'import.upload': 'Upload and import', 'import.created': '{n} created', 'import.failed': '{n} failed',
    'import.summary': '{total} rows, {departments} departments created', 'import.row': 'Row', 'import.code': 'Error code', 'import.message': 'Reason',
    'export.title': 'Export the directory', 'export.hint': 'An exported file works as an import template.', 'export.csv': 'Export CSV', 'export.xlsx': 'Export Excel',

    'audit.time': 'Time', 'audit.actor': 'By', 'audit.action': 'Action', 'audit.target': 'Target', 'audit.detail': 'Details',
    'audit.none': 'Nothing recorded yet',
    'audit.department.create': 'Created department', 'audit.department.update': 'Changed department', 'audit.department.delete': 'Deleted department',
    'audit.department.set_managers': 'Set managers', 'audit.member.add': 'Added member', 'audit.member.update': 'Changed member',
    'audit.member.deactivate': 'Deactivated member', 'audit.member.reactivate': 'Reactivated member', 'audit.member.set_role': 'Set role',
    'audit.member.issue_password': 'Reset password', 'audit.member.import': 'Imported members', 'audit.invitation.create': 'Created invitation',
    'audit.invitation.revoke': 'Revoked invitation', 'audit.join_request.approve': 'Approved join request', 'audit.join_request.reject': 'Rejected join request',
    'audit.org.update': 'Changed organization',

    'join.title': 'You are invited to join', 'join.department': 'Department: {name}', 'join.needs_approval': 'An admin approves new members',
    'join.expires': 'Link valid until {at}', 'join.accept': 'Join organization', 'join.as': 'Signed in as {name}',
    'join.sign_in_first': 'Sign in or sign up first, then come back here to join.', 'join.pending': 'Request sent; an admin of “{org}” will review it.',

    'account.title': 'Me', 'account.language': 'Language', 'account.change_password': 'Change password',
    'account.old_password': 'Current password', 'account.new_password': 'New password', 'account.password_changed': 'Password changed; other devices were signed out',
    'account.sessions': 'Sessions', 'account.logout': 'Sign out', 'account.logout_everywhere': 'Sign out everywhere',
    'account.logout_everywhere_hint': 'Sign this account out of every browser and device.',
    'account.totp': 'Two-step verification', 'account.totp_hint': 'Signing in will also ask for a 6-digit code from an authenticator app.',
    'account.totp_setup': 'Turn on two-step verification', 'account.totp_scan': 'Add the secret below to your authenticator app (or make a QR code from the link), then enter the code it shows.',
    'account.totp_secret': 'Secret', 'account.totp_uri': 'Link', 'account.totp_enable': 'Verify and turn on',
    'account.totp_enabled': 'Two-step verification is on', 'account.totp_on': 'On', 'account.totp_disable': 'Turn off two-step verification',
    'account.totp_disabled': 'Two-step verification is off',

    'chat.conversations': 'Conversations', 'chat.conversation': 'Conversation', 'chat.search': 'Search', 'chat.search_placeholder': 'Search chats and messages',
    'chat.search_messages': 'Messages', 'chat.no_messages_found': 'No matching messages', 'chat.no_match': 'No matching chats',
    'chat.no_conversations': 'No chats yet; press “New” to start one', 'chat.pick': 'Choose a chat to start',
    'chat.new': 'New', 'chat.new_direct': 'Direct chat', 'chat.new_group': 'Group chat', 'chat.group_name': 'Group name',
    'chat.group_members': 'Members', 'chat.create_group': 'Create group', 'chat.group_default': 'Group ({n})',
    'chat.unread_n': '{n} unread', 'chat.more_actions': 'More actions', 'chat.pinned_top': 'Pinned to top', 'chat.muted': 'Muted',
    'chat.pin_top': 'Pin to top', 'chat.unpin_top': 'Unpin from top', 'chat.mute': 'Mute', 'chat.unmute': 'Unmute',
    'chat.you': 'You', 'chat.list_sep': ', ', 'chat.not_found': 'This chat does not exist or you are no longer in it', 'chat.removed': 'You are no longer in this chat',
    'chat.new_below': 'New messages ↓', 'chat.beginning': 'No earlier messages', 'chat.mention': 'Mention a member',
    'chat.input': 'Message', 'chat.input_placeholder': 'Message; Enter sends, Shift+Enter adds a line, @ mentions',
    'chat.send': 'Send', 'chat.attach': 'Send an image or file', 'chat.sending': 'Sending…', 'chat.send_failed': 'Not sent', 'chat.resend': 'Retry',
    'chat.muted_all_note': 'Only the owner and admins may speak in this group now',
    'chat.message_actions': 'Message actions', 'chat.reply': 'Reply', 'chat.recall': 'Recall', 'chat.pin': 'Pin message', 'chat.unpin': 'Unpin message',
    'chat.copy': 'Copy', 'chat.pinned': 'Pinned', 'chat.pinned_n': 'Pinned {n}', 'chat.pinned_messages': 'Pinned messages',
    'chat.replying_to': 'Replying to {name}:', 'chat.cancel_reply': 'Cancel reply', 'chat.quote_recalled': 'This message was recalled',
    'chat.recalled_self': 'You recalled a message', 'chat.recalled_other': '{name} recalled a message',
    'chat.all_read': 'All read', 'chat.n_unread': '{n} unread', 'chat.receipts_title': 'Read receipts',
    'chat.unread_tab': 'Unread {n}', 'chat.read_tab': 'Read {n}', 'chat.nobody_unread': 'Everyone has read it', 'chat.nobody_read': 'Nobody has read it yet',
    'chat.mention_all': '@all', 'chat.mention_all_token': 'all',
    'chat.kind.card': 'Card', 'chat.kind.image': 'Image', 'chat.kind.file': 'File',
    'chat.sys.created': '{who} created the group with {names}', 'chat.sys.renamed': '{who} renamed the group to “{name}”',
    'chat.sys.notice_updated': '{who} updated the group notice', 'chat.sys.mute_all_on': '{who} muted everyone but admins',
    'chat.sys.mute_all_off': '{who} unmuted everyone', 'chat.sys.members_added': '{who} added {names}',
    'chat.sys.member_left': '{names} left the group', 'chat.sys.member_removed': '{by} removed {names}',
    'chat.sys.dissolved': '{who} dissolved the group', 'chat.sys.owner_transferred': '{who} made {names} the owner',
    'chat.sys.other': 'System message',

    'nav.ding': 'DING', 'ding.alerts': 'DING alerts', 'ding.from': 'DING from {name}', 'ding.confirm': 'Got it',
    'ding.confirmed_toast': 'Confirmed', 'ding.reason_reminder': 'Reminder {n}', 'ding.reason_reding': 'DING again',
    'ding.n_more': '{n} more to confirm', 'ding.fold': 'Show fewer', 'ding.n_pending': '{n} DINGs to confirm',
    'ding.ding_unread': 'DING those who have not read',
    'ding.unread_default_text': 'Please read this message in the group soon', 'ding.new': 'New DING',
    'ding.recipients': 'To', 'ding.unread_people': '{n} who have not read', 'ding.list_sep': ', ',
    'ding.text': 'Message', 'ding.channel': 'Deliver by', 'ding.channel_in_app': 'In-app', 'ding.channel_sms': 'SMS',
    'ding.channel_call': 'Phone call', 'ding.channel_hint': 'At most {n} SMS / call DINGs per person a day',
    'ding.schedule': 'Send later', 'ding.send_at': 'Send at', 'ding.send_at_missing': 'Choose when to send',
    'ding.timezone_hint': "In the organization's time zone, {tz}", 'ding.remind': 'Remind until confirmed',
    'ding.remind_every': 'Every', 'ding.remind_minutes_times': 'minutes, at most', 'ding.remind_times_tail': 'times',
    'ding.escalate': 'Escalate when not confirmed', 'ding.escalate_after': 'After',
    'ding.escalate_to': 'minutes, step up to {ladder}', 'ding.send': 'Send', 'ding.sent_toast': 'DING sent',
    'ding.scheduled_toast': 'DING scheduled', 'ding.tab_received': 'Received', 'ding.tab_sent': 'Sent',
    'ding.none_received': 'No DINGs received yet', 'ding.none_sent': 'You have not sent any DING',
    'ding.status_scheduled': 'Scheduled {at}', 'ding.status_cancelled': 'Cancelled',
    'ding.status_confirmed': 'Confirmed', 'ding.status_pending': 'To confirm',
    'ding.progress': '{done}/{total} confirmed', 'ding.sent_by_me': 'DING sent by me',
    'ding.attachment': 'Attachment', 'ding.plan_remind': 'reminds every {every} min, {times} times',
    'ding.plan_no_remind': 'no reminders', 'ding.plan_escalate': 'escalates after {n} min',
    'ding.you_confirmed_at': 'You confirmed at {at}', 'ding.people_unconfirmed': 'Not confirmed {n}',
    'ding.people_confirmed': 'Confirmed {n}', 'ding.reding': 'DING the {n} unconfirmed again',
    'ding.reding_toast': 'DINGed {n} people again', 'ding.cancel': 'Cancel scheduled DING',
    'ding.cancel_question': 'Cancel this scheduled DING? It will not be sent.',
    'ding.confirmed_at': 'Confirmed {at}', 'ding.reminded_n': 'Not confirmed, reminded {n} times',
    'ding.not_confirmed': 'Not confirmed', 'ding.nobody_confirmed': 'Nobody has confirmed yet',
    'ding.everyone_confirmed': 'Everyone has confirmed',
  },
};

const listeners = [];

export function getLang() {
  const stored = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.includes(stored) ? stored : 'zh-CN';
}

export function setLang(lang) {
  if (!LANGUAGES.includes(lang) || lang === getLang()) return;
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  listeners.forEach((fn) => fn(lang));
}

export function onLangChange(fn) {
  listeners.push(fn);
}

export function hasKey(key) {
  return key in MESSAGES[getLang()];
}

// t('common.page_range', {from: 1, to: 20, total: 43}); an unknown key shows itself, so gaps are visible.
export function t(key, params) {
  const text = MESSAGES[getLang()][key] ?? MESSAGES['zh-CN'][key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)) : text;
}
