"""The static policy: a submission's source, checked before any of it runs.

A submission runs in the worker's own interpreter, so it could replace the worker's
functions, reach into frames, builtins and the import machinery, or read the solution
from disk; or it could import a library that computes the derivatives it is asked to
compute. This check reads the source with :mod:`ast` (never running it) and reports each
construct that reaches for those, with its file, line and what to do:

* an ``import`` of a module that could stand in for the student's own derivatives
  (:data:`STAND_INS`: MyGrad, torch, jax, autograd, tensorflow, sympy, ...), of
  chaingrade's own packages, or of one that reaches the interpreter, files or processes:
  a standard module not in ``allowed_imports`` (``os``, ``sys``, ``ctypes``,
  ``importlib``, ``inspect``, ``pickle``, ...), a private module (``_ctypes``), and
  :data:`REACHING_PACKAGES`. Of ``sys``, the few attributes of :data:`PARTLY_ALLOWED`
  may be used (``sys.setrecursionlimit(10000)``);
* a use of a name in ``forbidden_names``: builtins that run code, reach the interpreter's
  namespaces, or open files (``eval``, ``globals``, ``open``, ``__import__``, ...);
* an attribute in ``forbidden_attributes``: frames, code objects, class internals and
  modules reached through other modules (``__globals__``, ``f_back``, ``__subclasses__``,
  ``np.ctypeslib``, ``np.load``, ...);
* ``getattr``/``delattr`` with a computed name (other than a name taken from ``dir(obj)``
  and read off a classmethod's ``cls``, as minitorch's ``testing.py`` does, or a
  ``getattr`` by a variable's name on a class the file defines and never rebinds, with
  no decorator, metaclass or base other than such a class, as DeZero's ``using_config``
  reads ``getattr(Config, name)``), ``getattr`` and its kin used other than by a call
  (``g = getattr``), and a string that names any of those (``"__globals__"``, as
  ``operator.attrgetter`` or a ``__dict__[...]`` lookup would use it) or a format field
  that reads one (``"{0.__globals__}"``);
* a format string computed at run time (``text.format(obj)``, ``str.format``,
  ``format_map``, ``string.Formatter``'s ``format``, ``vformat`` and ``get_field``):
  its fields read attributes and items by name (``"0.__globals__[__builtins__]"``); a
  format string written out, or held in a variable only ever bound to one, is checked
  as any string is. And a module's ``__dict__`` (its namespace, as ``vars(module)``).

**Allowed by default**: the submission's own modules, whatever their names (a helper
``autograd.py``, a package ``micrograd/``); the standard modules of ``allowed_imports``
(``math``, ``random``, ``decimal``, ``fractions``, ``queue``, ...); and any other module a
course's code imports (``numpy``, ``typing_extensions``, ``matplotlib``, ``graphviz``,
``numba``): one that is not installed fails only if the code importing it runs, and
:func:`absent_imports` names it in a note, never a penalty. An assignment that wants only
what it lists says ``other_imports = "forbidden"``. Code that never runs when graded is
not checked: the body of ``if TYPE_CHECKING:`` and of ``if __name__ == "__main__":``
(unless the submission rebinds either name). Nor is a script's block that only puts its
own package's folder on the import path (DeZero's steps: ``if '__file__' in globals():
import os, sys; sys.path.append(os.path.join(os.path.dirname(__file__), '..'))``).
Given what the worker calls (``called``, ``presets.worker_names``), nor is a function or
method nothing that runs may call, nor a standard module imported only for such code
(DeZero's dataset loaders and ``plot_dot_graph`` with their ``subprocess``, ``pickle``
and ``urllib``: :mod:`.dormant`); a stand-in imported there is still a violation.

A name counts only where it is the builtin: a parameter or local called ``input`` or
``vars`` is the student's own.

Ordinary engine code is untouched by it: dunder methods, ``__dict__``, ``__class__``,
closures, recursion, numpy, math, sets and dicts. An assignment sets its own lists in
``[policy]`` of assignment.toml; the defaults are in :mod:`.policy_lists`, and
``chaingrade policy`` prints the rules an assignment uses. The worker adds run-time checks
of its own (see ``graders.sandbox.guard``): this is the first of several layers, not a
proof.

The policy is read in parts, each alone: the default lists (:mod:`.policy_lists`), the
rules an assignment sets and a violation (:mod:`.policy_rules`), the walk over one file
(:mod:`.policy_checker`), computed attribute names (:mod:`.policy_computed`), string
annotations (:mod:`.policy_annotations`), code that never runs when graded
(:mod:`.policy_never_run`) and reading the source (:mod:`.policy_source`). This module is
their public face: what grading, the runner and the CLI call.

>>> for v in check({"engine.py": "import torch\\nx = open('f')"}, Policy()):
...     print(v)  # doctest: +ELLIPSIS
engine.py:1: import torch (torch computes derivatives itself, so the code you hand in ...)
engine.py:2: open (reaches into the interpreter, files or processes)
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping

from graders.sandbox import dormant
from graders.sandbox.policy_checker import Checker
from graders.sandbox.policy_lists import (
    DEFAULT_ATTRIBUTES,
    DEFAULT_FORBIDDEN_IMPORTS,
    DEFAULT_IMPORTS,
    DEFAULT_NAMES,
    GRADER_PACKAGES,
    MODULE_ONLY,
    OTHER_IMPORTS,
    PARTLY_ALLOWED,
    REACHING_PACKAGES,
    STAND_INS,
)
from graders.sandbox.policy_never_run import never_run_tests
from graders.sandbox.policy_rules import Policy, Violation
from graders.sandbox.policy_source import absolute_imports, installed, parsed, standard, with_depth

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "DEFAULT_FORBIDDEN_IMPORTS",
    "DEFAULT_IMPORTS",
    "DEFAULT_NAMES",
    "GRADER_PACKAGES",
    "MODULE_ONLY",
    "OTHER_IMPORTS",
    "PARTLY_ALLOWED",
    "REACHING_PACKAGES",
    "STAND_INS",
    "Policy",
    "Violation",
    "absent_imports",
    "check",
    "imported",
    "installed",
    "missing_module",
    "own_modules",
]


def check(
    sources: Mapping[str, str],
    policy: Policy,
    called: Iterable[str] | None = None,
    entry: str | None = None,
) -> list[Violation]:
    """Every violation in ``sources`` (file name -> text); files that do not parse are
    skipped (grading reports the syntax error with its line). Given the names the worker
    ``called`` and the ``entry`` file it imports, code that never runs when graded is not
    judged (:mod:`.dormant`), but for imports of what could stand in for the student's
    derivatives or is chaingrade's own."""
    if not policy.enabled:
        return []
    local = own_modules(sources)
    trees = parsed(sources)
    never_run = never_run_tests(trees.values())
    asleep: frozenset[int] = frozenset()
    if called is not None:
        plain = {name: tree for name, (tree, _) in trees.items()}
        asleep = dormant.dormant(plain, called, entry, policy.computed_names)
    checkers = {
        name: Checker(name, policy, local, builtins_used, never_run, asleep)
        for name, (tree, builtins_used) in trees.items()
    }
    running = {name: checkers[name].running(tree) for name, (tree, _) in trees.items()}
    read = dormant.exported(n for nodes in running.values() for n in nodes) if asleep else None
    found: list[Violation] = []
    for name, (tree, _) in trees.items():
        found += checkers[name].run(tree, running[name], read)
    return found


def own_modules(files: Iterable[str]) -> set[str]:
    """The submission's own modules, which its files (their names, or a mapping by name)
    may always import: the names at the top of its folder (``helpers.py``, a package
    ``minitorch/``), never a file deeper inside (``minitorch/os.py`` does not make
    ``import os`` the student's)."""
    return {name.split("/", 1)[0].removesuffix(".py") for name in files}


def absent_imports(
    sources: Mapping[str, str], policy: Policy, where: Callable[[str, int], str] = "{}:{}".format
) -> list[str]:
    """Notes, never penalties: each module the submission imports that the policy allows
    without naming it and this machine has not installed (``graphviz`` in a drawing
    helper), with its place (``where(file, line)``). It fails only if that code runs."""
    if not policy.enabled or policy.other_imports != "allowed":
        return []
    local = own_modules(sources)
    known = set(policy.allowed_imports) | set(policy.forbidden_imports) | set(PARTLY_ALLOWED)
    places: dict[str, list[str]] = {}
    for name, (tree, _) in parsed(sources).items():
        for node in ast.walk(tree):
            for module in absolute_imports(node):
                top = module.partition(".")[0]
                if not (top in local or top in known or standard(top) or installed(top)):
                    places.setdefault(top, []).append(where(name, getattr(node, "lineno", 0)))
    return [
        f"{', '.join(dict.fromkeys(at))}: {top} is not installed where chaingrade runs: no "
        "penalty while your code does not need it when graded (if it does, install it with "
        f"pip install {top}, or ask your instructor to add it to the autograder)"
        for top, at in sorted(places.items())
    ]


def imported(sources: Mapping[str, str]) -> set[str]:
    """The top-level modules ``sources`` import by absolute name, wherever in the code."""
    return {
        module.partition(".")[0]
        for tree, _ in parsed(sources).values()
        for node in ast.walk(tree)
        for module in absolute_imports(node)
    }


def missing_module(
    sources: Mapping[str, str], module: str, where: Callable[[str, int], str] = "{}:{}".format
) -> str:
    """What an import error's finding says about ``module``, which the submission could not
    import when it ran: where it is imported (an import that runs when its file is
    imported first, then one inside a function), and what to do."""
    top = module.partition(".")[0]
    places = sorted(
        (depth, where(file, getattr(node, "lineno", 0)))
        for file, (tree, _) in parsed(sources).items()
        for node, depth in with_depth(tree)
        if any(m == module or m.startswith(module + ".") for m in absolute_imports(node))
    )
    places = [place for _, place in places]
    at = f"{places[0]}: " if places else ""
    if top in own_modules(sources):
        return (
            f"{at}{module} is not among the files copied from your submission: hand in "
            "the module with the rest of your code"
        )
    return (
        f"{at}{module} is not installed where chaingrade runs: install it (pip install "
        f"{top}) and check again; on an autograder, ask your instructor to install it, or "
        "import it only inside the function that needs it"
    )
