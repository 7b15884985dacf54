"""Errors with a status code and a stable machine code; routes never build error bodies themselves."""

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "Bad request"

    def __init__(self, message: str | None = None, *, code: str | None = None, **detail: Any) -> None:
        self.message = message or type(self).message
        if code:
            self.code = code
        self.detail = detail
        super().__init__(self.message)


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Sign in first"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = "You may not do that"


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message = "Conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    message = "The upload is too large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"
    message = "Unsupported file type"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many attempts"
