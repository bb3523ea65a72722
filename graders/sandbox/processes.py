"""Killing a process and everything it started: the one way chaingrade does it.

Used by the supervisor (every process the submission started, its worker first, before it
exits), the runner when a supervisor does not stop in time (and, as a last resort, every
process still carrying a worker's environment marker), and batch's grading server when a
grading outlives its time-out. A student's worker runs in a session of its own, so killing
one process group is not enough: every descendant (found through ``/proc``) and its group
is killed too, never the caller's own group.

Standard library only: the supervisor loads this file by path (``supervisor.load_siblings``).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable


def descendants(root: int, *, running: bool = False) -> list[int]:
    """Every process whose chain of parents reaches ``root``, from ``/proc``, parents before
    their children; with ``running``, only those not yet exited (zombies left out)."""
    children: dict[int, list[int]] = {}
    exited: set[int] = set()
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            state, parent = _stat(int(entry))
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


def kill_tree(
    root: int,
    *,
    itself: bool = True,
    reap: Callable[[], object] | None = None,
    give_up: float = 5.0,
) -> None:
    """SIGKILL every descendant of ``root`` and its process group (never the caller's), the
    youngest first, then ``root`` itself (unless not ``itself``: the supervisor, which
    kills what is below it); again until none is left or ``give_up`` seconds have passed
    (a subreaper's orphans come back to it). A descendant is killed only while its parent
    is still one of the family, through a pidfd where there are pidfds, so a pid reused by
    then is never hit. ``reap`` is called after each round: a subreaper reaps what it
    killed (its orphans come back to it as zombies)."""
    ours = os.getpgrp()
    stop = time.monotonic() + give_up
    while True:
        victims = descendants(root, running=True)  # a zombie is past killing: reap it
        family = {root, *victims}
        for pid in reversed(victims):  # children before their parents: a parent is family
            _kill(pid, ours, family)
        if itself:
            _kill(root, ours)
            itself = False
        if reap is not None:
            reap()
        if not victims or time.monotonic() > stop:
            return
        time.sleep(0.002)


def kill_marked(variable: str, marker: str) -> None:
    """SIGKILL every process whose environment carries ``variable=marker`` (a fallback for
    processes that left the tree: a submission that killed its supervisor)."""
    needle = f"{variable}={marker}".encode() + b"\0"
    for _ in range(3):
        found = False
        try:
            entries = [e for e in os.listdir("/proc") if e.isdigit()]
        except OSError:
            return
        for entry in entries:
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    environ = f.read()
            except OSError:
                continue
            if needle in environ:
                found = True
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.01)


def _kill(pid: int, ours: int, family: set[int] | None = None) -> None:
    """SIGKILL ``pid``'s process group (unless it is ``ours``) and ``pid``; with ``family``,
    only while ``pid``'s parent is one of it."""
    try:
        fd = os.pidfd_open(pid)
    except AttributeError:  # no pidfds (not Linux, or an old one)
        fd = None
    except OSError:
        return  # gone already
    try:
        if family is not None and _stat(pid)[1] not in family:
            return
        group = os.getpgid(pid)
        if group != ours:
            os.killpg(group, signal.SIGKILL)
        if fd is None:
            os.kill(pid, signal.SIGKILL)
        else:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass
    finally:
        if fd is not None:
            os.close(fd)


def _stat(pid: int) -> tuple[bytes, int]:
    """``pid``'s state and parent, from ``/proc/PID/stat``."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        state, parent = f.read().rsplit(b")", 1)[1].split()[:2]
    return state, int(parent)
