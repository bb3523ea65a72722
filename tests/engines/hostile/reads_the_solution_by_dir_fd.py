# ruff: noqa: F821
"""Read the bundled solution relative to a directory descriptor, which the guard cannot
place: it opens ``/`` (which no rule forbids) and then the solution's path without its
leading slash, ``os.open("work/...", dir_fd=root)``. The solution is ``@SOLUTION@``,
readable by every user in an instructor's checkout. Its own engine has a wrong ``cos``.

Expected: the kernel refuses the open (Landlock, or the worker's uid where the file is
not readable by it): the score its own engine earns, never 100.
"""

import os

_stolen = None
try:
    _root = os.open("/", os.O_PATH)  # a descriptor of / that reads nothing itself
    _fd = os.open("@SOLUTION@".lstrip("/"), os.O_RDONLY, dir_fd=_root)
    _stolen = {}
    exec(os.read(_fd, 1 << 20).decode(), _stolen)
    globals().update({k: v for k, v in _stolen.items() if not k.startswith("__")})
except OSError:
    _stolen = None

if _stolen is None:

    def cos(x):
        return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign
