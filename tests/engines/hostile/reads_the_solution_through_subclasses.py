# ruff: noqa: F821
"""Read the bundled solution with a file class found among ``object``'s subclasses, looked
up by a name built at run time (``type.__dict__["__sub" + "classes__"]``), so that no
forbidden name is written: ``io.FileIO`` opens ``@SOLUTION@``, readable by every user in
an instructor's checkout. Its own engine has a wrong ``cos``.

Expected: the worker cannot open the file (the guard sees the open and reports it; the
kernel, Landlock or the worker's uid, refuses it): a policy violation and 0, or the score
its own engine earns, never 100.
"""

_stolen = None


def _every_class(root):
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        found.append(cls)
        try:
            todo += type.__dict__["__sub" + "classes__"](cls)
        except TypeError:
            pass
    return found


try:
    _file = next(c for c in _every_class(object) if c.__name__ == "FileIO")
    with _file("@SOLUTION@") as _f:
        _stolen = {}
        exec(_f.read().decode(), _stolen)
    globals().update({k: v for k, v in _stolen.items() if not k.startswith("__")})
except (OSError, StopIteration):
    _stolen = None

if _stolen is None:

    def cos(x):
        return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign
