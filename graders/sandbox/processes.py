"""Killing a process and everything it started, from the trusted side.

Used where the normal clean-up could not run: the runner when a supervisor does not stop
in time, and batch when a whole grading outlives its time-out. A student's worker runs in
a session of its own, so killing one process group is not enough: every descendant (found
through ``/proc``) and its group is killed too, never the caller's own group.
"""

from __future__ import annotations

import os
import signal
import subprocess


def descendants(root: int, *, running: bool = False) -> list[int]:
    """Every process whose chain of parents reaches ``root``, from ``/proc``; with
    ``running``, only those not yet exited (zombies left out)."""
    children: dict[int, list[int]] = {}
    exited: set[int] = set()
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                state, parent = f.read().rsplit(b")", 1)[1].split()[:2]
            parent = int(parent)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
        if state == b"Z":
            exited.add(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return [pid for pid in found if pid not in exited] if running else found


def kill_tree(process: subprocess.Popen, *, wait: float = 5.0) -> None:
    """SIGKILL ``process``, its descendants and their process groups; reap ``process``."""
    ours = os.getpgrp()
    for pid in [process.pid, *descendants(process.pid)]:
        try:
            group = os.getpgid(pid)
            if group != ours:
                os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait
        pass
