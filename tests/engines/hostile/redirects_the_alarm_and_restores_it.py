# ruff: noqa: F821
"""Point the guard's pipe at /dev/null, switch the guard off, and put the pipe back.

At import (in the worker every part is copied from) the submission keeps a duplicate of
the pipe the guard reports on, points the pipe's descriptor at ``/dev/null``, replaces the
guard's checks with no-ops (the guard's report of that goes nowhere), loads
``solution/engine.py`` from a forbidden folder, and puts the pipe back: the descriptor
checks at each part's end find nothing wrong.

Now the frame that leads to the guard is refused first (``frames.py``), and that is
the violation reported; what follows is what stops the attack were a frame reached.
Expected: the kernel refuses to point the pipe elsewhere (a seccomp filter pins it), so the
guard's report of its own rewrite arrives at once: a policy violation in every part, score
0. (Where the filter is missing, the integrity check after the import finds the rewritten
defaults and reports it through the restored pipe.)
"""

# @TAKEOVER@
_saved = os.dup(_ALARMS)
_null = os.open(os.devnull, os.O_WRONLY)
_try(os.dup2, _null, _ALARMS)
_switch_off(_guard()["hook"])
_run_the_solution()
_try(os.dup2, _saved, _ALARMS)
