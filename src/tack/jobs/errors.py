"""Errors of the job admin API."""

from tack.core.errors import Conflict, NotFound


class JobNotFound(NotFound):
    code = "job_not_found"
    message = "No such job"


class JobNotFailed(Conflict):
    code = "job_not_failed"
    message = "Only a failed job can be retried"
