"""A worker that runs as root, on purpose (``CHAINGRADE_WORKER_USER=``, empty), holds no
capability: it cannot read the grading process's environment (the private seed) through
``/proc``, whatever route it opens it by (``graders/sandbox/capabilities.py``).

The grading runs in a process of its own, started with ``CHAINGRADE_GRADING_SEED`` in its
environment (``/proc/PID/environ`` shows what a process was started with, not what it set
later), as root with the worker as root; the submission
(``tests/engines/hostile/reads_the_graders_environment_as_root.py``) reads every
ancestor's environment with libc's ``open`` through ctypes, is right only if it got the
seed, and prints what it got and its own capability sets.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

from platform_support import need_root

HOSTILE = Path(__file__).parent / "engines" / "hostile"
ATTACK = "reads_the_graders_environment_as_root.py"

#: Grades ``sys.argv[1]`` (the reference engine with the attack appended) with the static
#: policy off (the attack imports ctypes, which the policy would refuse before it runs)
#: and prints the scores and what the submission printed, as JSON.
GRADE = textwrap.dedent(
    """
    import dataclasses, json, sys
    from graders.assignment import load
    from graders.engine.grader import EngineGrader
    from graders.sandbox.policy import Policy
    from graders.sandbox.runner import Limits

    assignment = load("scalar_autodiff")
    limits = Limits(call_seconds=5, total_seconds=300, startup_seconds=120, memory_mb=1024)
    assignment = dataclasses.replace(
        assignment,
        limits=limits,
        policy=Policy(enabled=False),
        parts=tuple(p for p in assignment.parts if p.name in ("arithmetic", "trigonometry")),
    )
    report = EngineGrader(assignment, sys.argv[1], examples=4).grade()
    print(json.dumps({
        "parts": {p.part.name: [p.score, p.max_score] for p in report.parts},
        "output": report.student_output,
        "findings": [f.message for f in report.findings],
    }))
    """
)


def graded_in_a_process(script: str, argument: str, environment: dict, cwd: Path):
    """Run ``script`` (a grading) in a Python process of its own with ``argument`` and
    ``environment``: what it printed last, as JSON, and the finished process."""
    done = subprocess.run(
        [sys.executable, "-c", script, argument],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done


def test_a_root_worker_holds_no_capability_and_cannot_read_the_graders_seed(tmp_path):
    need_root()
    from graders.assignment import load

    seed = secrets.token_hex(16)
    submission = tmp_path / "submission" / "engine.py"
    submission.parent.mkdir()
    solution = load("scalar_autodiff").solution
    assert solution is not None
    submission.write_text(solution.read_text() + "\n\n" + (HOSTILE / ATTACK).read_text())
    environment = {
        **os.environ,
        "CHAINGRADE_WORKER_USER": "",  # the worker runs as root, on purpose
        "CHAINGRADE_GRADING_SEED": seed,
    }
    graded, done = graded_in_a_process(GRADE, str(submission), environment, tmp_path)
    everything = done.stdout + done.stderr
    for spelling in (seed, seed[::-1], seed.encode().hex(), " ".join(seed)):
        assert spelling not in everything
    output = graded["output"]
    lines = [line for line in output.splitlines() if line.startswith(("UID", "CAPABILITIES"))]
    # It ran as root, read no seed, and was refused every environment above it.
    assert "UID 0 STOLEN [] SEEN" in output, output
    assert " read'" not in output, output  # no environment was read ("environ of N read")
    assert "refused (errno 13)" in output, output  # EACCES: ptrace access denied
    # Its capability sets, as /proc/self/status shows them: every one zero.
    capabilities = [line for line in lines if line.startswith("CAPABILITIES")]
    assert capabilities, output
    for line in capabilities:
        sets = dict(field.split("=") for field in line.split()[1:])
        assert set(sets) == {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}, line
        assert all(int(value, 16) == 0 for value in sets.values()), line
    # Wrong unless it read the seed: trigonometry (cos) is charged; arithmetic scores full.
    trigonometry, arithmetic = graded["parts"]["trigonometry"], graded["parts"]["arithmetic"]
    assert trigonometry[0] < trigonometry[1], graded
    assert arithmetic[0] == arithmetic[1], graded


#: In a process of its own, as root: give up CAP_SETPCAP (which the securebits and the
#: bounding set need), then drop what is left, and print what ``drop`` says.
WITHOUT_SETPCAP = textwrap.dedent(
    """
    import ctypes, json
    from graders.sandbox import capabilities as c

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = c._Header(c._LINUX_CAPABILITY_VERSION_3, 0), (c._Data * 2)()
    assert libc.capget(ctypes.byref(header), data) == 0
    data[0].effective &= ~(1 << 8)  # CAP_SETPCAP
    data[0].permitted &= ~(1 << 8)
    assert libc.capset(ctypes.byref(header), data) == 0
    print(c.drop())
    print(json.dumps(c.held()))
    """
)


def test_a_capability_that_cannot_be_dropped_is_named_and_never_stops_the_worker():
    need_root()
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SETPCAP], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said, held = done.stdout.splitlines()[-2:]
    # What it could drop without CAP_SETPCAP it did (its own sets); what it could not (the
    # bounding set, the securebits) is named.
    assert said.startswith("the worker runs as root with capabilities left (CapBnd "), said
    assert "securebits refused" in said and "bounding set kept capability 0" in said, said
    sets = json.loads(held)
    assert sets["CapEff"] == sets["CapPrm"] == sets["CapInh"] == sets["CapAmb"] == 0, sets
    assert sets["CapBnd"] != 0, sets
