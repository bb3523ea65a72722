"""The worker's integrity check: is the worker still what it was before the submission ran?

``worker.serve`` calls :func:`watch` once the guard is up, before the submission is
imported, and after every request writes each change the returned ``changes()`` names to
the alarm pipe. It sees what the guard's audit hook cannot: a module global or a builtin
rebound or *added* (a new global ``map`` in a worker module shadows the builtin), a
closure cell rewritten, a worker class's method replaced (``Tracer.record = ...``), what a
module-level dict or list holds (``BINARY["+"]``), an import hook added. Standard library
only (loaded with the worker, by path).

The snapshot is out of the submission's reach: tuples (which nothing can change) held as
default arguments of ``changes`` (which only an assignment to ``__defaults__`` can
replace, an audit event the guard's hook reports), and no object with attributes to
rewrite.
"""

import builtins
import json
import os
import sys
import types

#: Globals Python itself adds to a module as it runs: ``warnings`` keeps the warnings a
#: module's code gave in ``__warningregistry__`` (a float subclass whose ``__float__``
#: returns one makes ``float()`` in ``engine_calls`` warn).
_ADDED_BY_PYTHON = frozenset({"__warningregistry__"})

#: How deep :func:`_contents` looks into containers (a module's dict of lists, a class's
#: dict of functions).
_DEPTH = 3


def watch(namespaces, inner):
    """``changes()``: what the submission replaced since now, as texts. ``namespaces``: a
    label (``worker`` or a sibling's name) to the module's dict; ``inner``: the guard's
    own functions (what ``guard.guard`` returns), whose closures and defaults hold what is
    forbidden."""
    live = tuple(namespaces.items())
    snapshot = tuple(
        (label, frozenset(namespace), _namespace_state(namespace)) for label, namespace in live
    )
    guard_state = tuple((name, f, _guard_state(f)) for name, f in inner.items())
    builtins_state = (frozenset(vars(builtins)), tuple(vars(builtins).items()))
    stdlib = tuple(
        (module, name, getattr(module, name))
        for module, names in ((json, ("dumps", "loads")), (os, ("fdopen",)))
        for name in names
    )

    def changes(
        _live=live,
        _snapshot=snapshot,
        _guard=guard_state,
        _builtins=builtins_state,
        _meta_path=tuple(sys.meta_path),
        _path_hooks=tuple(sys.path_hooks),
        _stdlib=stdlib,
    ):
        found = []
        for (label, namespace), (_, names, state) in zip(_live, _snapshot):
            added = namespace.keys() - names - _ADDED_BY_PYTHON
            found += [f"added {label}.{name}" for name in added]
            found += _changed(label, namespace, state)
        found += [
            f"rewrote the worker's guard ({name})"
            for name, f, state in _guard
            if not _same(_guard_state(f), state)
        ]
        names, items = _builtins
        current = vars(builtins)
        found += [f"added builtins.{k}" for k in current.keys() - names]
        found += [f"replaced builtins.{k}" for k, v in items if current.get(k) is not v]
        if tuple(sys.meta_path[: len(_meta_path)]) != _meta_path:
            found.append("changed sys.meta_path")
        if tuple(sys.path_hooks) != _path_hooks:
            found.append("changed sys.path_hooks")
        found += [
            f"replaced {module.__name__}.{name}"
            for module, name, value in _stdlib
            if getattr(module, name, None) is not value
        ]
        return found

    return changes


def _namespace_state(namespace):
    """Each global of a module with what it holds: ``(name, value, contents)``; a module's
    ``__builtins__`` is the builtins, compared on their own."""
    return tuple(
        (name, value, () if name == "__builtins__" else _contents(value, _DEPTH))
        for name, value in namespace.items()
    )


def _changed(label, namespace, state):
    found = []
    for name, value, contents in state:
        if namespace.get(name, _MISSING) is not value:
            found.append(f"replaced {label}.{name}")
        elif contents and not _same(_contents(value, _DEPTH), contents):
            found.append(f"rewrote {label}.{name}")
    return found


def _contents(value, depth):
    """What ``value`` holds, flattened, to compare by identity: a function's closure, a
    container's items, a class's own attributes (only its own: a class's dict of a
    standard type is the interpreter's), down to ``depth``. Code and defaults are the
    guard's hook's to watch: writing them raises an audit event (and so does reading a
    function's code, which this, run after every request, would pay for)."""
    if depth == 0:
        return ()
    if isinstance(value, types.FunctionType):
        return tuple(_state(value))
    if isinstance(value, dict | types.MappingProxyType):
        items = list(value.items())
    elif isinstance(value, list | tuple | set):  # (a frozenset holds only what hashes)
        items = [(None, v) for v in value]
    elif isinstance(value, type) and _is_ours(vars(value).get("__module__")):
        items = list(vars(value).items())
    else:
        return ()
    held = [_OPEN]
    for key, item in items:
        held += [key, item]
        if isinstance(item, _HOLDERS):
            held += _contents(item, depth - 1)
    return (*held, _CLOSE)


def _is_ours(module):
    return type(module) is str and module.startswith(_PACKAGE)


def _state(function):
    """What a function's closure holds (objects, to compare by identity)."""
    held = []
    for cell in function.__closure__ or ():
        try:
            held.append(cell.cell_contents)
        except ValueError:  # an empty cell
            held.append(_EMPTY_CELL)
    return held


def _guard_state(function):
    """What one of the guard's own functions runs with: its defaults too. Reading them
    raises audit events, but these are few; a rewrite the hook reported to a pipe pointed
    elsewhere for the moment still shows here, after the request."""
    return [function.__defaults__, function.__kwdefaults__, *_state(function)]


def _same(state, other):
    return len(state) == len(other) and all(a is b for a, b in zip(state, other))


#: The worker's package, as the supervisor loads it (``supervisor.PACKAGE``): its classes
#: are the worker's, whose attributes the submission may not replace.
_PACKAGE = __name__.rpartition(".")[0] + "."
_EMPTY_CELL = object()
_MISSING = object()
_OPEN, _CLOSE = object(), object()  # where a container's items begin and end
#: What :func:`_contents` looks into.
_HOLDERS = (types.FunctionType, dict, types.MappingProxyType, list, tuple, set, type)
