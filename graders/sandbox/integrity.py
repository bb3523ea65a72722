"""The worker's integrity check: is the worker still what it was before the submission ran?

``worker.serve`` takes an :class:`Integrity` snapshot once the guard is up, before the
submission is imported, and after every request writes each change it names to the alarm
pipe. It sees what the guard's audit hook cannot: a module global or a builtin rebound,
a closure cell rewritten, an import hook added. Standard library only (loaded with the
worker, by path).
"""

import builtins
import json
import os
import sys
import types


class Integrity:
    """What this process looked like before the submission ran: the globals of the worker's
    modules (``namespaces``: a label, ``worker`` or a sibling's name, to the module's
    dict), what their functions' closures hold (their code and defaults are the hook's to
    watch), the guard's own functions (``inner``: what ``guard.guard`` returns), the
    builtins, the import machinery and the stdlib functions the reply path uses.
    :meth:`changes` names whatever the submission replaced since."""

    def __init__(self, namespaces, inner):
        self.live = namespaces
        self.namespaces = {label: dict(namespace) for label, namespace in namespaces.items()}
        self.closures = {
            (label, name): _state(f)
            for label, namespace in namespaces.items()
            for name, f in namespace.items()
            if isinstance(f, types.FunctionType) and f.__closure__
        }
        self.inner = {name: (f, _guard_state(f)) for name, f in inner.items()}
        self.builtins = dict(vars(builtins))
        self.meta_path = list(sys.meta_path)
        self.path_hooks = list(sys.path_hooks)
        self.stdlib = {
            (module, name): getattr(module, name)
            for module, names in ((json, ("dumps", "loads")), (os, ("fdopen",)))
            for name in names
        }

    def changes(self):
        found = []
        for label, namespace in self.namespaces.items():
            live = self.live[label]
            for name, value in namespace.items():
                if live.get(name) is not value:
                    found.append(f"replaced {label}.{name}")
                elif (label, name) in self.closures and not _same(
                    _state(value), self.closures[label, name]
                ):
                    found.append(f"rewrote {label}.{name}")
        found += [
            f"rewrote the worker's guard ({name})"
            for name, (f, state) in self.inner.items()
            if not _same(_guard_state(f), state)
        ]
        current = vars(builtins)
        found += [
            f"replaced builtins.{k}" for k, v in self.builtins.items() if current.get(k) is not v
        ]
        if sys.meta_path[: len(self.meta_path)] != self.meta_path:
            found.append("changed sys.meta_path")
        if sys.path_hooks != self.path_hooks:
            found.append("changed sys.path_hooks")
        found += [
            f"replaced {module.__name__}.{name}"
            for (module, name), value in self.stdlib.items()
            if getattr(module, name, None) is not value
        ]
        return found


def _state(function):
    """What a function's closure holds (objects, to compare by identity). Its code and
    defaults are the guard's hook's to watch: writing them raises an audit event (and so
    does reading them, which this, run after every request, would pay for)."""
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


_EMPTY_CELL = object()
