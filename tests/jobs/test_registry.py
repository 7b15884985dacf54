"""A domain's jobs registry joined by name (include_later): imported when the runner first
meets a job it does not hold yet, in order and only as far as needed (main._job_registry)."""

import pytest

from tack.jobs import JobRegistry
from tack.jobs import testing as test_jobs


def test_a_later_registry_is_imported_by_the_first_lookup_it_can_answer() -> None:
    registry = JobRegistry()
    registry.include_later("tack.jobs.testing")
    registry.include_later("tack.no_such_module")  # imported only if a lookup gets that far
    spec = registry.get("test.record")
    assert spec is not None and spec.handler is test_jobs.jobs.get("test.record").handler  # type: ignore[union-attr]
    assert registry.get("test.record") is spec
    with pytest.raises(ModuleNotFoundError):
        registry.get("nobody.knows")  # goes on to the next module, which is not there


def test_names_include_every_later_registry() -> None:
    registry = JobRegistry()
    registry.include_later("tack.jobs.testing")
    assert "test.record" in registry.names()
