"""Suite-wide settings: strict visitors, hypothesis profiles, a private ledger per test."""

import os

import pytest
from hypothesis import HealthCheck, settings

# A visitor that meets a node kind it does not handle raises under the tests
# (hpdsl.nodes.unhandled), so a new grammar rule cannot ship half-supported.
os.environ["HPDSL_STRICT_VISITORS"] = "1"

# `ci` keeps the suite inside its time budget; `nightly` digs deeper:
#   HYPOTHESIS_PROFILE=nightly pytest tests/
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "nightly", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# `pytest -m quick`: the in-process unit tests, for a fast loop while working. Left out:
# tests marked slow, property-based tests (hypothesis), and the end-to-end tests that
# start processes: the language server, the reference's examples, the editors, --out
# under kills, the ledger (with its PostgreSQL server), the Dask cluster and the run command line.
_NOT_QUICK_MODULES = {"test_lsp", "test_lsp_protocol", "test_docs", "test_readme", "test_agreement", "test_properties",
                      "test_extremes", "test_outputs", "test_ledger", "test_ledger_postgres", "test_runtime_cli",
                      "test_runtime_dask"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        function = getattr(item, "function", None)
        if (item.get_closest_marker("slow") is None and item.module.__name__ not in _NOT_QUICK_MODULES
                and not getattr(function, "is_hypothesis_test", False)):
            item.add_marker(pytest.mark.quick)

@pytest.fixture(scope="session", autouse=True)
def session_ledger(tmp_path_factory):
    """A ledger for the runs of fixtures wider than one test (set up before the per-test
    one below), so that no run of the suite records into the repository's own ledger."""
    path = tmp_path_factory.mktemp("session-ledger") / "ledger.sqlite"
    previous = os.environ.get("HPDSL_LEDGER")
    os.environ["HPDSL_LEDGER"] = str(path)
    yield path
    if previous is None:
        del os.environ["HPDSL_LEDGER"]
    else:
        os.environ["HPDSL_LEDGER"] = previous


@pytest.fixture(autouse=True)
def private_ledger(tmp_path_factory, monkeypatch):
    """Every test records its runs in a ledger of its own: runs of the examples with
    different --set values in different tests do not meet (HP304), and nothing is
    written into the repository. The path is in the environment, so `hpdsl` processes
    the test starts inherit it."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    monkeypatch.setenv("HPDSL_LEDGER", str(path))
    return path
