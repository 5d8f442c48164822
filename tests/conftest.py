"""Test-suite rules shared by every test file.

A skipped test is a hole in CI, so a skip is reported as a failure: a test
whose prerequisite is missing (chromium, the reference package...) must fail
loudly, not vanish from the summary. Fixtures used by several test files
live here.
"""

import pytest

import mnist1d


@pytest.fixture(scope="module")
def data():
    """The published MNIST-1D dataset (generated once per test module)."""
    return mnist1d.make_dataset()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped tests are not allowed in this suite (skip reason: {reason})"
