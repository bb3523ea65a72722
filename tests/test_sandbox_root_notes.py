"""A worker that runs as root says so in the report's notes, in one note: when no pool of
worker users is named (the pytest plugin, the Python API and ``check`` as root lease
none), and whenever it kept capabilities it could not give up (a container without
``CAP_SETPCAP``; simulated here by grading from a process that gave it up), even when
``CHAINGRADE_WORKER_USER=`` asked for root on purpose. Each grading runs in a process of
its own, as root, with the environment the case needs.
"""

from __future__ import annotations

import os
import textwrap

from platform_support import need_root
from test_root_worker import graded_in_a_process

pytest_plugins = ["pytester"]

#: Grades the reference solution (arithmetic only) and prints the report's notes; with
#: ``without-setpcap``, first gives up CAP_SETPCAP (which dropping the bounding set and
#: locking the securebits need) for good, as a container that withholds it does.
GRADE = textwrap.dedent(
    """
    import ctypes, dataclasses, json, sys
    from graders.assignment import load
    from graders.engine.grader import EngineGrader
    from graders.sandbox import capabilities as c

    if sys.argv[1] == "without-setpcap":  # from the bounding set too: root regains
        libc = ctypes.CDLL(None, use_errno=True)  # it from there on execve
        assert libc.prctl(24, 8, 0, 0, 0) == 0  # PR_CAPBSET_DROP, CAP_SETPCAP
        header, data = c._Header(c._LINUX_CAPABILITY_VERSION_3, 0), (c._Data * 2)()
        assert libc.capget(ctypes.byref(header), data) == 0
        data[0].effective &= ~(1 << 8)
        data[0].permitted &= ~(1 << 8)
        data[0].inheritable &= ~(1 << 8)
        assert libc.capset(ctypes.byref(header), data) == 0
    assignment = load("scalar_autodiff")
    assignment = dataclasses.replace(
        assignment, parts=tuple(p for p in assignment.parts if p.name == "arithmetic")
    )
    report = EngineGrader(assignment, assignment.solution, examples=2).grade()
    print(json.dumps({"score": [report.score, report.max_score], "notes": report.notes}))
    """
)


def _notes(tmp_path, mode: str, **environment: str) -> list[str]:
    need_root()
    env = {k: v for k, v in os.environ.items() if k != "CHAINGRADE_WORKER_USER"}
    graded, _ = graded_in_a_process(GRADE, mode, {**env, **environment}, tmp_path)
    assert graded["score"][0] == graded["score"][1], graded  # it never costs a mark
    return [n for n in graded["notes"] if "root" in n]


def test_a_root_worker_because_no_pool_is_named_is_said_in_one_note(tmp_path):
    (note,) = _notes(tmp_path, "as-is")
    assert note.startswith("the worker ran the submission as root (uid 0:"), note
    assert "without any capability" in note and "CHAINGRADE_WORKER_USER" in note, note


def test_capabilities_a_root_worker_could_not_drop_are_named_even_on_purpose(tmp_path):
    (note,) = _notes(tmp_path, "without-setpcap", CHAINGRADE_WORKER_USER="")
    assert "could not give up every capability" in note, note
    assert "capabilities left (CapBnd " in note and "securebits refused" in note, note


def test_root_on_purpose_with_every_capability_dropped_adds_no_note(tmp_path):
    assert _notes(tmp_path, "as-is", CHAINGRADE_WORKER_USER="") == []


def test_the_pytest_plugin_as_root_with_no_pool_says_so_in_results_json(pytester, monkeypatch):
    need_root()
    from test_plugin import results_of, run, set_up_assignment

    monkeypatch.delenv("CHAINGRADE_WORKER_USER", raising=False)  # as a course's CI has it
    student = set_up_assignment(pytester)
    result = run(
        pytester,
        "--submission",
        str(student),
        "-k",
        "arithmetic",
        "--examples",
        "2",
        "--gradescope-results",
        "results.json",
    )
    assert result.ret in (0, 1), result.stdout.str()[-3000:]
    data = results_of(pytester.path / "results.json")
    notes = [n for n in data["extra_data"]["notes"] if "as root" in n]
    assert len(notes) == 1 and "without any capability" in notes[0], data["extra_data"]
    assert notes[0] in data["output"]
