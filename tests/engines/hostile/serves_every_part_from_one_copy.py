# ruff: noqa: F821
"""Never let a part's worker exit: one copy serves every part, its state carried over.

``sys.stdout`` becomes a stream whose ``flush()``, which the worker calls just before it
exits at the end of a part, takes over the worker's request loop instead (found in the
``serve`` frame): it answers ``{"exit"}`` and ``{"part"}`` with what the zygote would say
and goes on serving. The engine itself is correct.

Now the frame that leads to the guard is refused first (``frames.py``), and that is
the violation reported; what follows is what stops the attack were a frame reached.
Expected: a policy violation (a process of the submission kept running after its part),
score 0, and no process of the submission alive once grading returns.
"""

import io
import json
import sys


class _TakesOver(io.TextIOWrapper):
    def flush(self):
        super().flush()
        frame = sys._getframe(1)
        local = frame.f_locals
        if frame.f_code.co_name != "serve" or "exit" not in local.get("request", {}):
            return
        local["reply"]({"ready": True, "exited": 0})
        for line in local["requests"]:
            request = json.loads(line)
            if "part" in request:
                local["reply"]({"part": True, "copy": True})
            elif "exit" in request:
                local["reply"]({"ready": True, "exited": 0})
            else:
                jobs = request["jobs"]
                results = [local["handle"](local["module"], local["api"], job) for job in jobs]
                local["reply"]({"results": results})


sys.stdout = _TakesOver(sys.stdout.buffer, line_buffering=True)
