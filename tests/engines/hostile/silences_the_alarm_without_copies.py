# ruff: noqa: F821
"""Take the path without copies (a thread from the import), then silence the guard for good.

A thread started at import makes each part be served by a worker that imported the
submission itself (a copy would lack the thread). The submission keeps a duplicate of
the guard's pipe (so the grader sees no end of file), points the pipe's descriptor at
``/dev/null`` for good, switches the guard off and loads ``solution/engine.py``.

Now the frame that leads to the guard is refused first (``frames.py``), and that is
the violation reported; what follows is what stops the attack were a frame reached.
Expected: the kernel refuses to point the pipe elsewhere (a seccomp filter pins it), so the
guard's report of its own rewrite arrives: a policy violation in every part, score 0.
(Where the filter is missing, the pipe's descriptor, checked at each part's end on this
path too.)
"""

# @TAKEOVER@
import threading
import time

threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
_kept = os.dup(_ALARMS)
_try(os.dup2, os.open(os.devnull, os.O_WRONLY), _ALARMS)
_switch_off(_guard()["hook"])
_run_the_solution()
