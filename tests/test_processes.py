"""``graders.sandbox.processes.kill_tree``: the one way a process tree is killed (the
supervisor, the runner's fallback and batch's grading server all use it)."""

from __future__ import annotations

import subprocess
import sys
import time

from graders.sandbox.processes import descendants, kill_tree

#: A parent whose child leaves for a session of its own and forks a grandchild; every one
#: writes its pid (one line, in one write) and sleeps.
FAMILY = """
import os, time
say = lambda: os.write(1, b"%d\\n" % os.getpid())
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        say()
        time.sleep(60)
        os._exit(0)
    say()
    time.sleep(60)
    os._exit(0)
say()
time.sleep(60)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _family() -> tuple[subprocess.Popen, list[int]]:
    process = subprocess.Popen([sys.executable, "-c", FAMILY], stdout=subprocess.PIPE)
    pids = [int(process.stdout.readline()) for _ in range(3)]
    return process, pids


def test_kill_tree_kills_a_process_and_what_left_for_its_own_session():
    process, pids = _family()
    assert all(_running(pid) for pid in pids)
    assert set(descendants(process.pid)) == set(pids) - {process.pid}
    kill_tree(process.pid)
    process.wait(timeout=5)
    deadline = time.monotonic() + 5
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(_running(pid) for pid in pids)


def test_kill_tree_can_spare_the_root_and_reaps_as_asked():
    process, pids = _family()
    reaped = []
    kill_tree(process.pid, itself=False, reap=lambda: reaped.append(True))
    try:
        assert reaped
        assert _running(process.pid)
        assert not any(_running(pid) for pid in descendants(process.pid, running=True))
    finally:
        kill_tree(process.pid)
        process.wait(timeout=5)
