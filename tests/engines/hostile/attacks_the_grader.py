# ruff: noqa: F821
"""Tamper: go after the grading process and its files.

At import the submission finds its supervisor and the grading process above it (from
``/proc``) and checks whether it could signal them, and whether it could write the
grader's results folder ``@RESULTS@`` and chaingrade's own source. It records what it
could do in ``@PROBE@`` rather than doing it (as the grading user it could: that is the
documented limit of running the worker as the grading user).

Graded only with ``CHAINGRADE_WORKER_USER=nobody`` by a root grader. Expected: every
check is refused; a correct engine, so full marks.
"""

import os


def _parent(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _can_signal(pid):
    try:
        os.kill(pid, 0)
    except PermissionError:
        return False
    return True


_supervisor = os.getppid()
_grader = _parent(_supervisor)
_found = {
    "signal-supervisor": _can_signal(_supervisor),
    "signal-grader": _can_signal(_grader),
    "write-results": os.access("@RESULTS@", os.W_OK),
    "write-chaingrade": os.access("@CHAINGRADE@", os.W_OK),
}
for _what, _could in _found.items():
    open(os.path.join("@PROBE@", ("could-" if _could else "refused-") + _what), "w").close()
