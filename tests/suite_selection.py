"""Which tests a run runs: a plain ``pytest -n auto`` is the quick run, ``--full`` all.

A run of the whole suite (the configured test paths, no marker expression, no ``-k``) leaves
out the ``slow`` and ``platform`` tests, so a developer's run stays short; ``--full`` runs
them too, as ``.ci/run`` and ``tox`` do. A run that names its files or tests, or gives a
marker expression or ``-k``, runs what it names, long or not.

Only the xdist controller sees what the run was asked for (its workers are handed the test
paths), so it decides and tells the workers through an environment variable, set before
it starts them. ``conftest.py`` calls these hooks from its own (``from suite_selection
import *`` gives all of them to a conftest that has no hooks of the same names).
"""

from __future__ import annotations

import os

import pytest

__all__ = [
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_header",
    "pytest_unconfigure",
]

#: "1" in a quick run, "" otherwise; set by the controller (or the only process).
QUICK_RUN = "CHAINGRADE_TEST_QUICK_RUN"
#: The markers of the tests a quick run leaves out.
LEFT_OUT = ("slow", "platform")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        help="run every test, the slow and platform ones too (as .ci/run and tox do); "
        "without it, a run of the whole suite leaves them out",
    )


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _asks_for_the_whole_suite(config: pytest.Config) -> bool:
    """True for a plain ``pytest`` (``-n auto``): the configured test paths, no marker
    expression, no ``-k``, no ``--full``."""
    return (
        config.args_source == pytest.Config.ArgsSource.TESTPATHS
        and not config.getoption("markexpr")
        and not config.getoption("keyword")
        and not config.getoption("full")
    )


def pytest_configure(config: pytest.Config) -> None:
    if not _is_xdist_worker(config):
        os.environ[QUICK_RUN] = "1" if _asks_for_the_whole_suite(config) else ""


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _is_xdist_worker(config):
        os.environ.pop(QUICK_RUN, None)


def pytest_report_header(config: pytest.Config) -> str | None:
    if os.environ.get(QUICK_RUN):
        left_out = " and ".join(LEFT_OUT)
        return f"chaingrade: a quick run, without the {left_out} tests (--full: all, as CI)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a quick run, leave out the long tests (reported as deselected). Every process
    selects the same way, as xdist requires."""
    if not os.environ.get(QUICK_RUN):
        return
    kept, left_out = [], []
    for item in items:
        long = any(item.get_closest_marker(marker) for marker in LEFT_OUT)
        (left_out if long else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def first_of_each_kind(cases, kind=lambda case: None) -> list:
    """``pytest.param(*case)`` for each case of a parametrized test (a tuple, or one value):
    the first case of each kind (``kind(case)``; all one kind by default) in the quick run,
    the others ``slow`` (``--full``, as CI runs, runs every one). For cases that each prove
    the same thing of a different input, where one per kind shows a developer a break."""
    seen = set()
    params = []
    for case in cases:
        first = kind(case) not in seen
        seen.add(kind(case))
        values = case if isinstance(case, tuple) else (case,)
        params.append(pytest.param(*values, marks=() if first else pytest.mark.slow))
    return params
