# ruff: noqa: F821
"""Read another process's ``/proc`` entry by a name the ``open`` audit event cannot
place: open a folder of ``/proc`` (``/proc`` itself, ``/proc/self/..``, ``.`` after
``chdir("/proc")``) and then ``os.open(PID + "/environ", dir_fd=...)`` for the processes
above the worker, the grading process (with its private seed) among them (the last
review's A5: as root a worker keeps the ptrace access that reading them needs). What was
opened goes to ``@PROBE@/proc.txt``.

Expected: no folder of ``/proc`` can be opened and nothing of another process is read
(``proc.txt`` stays empty); every part scores 0 with a policy violation.
"""

import os as _os


def _folders():
    for opening in (
        lambda: _os.open("/proc", _os.O_RDONLY),
        lambda: _os.open("/proc/self/..", _os.O_RDONLY | _os.O_DIRECTORY),
        lambda: (_os.chdir("/proc"), _os.open(".", _os.O_RDONLY))[1],
    ):
        try:
            yield opening()
        except OSError:
            pass


def _read_above():
    here = _os.getcwd()
    pids, pid = [], _os.getppid()
    for folder in _folders():
        for pid in (_os.getppid(), 1):
            for name in (f"{pid}/environ", f"{pid}/stat"):
                try:
                    fd = _os.open(name, _os.O_RDONLY, dir_fd=folder)
                    pids.append(f"{name}: {len(_os.read(fd, 100000))} bytes")
                except OSError:
                    pass
    _os.chdir(here)
    with open("@PROBE@/proc.txt", "a") as f:
        f.write("".join(line + "\n" for line in pids))


_read_above()
