# ruff: noqa: F821
"""Read the bundled solution through names built at run time, which no static reading sees.

``dataclasses.__dict__["s" + "ys"]`` reaches ``sys`` (so ``os``) without naming either,
and the solution (``@SOLUTION@``, readable by every user in an instructor's checkout) is
read with ``os.read(os.open(...))`` and run in place of the engine. Its own engine has a
wrong ``cos``.

Expected: the worker cannot open the file (the guard sees the open and reports it; the
kernel, Landlock or the worker's uid, refuses it): a policy violation and 0, or the score
its own engine earns, never 100.
"""

import dataclasses

_sys = dataclasses.__dict__["s" + "ys"]
_os = _sys.modules["o" + "s"]
try:
    _fd = _os.open("@SOLUTION@", _os.O_RDONLY)
    _source = _os.read(_fd, 1 << 20).decode()
    _stolen = {}
    exec(_source, _stolen)
    globals().update({k: v for k, v in _stolen.items() if not k.startswith("__")})
except OSError:
    pass

if "_stolen" not in globals():

    def cos(x):
        return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign
