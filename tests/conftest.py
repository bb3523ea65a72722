"""Hypothesis profiles for the project's own tests, and a guard on what the suite writes.

``dev`` (the default) keeps a local run quick; ``ci`` (chosen when ``CI`` is set, as in
``.ci/run``, or with ``HYPOTHESIS_PROFILE=ci``) runs more examples, derandomized so a
red run can be reproduced.

The suite must write only under its temporary folders, whoever runs it (CI runs it as
root). Hypothesis keeps its storage (example database, constants cache) in a temporary
folder instead of ``.hypothesis`` in the working folder, and the session fails if the
checkout gained or changed untracked, ignored or modified files (``__pycache__`` aside),
or if anything under ``/autograder`` appeared or changed.

Tests that grade the same engine the same way share one grading per run (the ``graded``
fixture, on ``shared_runs.once_per_run``), whichever xdist worker runs them. The long
tests (``slow``, ``platform``) are collected first, so under ``pytest -n N`` no worker is
left with one of them at the end.

A run of the whole suite (no paths, no ``-m``, no ``-k``) is the quick one, without the
``slow`` and ``platform`` tests; ``--full`` runs every test, as ``.ci/run`` and ``tox`` do
(``suite_selection``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import shared_runs
import suite_selection
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from shared_runs import file_key, once_per_run
from suite_selection import pytest_addoption, pytest_report_header  # noqa: F401 - hooks

# --- Hypothesis ---------------------------------------------------------------------------

#: The variable Hypothesis reads for its storage folder; set in ``pytest_configure`` (once,
#: by the first process: xdist workers inherit it from the controller, which starts them
#: later) so no run writes ``.hypothesis`` anywhere.
_STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"
#: The variable naming the run's folder of shared gradings (the ``graded`` fixture): made
#: by the first process whatever the environment says, so no run reads another's gradings.
_GRADINGS = shared_runs.FOLDER
#: The folders this process made (and removes when pytest is done), by variable.
_OWN_FOLDERS: dict[str, str] = {}

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def _own_folder(variable: str, prefix: str) -> None:
    _OWN_FOLDERS[variable] = os.environ[variable] = tempfile.mkdtemp(prefix=prefix)


def pytest_configure(config: pytest.Config) -> None:
    # As root, ``grade`` and ``batch`` run workers as a pool of other users by default, who
    # cannot read this checkout's Python (root's). The suite's own gradings run as the
    # calling user; the platform tests clear this (``platform_support.clean_environment``)
    # and run as the platforms do, workers as other users with the system's Python.
    os.environ.setdefault("CHAINGRADE_WORKER_USER", "")
    # Here rather than at import: pytest_unconfigure runs for every configured session, but
    # not after a usage error, which would leave the folder behind.
    if not os.environ.get(_STORAGE):
        _own_folder(_STORAGE, "chaingrade-hyp-")
    set_hypothesis_home_dir(os.environ[_STORAGE])
    if not _is_xdist_worker(config):
        _own_folder(_GRADINGS, "chaingrade-gradings-")
    suite_selection.pytest_configure(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    for variable, folder in _OWN_FOLDERS.items():
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(variable, None)
        if variable == _STORAGE:
            set_hypothesis_home_dir(None)
    _OWN_FOLDERS.clear()
    suite_selection.pytest_unconfigure(config)
    if not _is_xdist_worker(config):  # the platform tests' shared folder, once all ended
        from platform_support import remove_shared_root

        remove_shared_root(config)


# --- what the suite writes ------------------------------------------------------------------

CHECKOUT = Path(__file__).resolve().parent.parent
AUTOGRADER = Path("/autograder")
_IGNORED_PARTS = {"__pycache__"}

#: A path's git status ("" under /autograder) and (mtime in ns, size), None once it is gone.
Stamp = tuple[str, "tuple[int, int] | None"]
State = dict[str, Stamp]
_BEFORE = pytest.StashKey["tuple[State | None, State | None]"]()


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _skipped(relative: str) -> bool:
    return any(part in _IGNORED_PARTS for part in Path(relative).parts)


def _walk(root: Path):
    """Every folder and file under ``root`` (``root`` included), ``__pycache__`` aside."""
    yield root
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _IGNORED_PARTS]
        for name in dirs + files:
            yield Path(folder, name)


def _checkout_state() -> State | None:
    """Untracked, ignored and modified paths of the checkout with their status and stat
    (the files inside an untracked or ignored folder one by one); None outside a git
    checkout or without git."""
    try:
        top = subprocess.run(
            ["git", "-C", str(CHECKOUT), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if Path(top).resolve() != CHECKOUT:
            return None
        listing = subprocess.run(
            [
                "git",
                "--no-optional-locks",
                "-C",
                str(CHECKOUT),
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--ignored=matching",
            ],
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8", "surrogateescape")
    except (OSError, subprocess.CalledProcessError):
        return None
    state: State = {}
    entries = iter(listing.split("\0"))
    for entry in entries:
        if not entry:
            continue
        status, relative = entry[:2], entry[3:]
        if status[0] in "RC":
            next(entries, None)  # the path it was renamed or copied from
        if _skipped(relative):
            continue
        path = CHECKOUT / relative
        if relative.endswith("/"):  # an untracked or ignored folder: each file in it
            for inner in _walk(path):
                inner_relative = inner.relative_to(CHECKOUT).as_posix()
                state[inner_relative] = (status, _stat(inner))
        else:
            state[relative] = (status, _stat(path))
    return state


def _autograder_state() -> State | None:
    """Every path under ``/autograder`` with its stat; None if there is no ``/autograder``."""
    if not AUTOGRADER.exists():
        return None
    return {str(path): ("", _stat(path)) for path in _walk(AUTOGRADER)}


def _differences(before: State | None, after: State | None, where: str) -> list[str]:
    """One line per path that appeared, changed or went away between the two states."""
    if before is None and after is None:
        return []
    if after is None:
        return [f"{where} disappeared"]
    before = before or {}
    found = []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            found.append(f"  gone:    {path}")
        elif before.get(path) != after[path]:
            kind = "changed" if path in before else "new"
            status = f" (git: {after[path][0].strip()})" if after[path][0] else ""
            found.append(f"  {kind + ':':<8} {path}{status}")
    return [f"{where}:", *found] if found else []


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_xdist_worker(session.config):
        return
    session.config.stash[_BEFORE] = (_checkout_state(), _autograder_state())


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In the controller (or the only process), after every worker has finished: fail the
    run if it wrote outside its temporary folders, and say where."""
    config = session.config
    if _is_xdist_worker(config) or _BEFORE not in config.stash:
        return
    checkout, autograder = config.stash[_BEFORE]
    found = []
    if checkout is not None:
        found += _differences(checkout, _checkout_state(), f"the checkout {CHECKOUT}")
    found += _differences(autograder, _autograder_state(), str(AUTOGRADER))
    if not found:
        return
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    title = "the test suite wrote outside its temporary folders"
    if reporter is not None:
        reporter.write_line("")  # end the progress line
        reporter.write_sep("=", title, red=True, bold=True)
        for line in found:
            reporter.write_line(line, red=True)
    else:
        print(f"{title}:", *found, sep="\n", file=sys.stderr)


# --- what a test's submissions may write ---------------------------------------------------


@pytest.fixture(autouse=True)
def _worker_may_write(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers confined by Landlock may write only their own folder: a test that uses
    ``tmp_path`` lets its submissions leave evidence there (probes), and nowhere else."""
    if "tmp_path" in request.fixturenames:
        tmp_path = request.getfixturevalue("tmp_path")
        monkeypatch.setenv("CHAINGRADE_WORKER_MAY_WRITE", str(tmp_path))


# --- the quick run, and the long tests first ----------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A quick run leaves out the long tests (``suite_selection``). The long tests
    (``platform``, then ``slow``) first, each kind in collection order: xdist hands tests
    out in this order, so the last ones, while a worker waits for the other, are short
    ones. Every process selects and sorts the same way, as xdist requires."""
    suite_selection.pytest_collection_modifyitems(config, items)

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("platform"):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)


# --- gradings shared between tests ----------------------------------------------------------


@pytest.fixture(scope="session")
def graded():
    """``graded(name, engine, api=, grading_seed=, examples=, parts=)``: the Report of
    ``graders.grading.grade`` for the assignment ``load(name, api)`` and the engine file,
    graded once per run for the same arguments and the same engine source (its file name
    and bytes: each test writes its engine to its own ``tmp_path``), shared between the
    run's xdist workers (``shared_runs.once_per_run``). A report is shared: read it, never
    change it, and use this only where a test patches nothing grading reads."""
    from graders.assignment import load  # Hypothesis and MyGrad: only when grading
    from graders.grading import grade

    def grading(name, engine, *, api=None, grading_seed=None, examples=None, parts=None):
        engine = Path(engine)
        chosen = None if parts is None else tuple(parts)
        key = repr((name, api, file_key(engine), grading_seed, examples, chosen))
        return once_per_run(
            key,
            lambda: grade(
                load(name, api=api),
                engine,
                grading_seed=grading_seed,
                examples=examples,
                parts=chosen,
            ),
        )

    return grading
