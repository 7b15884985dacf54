"""Stable error codes of approvals (zh-CN texts in core/i18n.py)."""

from tack.core.errors import AppError, BadRequest, Conflict, Forbidden, NotFound


class TemplateNotFound(NotFound):
    code = "approval_template_not_found"
    message = "No such approval template, or you may not use it"


class InstanceNotFound(NotFound):
    code = "approval_not_found"
    message = "No such approval"


class RoleNotFound(NotFound):
    code = "approval_role_not_found"
    message = "No such approval role"


class FileNotFound(NotFound):
    code = "approval_file_not_found"
    message = "No such file"


class InvalidForm(AppError):
    status_code = 422
    code = "approval_invalid_form"
    message = "The form is not filled in correctly"


class InvalidTemplate(AppError):
    status_code = 422
    code = "approval_invalid_template"
    message = "The template's form or flow has errors"


class NotYourTurn(Conflict):
    code = "approval_not_your_turn"
    message = "This approval is not waiting for you (already decided, or not your step)"


class NotRunning(Conflict):
    code = "approval_not_running"
    message = "This approval is already finished"


class SubmitterOnly(Forbidden):
    code = "approval_submitter_only"
    message = "Only the submitter may do that"


class NeedsChoice(AppError):
    status_code = 422
    code = "approval_choose_approvers"
    message = "Choose the approvers of the steps that ask for your choice"


class DuplicateInvoice(Conflict):
    code = "approval_duplicate_invoice"
    message = "This invoice is already in another reimbursement"


class InsufficientBalance(Conflict):
    code = "approval_insufficient_balance"
    message = "Not enough leave left of this type"


class UrgeTooSoon(Conflict):
    code = "approval_urge_too_soon"
    message = "You urged this approval a moment ago; try again later"


class BadReturn(BadRequest):
    code = "approval_bad_return"
    message = "You can only return to an earlier step"


class BadTransfer(BadRequest):
    code = "approval_bad_transfer"
    message = "That person already approves this step, or is you"


class NotRevocable(Conflict):
    code = "approval_not_revocable"
    message = "Only an approved request can be revoked"


class ExportTooLarge(AppError):
    status_code = 422
    code = "approval_export_too_large"
    message = "Too many approvals to export at once; narrow the period or filter by template or status"
