"""The quick run and the full run (``suite_selection``), in pytest subprocesses as a
developer and CI start them: a plain ``pytest -n 2`` leaves out the slow and platform
tests in every xdist worker, ``--full`` runs them, and a run that names a file runs it
whole. And CI and tox run the full command the README names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

#: One quick test, one slow, one platform.
TESTS_OF_EACH_KIND = """
import pytest

def test_quick():
    pass

@pytest.mark.slow
def test_slow():
    pass

@pytest.mark.platform
def test_platform():
    pass
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project configured as this one is: test paths, markers, and the selection hooks."""
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        testpaths = ["t"]
        pythonpath = [{str(TESTS)!r}]
        addopts = "-p no:cacheprovider"
        markers = ["slow: long", "platform: as the platform runs it"]
        """
    )
    pytester.makeconftest("from suite_selection import *\n")
    (pytester.path / "t").mkdir()
    (pytester.path / "t" / "test_kinds.py").write_text(TESTS_OF_EACH_KIND)
    return pytester


def test_a_plain_parallel_run_is_quick_and_says_so(project):
    done = project.runpytest_subprocess("-n", "2")
    done.assert_outcomes(passed=1)  # the workers deselect: xdist's summary counts none
    done.stdout.fnmatch_lines(["*a quick run, without the slow and platform tests*"])


def test_full_runs_every_test_in_every_worker(project):
    project.runpytest_subprocess("-n", "2", "--full").assert_outcomes(passed=3)


def test_a_run_that_names_its_file_runs_it_whole(project):
    project.runpytest_subprocess("t/test_kinds.py").assert_outcomes(passed=3)


def test_ci_and_tox_run_the_full_command_the_readme_names():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if not line.lstrip().startswith("#")]
    ci_tests = [line for line in commands if re.search(r"\bpytest\b", line)]
    assert ci_tests == [
        "HYPOTHESIS_PROFILE=ci CHAINGRADE_REQUIRE_ROOT_TESTS=1 pytest -n auto --full"
    ]
    assert f"`{ci_tests[0]}`" in readme
    assert "commands = pytest -n auto --full {posargs}" in tox
