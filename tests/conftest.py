"""Test-suite rules shared by every test file.

A skipped test is a hole in CI, so a skip is reported as a failure: a test
whose prerequisite is missing (chromium, the reference package...) must fail
loudly, not vanish from the summary. Fixtures used by several test files
live here.
"""

import pickle

import pytest

import mnist1d


@pytest.fixture(scope="module")
def data():
    """The published MNIST-1D dataset (generated once per test module)."""
    return mnist1d.make_dataset()


class _Exploit:
    """Unpickling this would create a file: proof that a pickle was (not) loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def trapped_pickle(tmp_path):
    """``(path, marker)``: a pickle at ``tmp_path/mnist1d_data.pkl`` that creates ``marker`` if it is ever unpickled."""
    marker, path = tmp_path / "exploited", tmp_path / "mnist1d_data.pkl"
    path.write_bytes(pickle.dumps({"x": _Exploit(marker)}))
    return path, marker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped tests are not allowed in this suite (skip reason: {reason})"
