# ruff: noqa: F821
"""Read the bundled solution with C's ``open`` and ``read``, through ctypes imported by a
name built at run time: no audit event of Python's is raised for a C call. The solution
is ``@SOLUTION@``, readable by every user in an instructor's checkout. Its own engine has
a wrong ``cos``.

Expected: the kernel refuses the open (Landlock, or the worker's uid where the file is
not readable by it): the score its own engine earns, never 100.
"""

import importlib

_stolen = None
try:
    _ctypes = importlib.import_module("c" + "types")
    _libc = _ctypes.CDLL(None)
    _fd = _libc.open(b"@SOLUTION@", 0)
    if _fd >= 0:
        _buffer = _ctypes.create_string_buffer(1 << 20)
        _size = _libc.read(_fd, _buffer, 1 << 20)
        _stolen = {}
        exec(_buffer.raw[:_size].decode(), _stolen)
        globals().update({k: v for k, v in _stolen.items() if not k.startswith("__")})
except (OSError, ImportError):
    _stolen = None

if _stolen is None:

    def cos(x):
        return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign
