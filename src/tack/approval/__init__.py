"""Approvals (审批): form templates with flows, instances, built-in leave / overtime / card correction / reimbursement."""
