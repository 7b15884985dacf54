"""Durable jobs: handlers registered by name ("domain.verb"), rows written by
`UnitOfWork.enqueue` in the transaction that causes them, and a runner that claims, runs and
retries them. Knows no domain: domains register their handlers from their tasks.py."""

from tack.jobs.registry import Handler, JobRegistry
from tack.jobs.runner import Backoff, JobRunner

__all__ = ["Backoff", "Handler", "JobRegistry", "JobRunner"]
