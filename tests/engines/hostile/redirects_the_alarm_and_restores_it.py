# ruff: noqa: F821
"""Point the guard's pipe at /dev/null, switch the guard off, and put the pipe back.

At import (in the worker every part is copied from) the submission keeps a duplicate of
the pipe the guard reports on, points the pipe's descriptor at ``/dev/null``, replaces the
guard's checks with no-ops (the guard's report of that goes nowhere), loads
``solution/engine.py`` from a forbidden folder, and puts the pipe back: the descriptor
checks at each part's end find nothing wrong.

Expected: a policy violation in every part (the integrity check, after the import, finds
the guard's rewritten defaults and reports it through the restored pipe), score 0.
"""

# @TAKEOVER@
_saved = os.dup(_ALARMS)
_null = os.open(os.devnull, os.O_WRONLY)
os.dup2(_null, _ALARMS)
_switch_off(_guard()["hook"])
_run_the_solution()
os.dup2(_saved, _ALARMS)
