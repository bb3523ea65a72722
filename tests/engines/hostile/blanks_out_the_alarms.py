# ruff: noqa: F821
"""Drown the guard's reports in empty lines, then switch the guard off and run the solution.

At import the submission writes 50 empty lines into the pipe the guard reports on (the
grader once read at most 50 lines at a time and skipped empty ones), then replaces the
guard's checks with no-ops (a rewrite the guard reports, after the empty lines) and loads
``solution/engine.py`` from a forbidden folder.

Expected: a policy violation in every part (something other than the guard wrote into
its pipe), score 0.
"""

# @TAKEOVER@
os.write(_ALARMS, b"\n" * 50)
_switch_off(_guard()["hook"])
_run_the_solution()
