"""A grading imports the submission once, and each part starts from it as just imported.

The worker that imports the submission is a zygote (``worker.serve``): each part is served
by a copy of it forked for that part (``Runner.next_part``). What one part leaves behind
in the engine's module state never reaches the next part, so grading every part gives
what grading each part alone gives.
"""

import dataclasses
from pathlib import Path

import pytest

from graders.assignment import load as load_assignment
from graders.engine.grader import EngineGrader
from graders.sandbox.policy import Policy

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")

#: Appended to the reference solution: records each import, and the first reverse pass
#: of each process; after that many reverse passes in one process the engine gets every
#: gradient wrong (state kept across parts would make a later part fail).
RECORDING = """

import os as _os

_PROBE = {probe!r}
with open(_os.path.join(_PROBE, "imports.txt"), "a") as _file:
    _file.write(f"{{_os.getpid()}}\\n")
_passes = [0]
_backward = Tensor.backward


def _recording_backward(self):
    _passes[0] += 1
    if _passes[0] == 1:
        with open(_os.path.join(_PROBE, "parts.txt"), "a") as file:
            file.write(f"{{_os.getpid()}}\\n")
    _backward(self)
    if _passes[0] > {worn_out}:
        self.grad = 2 * self.grad


Tensor.backward = _recording_backward
"""


def load(name: str):
    """The assignment without its static policy (the recording opens files)."""
    return dataclasses.replace(load_assignment(name), policy=Policy(enabled=False))


def submission(tmp_path: Path, worn_out: int) -> Path:
    probe = tmp_path / "probe"
    probe.mkdir()
    engine = tmp_path / "engine.py"
    solution = load("scalar_autodiff").solution.read_text()
    engine.write_text(solution + RECORDING.format(probe=str(probe), worn_out=worn_out))
    return engine


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_the_submission_is_imported_once_and_each_part_gets_a_fresh_copy(tmp_path):
    assignment = load("scalar_autodiff")
    report = EngineGrader(assignment, submission(tmp_path, worn_out=10**9), examples=3).grade()
    assert report.score == report.max_score
    imports, parts = lines(tmp_path / "probe/imports.txt"), lines(tmp_path / "probe/parts.txt")
    assert len(imports) == 1
    # One copy per part: each made its first reverse pass (its own state, from zero).
    assert len(parts) == len(set(parts)) == len(assignment.parts)
    assert imports[0] not in parts


def test_what_one_part_does_to_module_state_never_reaches_the_next(tmp_path):
    # Worn out after 4,000 reverse passes in one process: more than a part makes here,
    # fewer than all parts make together.
    assignment = load("scalar_autodiff")
    engine = submission(tmp_path, worn_out=4000)
    whole = EngineGrader(assignment, engine, examples=3).grade()
    last = assignment.parts[-1].name
    alone = EngineGrader(assignment, engine, examples=3).grade(parts=[last])
    assert whole.part(last).score == alone.part(last).score == alone.part(last).max_score
    assert whole.score == whole.max_score


#: Appended to the reference solution: a table warmed up by a thread started on import,
#: which ``exp`` waits for. A forked copy would not have the thread and would wait forever.
WARMING_THREAD = """

import threading as _threading

_warm = _threading.Event()
_threading.Thread(target=lambda: (__import__("time").sleep(0.2), _warm.set()), daemon=True).start()
_exp = exp


def exp(x):
    _warm.wait()
    return _exp(x)
"""


def test_a_submission_with_threads_from_its_import_is_imported_for_every_part(tmp_path):
    engine = tmp_path / "engine.py"
    engine.write_text(load("scalar_autodiff").solution.read_text() + WARMING_THREAD)
    report = EngineGrader(load("scalar_autodiff"), engine, examples=3).grade()
    assert report.score == report.max_score


def test_parts_graded_at_once_import_the_submission_once_per_process(tmp_path):
    """Three processes grade the parts (``jobs=3``): each imports the submission once at
    most (not once per part), and every part is still served by a fresh copy."""
    assignment = load("scalar_autodiff")
    engine = submission(tmp_path, worn_out=10**9)
    report = EngineGrader(assignment, engine, examples=3).grade(jobs=3)
    assert report.score == report.max_score
    imports, parts = lines(tmp_path / "probe/imports.txt"), lines(tmp_path / "probe/parts.txt")
    assert 1 <= len(imports) <= 3
    assert len(parts) == len(set(parts)) == len(assignment.parts)
    assert not set(imports) & set(parts)
