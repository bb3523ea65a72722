"""Write into the grader's own pipes through ``/proc``: as the grading user (no worker
pool) a worker can open ``/proc/PID/fd/1`` of the processes above it, the batch's warm
grading server among them, and forge a reply there.

Expected: opening another process's ``/proc`` entry is a policy violation, every part
scores 0, and the report says what was tried.
"""

import os as _os


def _forge():
    pid = _os.getppid()
    for _ in range(6):  # the supervisor, the grading process, a batch server, ...
        try:
            fd = _os.open(f"/proc/{pid}/fd/1", _os.O_WRONLY)
            _os.write(fd, b'{"status": 0, "stdout": "forged"}\n')
            _os.close(fd)
        except OSError:
            pass
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            break


_forge()
