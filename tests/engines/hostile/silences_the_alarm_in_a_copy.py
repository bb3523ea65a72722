# ruff: noqa: F821
"""Silence the guard in a part's copy, then switch it off and run the bundled solution.

On its first node, the part's worker (a copy of the one that imported the submission)
closes the pipe the guard reports on: the copy it was forked from still holds that pipe,
so the grader sees no end of file. It then replaces the guard's checks with no-ops (a
rewrite the guard reports, to a closed pipe) and loads ``solution/engine.py`` from a
forbidden folder, answering every case with it.

Now the frame that leads to the guard is refused first (``frames.py``), and that is
the violation reported; what follows is what stops the attack were a frame reached.
Expected: the kernel refuses to close the pipe (a seccomp filter pins it), so the guard's
report of its own rewrite arrives: a policy violation in every part, score 0. (Where the
filter is missing, the checks at the part's end find the pipe closed.)
"""

# @TAKEOVER@
_solution = None


def _take_over():
    _try(os.close, _ALARMS)
    _switch_off(_guard()["hook"])
    return _the_solution()


_own_tensor = tensor


def tensor(x):
    global _solution
    if _solution is None:
        _solution = _take_over() or sys.modules[__name__]
        globals().update(
            {k: v for k, v in vars(_solution).items() if not k.startswith("__") and k != "tensor"}
        )
    return (_solution.tensor if _solution is not sys.modules[__name__] else _own_tensor)(x)
