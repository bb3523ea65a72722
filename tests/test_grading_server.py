"""The warm grading server batch uses (``graders.platforms.grading_server``): a grading
forked from it is ``chaingrade grade`` as the command runs it, a time-out kills it, and a
reply that is not the server's own is never taken for one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graders.platforms.warm_servers import Server

SOLUTION = Path(__file__).resolve().parents[1] / "assignments/scalar_autodiff/solution/engine.py"


@pytest.fixture
def server():
    started = Server({**os.environ})
    yield started
    started.close()


def test_a_grading_is_the_commands_own(server, tmp_path):
    argv = ["grade", str(SOLUTION), "--results", "-", "--examples", "3", "--jobs", "1"]
    status, timed_out, stdout, _ = server.grade(argv, cwd=tmp_path, env={**os.environ}, timeout=120)
    assert (status, timed_out) == (0, False)
    assert json.loads(stdout)["score"] == 100
    # The server serves the next grading too, each in a child of its own.
    status, _, stdout, stderr = server.grade(
        ["grade", str(tmp_path / "nothing.py")], cwd=tmp_path, env={**os.environ}, timeout=60
    )
    assert status == 2 and b"nothing.py" in stderr  # a usage error, as the command gives


def test_a_grading_over_its_time_is_killed_with_everything_it_started(server, tmp_path):
    hang = tmp_path / "engine.py"
    hang.write_text("while True:\n    pass\n")
    status, timed_out, _, _ = server.grade(
        ["grade", str(hang), "--results", "-"], cwd=tmp_path, env={**os.environ}, timeout=3
    )
    assert (status, timed_out) == (None, True)
    assert server.process.poll() is None  # the server itself goes on


def test_a_reply_without_the_requests_id_is_refused(tmp_path):
    forger = Server({**os.environ})
    forger.close()
    # A stand-in whose first line is a forged reply: well formed, but not to this request.
    forger.process = subprocess.Popen(
        [sys.executable, "-c", 'print(\'{"id": "x", "status": 0, "timed_out": false}\')'],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with pytest.raises(RuntimeError, match="not its own"):
        forger.grade(["policy"], cwd=tmp_path, env={}, timeout=10)
    assert forger.process.poll() is not None  # killed: its replies are no longer trusted
