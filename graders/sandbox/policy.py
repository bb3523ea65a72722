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

A name counts only where it is the builtin: a parameter or local called ``input`` or
``vars`` is the student's own.

Ordinary engine code is untouched by it: dunder methods, ``__dict__``, ``__class__``,
closures, recursion, numpy, math, sets and dicts. An assignment sets its own lists in
``[policy]`` of assignment.toml; the defaults are below, and ``chaingrade policy`` prints
the rules an assignment uses. The worker adds run-time checks of its own (see
``graders.sandbox.guard``): this is the first of several layers, not a proof.

>>> for v in check({"engine.py": "import torch\\nx = open('f')"}, Policy()):
...     print(v)  # doctest: +ELLIPSIS
engine.py:1: import torch (torch computes derivatives itself, so the code you hand in ...)
engine.py:2: open (reaches into the interpreter, files or processes)
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import re
import symtable
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

#: Standard modules a submission may import: numbers, containers, text and plain
#: utilities, none of which computes derivatives or reaches the grader. The rest of the
#: standard library (``os``, ``sys``, ``io``, ``ctypes``, ``subprocess``, ``importlib``,
#: ``gc``, ``inspect``, ``builtins``, ``pickle``, ``marshal``, ``types``, ``traceback``,
#: ``json``, the worker's reply path, ...) reaches files, processes or the interpreter, and
#: is not allowed unless an assignment lists it. numpy is listed too, for assignments that
#: allow only what they list (``other_imports = "forbidden"``).
DEFAULT_IMPORTS = (
    "__future__",
    "abc",
    "array",
    "bisect",
    "cmath",
    "collections",
    "contextlib",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "graphlib",
    "heapq",
    "itertools",
    "keyword",
    "math",
    "numbers",
    "operator",
    "pprint",
    "queue",
    "random",
    "re",
    "reprlib",
    "statistics",
    "string",
    "textwrap",
    "time",
    "typing",
    "warnings",
    "weakref",
    "numpy",
)
#: Libraries that compute derivatives (automatically, symbolically or numerically): any of
#: them could stand in for the engine the student is asked to write.
STAND_INS = (
    "mygrad",
    "torch",
    "functorch",
    "jax",
    "jaxlib",
    "flax",
    "equinox",
    "haiku",
    "autograd",
    "tangent",
    "tensorflow",
    "keras",
    "tf_keras",
    "theano",
    "aesara",
    "pytensor",
    "mxnet",
    "chainer",
    "dezero",
    "paddle",
    "mindspore",
    "oneflow",
    "jittor",
    "mlx",
    "tinygrad",
    "micrograd",
    "sympy",
    "symengine",
    "casadi",
    "algopy",
    "ad",
    "uncertainties",
    "numdifftools",
)
#: chaingrade's own packages: the grader, its strategies (and through them the bundled
#: solutions).
GRADER_PACKAGES = ("graders", "strategies", "chaingrade")
#: Installed packages made to reach processes, memory, the network or the interpreter's
#: objects, or to run text as code (a YAML tag, a template, an expression string): the
#: standard library's own are forbidden as standard modules not listed. Any other
#: installed module is allowed (``other_imports``).
REACHING_PACKAGES = (
    "psutil",
    "dill",
    "cloudpickle",
    "cffi",
    "pexpect",
    "sh",
    "plumbum",
    "joblib",
    "dask",
    "distributed",
    "yaml",
    "jinja2",
    "numexpr",
    "requests",
    "urllib3",
    "httpx",
    "tornado",
    "pytest",  # importorskip imports any module by name, monkeypatch sets anything
)
DEFAULT_FORBIDDEN_IMPORTS = STAND_INS + GRADER_PACKAGES + REACHING_PACKAGES
#: Standard modules of which a few attributes may be used though the module is not
#: allowed: ``sys.setrecursionlimit(10000)`` for a recursive reverse pass, and attributes
#: that only read a number or print. Any other use of the module is a violation.
PARTLY_ALLOWED = {
    "sys": frozenset(
        {
            "setrecursionlimit",
            "getrecursionlimit",
            "float_info",
            "int_info",
            "maxsize",
            "version_info",
            "platform",
            "byteorder",
            "stdout",
            "stderr",
        }
    )
}
#: What ``other_imports`` may say about a module that no list names and that is not
#: standard: allowed (a course's own dependencies: matplotlib, graphviz, numba, ...), or
#: forbidden (only what ``allowed_imports`` lists).
OTHER_IMPORTS = ("allowed", "forbidden")
DEFAULT_NAMES = (
    "eval",
    "exec",
    "compile",
    "__import__",
    "globals",
    "locals",
    "vars",
    "open",
    "breakpoint",
    "input",
    "exit",
    "quit",
    "help",
    "__builtins__",
    "__loader__",
    "__spec__",
)
DEFAULT_ATTRIBUTES = (
    # functions, frames, tracebacks and generators: the way into another module's globals
    "__globals__",
    "__builtins__",
    "__code__",
    "__closure__",
    "__defaults__",
    "__kwdefaults__",
    "__func__",
    "__self__",
    "__wrapped__",
    "__traceback__",
    "__getattribute__",
    "f_globals",
    "f_locals",
    "f_back",
    "f_builtins",
    "f_code",
    "f_trace",
    "tb_frame",
    "tb_next",
    "gi_frame",
    "gi_code",
    "cr_frame",
    "cr_code",
    "ag_frame",
    "ag_code",
    "co_code",
    "co_consts",
    "co_names",
    # class internals: the way to every class (and function) in the process
    "__subclasses__",
    "__bases__",
    "__base__",
    "__mro__",
    "__reduce__",
    "__reduce_ex__",
    "__loader__",
    "__spec__",
    "__import__",
    # modules reachable as attributes of allowed ones
    "sys",
    "_sys",
    "os",
    "_os",
    "builtins",
    "ctypes",
    "ctypeslib",
    "subprocess",
    "importlib",
    "gc",
    "inspect",
    "socket",
    "shutil",
    "pathlib",
    "signal",
    "threading",
    "multiprocessing",
    "pickle",
    "marshal",
    "runpy",
    # files
    "tofile",
    "fromfile",
    "memmap",
    "load",
    "loadtxt",
    "genfromtxt",
    "fromregex",
    "save",
    "savez",
    "savez_compressed",
    "savetxt",
    "DataSource",
)
#: Of ``forbidden_attributes``, the names that are forbidden only on a module the
#: submission imported (``np.load``), not on its own objects (``self.load``).
MODULE_ONLY = frozenset(
    {
        "load",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "loadtxt",
        "genfromtxt",
        "fromregex",
        "memmap",
        "fromfile",
        "DataSource",
    }
)


@dataclass(frozen=True)
class Policy:
    """What a submission may use; ``enabled=False`` turns the static check off.

    An import is judged in this order: the submission's own modules are always allowed;
    ``forbidden_imports`` never; ``allowed_imports`` always; of the standard library, only
    what ``allowed_imports`` lists (and ``sys``'s few attributes in :data:`PARTLY_ALLOWED`);
    a private module (``_ctypes``) never; any other module as ``other_imports`` says.
    """

    allowed_imports: tuple[str, ...] = DEFAULT_IMPORTS
    forbidden_imports: tuple[str, ...] = DEFAULT_FORBIDDEN_IMPORTS
    other_imports: str = "allowed"
    forbidden_names: tuple[str, ...] = DEFAULT_NAMES
    forbidden_attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES
    #: Allow ``getattr(math, name)`` and its kin with a computed name (closed by default:
    #: a computed name can spell anything the lists forbid).
    computed_names: bool = False
    enabled: bool = True

    @classmethod
    def from_toml(cls, data: Mapping) -> Policy:
        """``[policy]`` of assignment.toml; missing fields keep their defaults."""
        lists = ("allowed_imports", "forbidden_imports", "forbidden_names", "forbidden_attributes")
        switches = ("computed_names", "enabled")
        unknown = set(data) - {*lists, *switches, "other_imports"}
        if unknown:
            raise ValueError(f"[policy]: unknown fields {sorted(unknown)}")
        fields: dict = {}
        for key in lists:
            if key in data:
                value = data[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"[policy] {key} must be a list of names")
                fields[key] = tuple(value)
        for key in switches:
            if key in data:
                if not isinstance(data[key], bool):
                    raise ValueError(f"[policy] {key} must be true or false")
                fields[key] = data[key]
        if "other_imports" in data:
            if data["other_imports"] not in OTHER_IMPORTS:
                raise ValueError(
                    f"[policy] other_imports must be one of {', '.join(OTHER_IMPORTS)}"
                )
            fields["other_imports"] = data["other_imports"]
        policy = cls(**fields)
        both = set(policy.allowed_imports) & set(policy.forbidden_imports)
        if both:
            raise ValueError(
                f"[policy] {', '.join(sorted(both))} both allowed and forbidden: "
                "take it out of one list"
            )
        return policy

    def blocked_while_running(self) -> tuple[str, ...]:
        """The forbidden imports the worker's guard also blocks at run time: all but the
        reaching packages, which an allowed library may try to import on its own (pandas
        tries numexpr) and the worker's confinement stops from doing harm."""
        return tuple(m for m in self.forbidden_imports if m not in REACHING_PACKAGES)

    def describe(self) -> str:
        """The rules, as ``chaingrade policy`` and the student README show them."""
        if not self.enabled:
            return "The static policy is off for this assignment.\n"
        partly = "; ".join(
            f"of {m}, only {', '.join(sorted(a))}" for m, a in PARTLY_ALLOWED.items()
        )
        other = (
            "allowed (a module that is not installed fails only if the code importing it runs)"
            if self.other_imports == "allowed"
            else "not allowed"
        )
        return (
            "your own modules: always allowed, whatever their names\n"
            "imports not allowed (they compute derivatives, are chaingrade's own, reach "
            "processes, the network or the interpreter, or run text as code): "
            f"{', '.join(self.forbidden_imports)}\n"
            f"allowed, of the standard library and beyond: {', '.join(self.allowed_imports)}; "
            f"{partly}; the rest of the standard library reaches files, processes or the "
            "interpreter and is not allowed\n"
            f"any other installed module (matplotlib, graphviz, numba, ...): {other}\n"
            "not checked: code that never runs when graded, under `if TYPE_CHECKING:` or "
            '`if __name__ == "__main__":`\n'
            f"names not allowed: {', '.join(self.forbidden_names)}\n"
            f"attributes not allowed: {', '.join(self.forbidden_attributes)}\n"
            + (
                ""
                if self.computed_names
                else "also not allowed: getattr, delattr, attrgetter or methodcaller with a "
                "computed attribute name (other than one taken from dir(...) in a "
                "classmethod, read off its cls, or one read off a class the file defines), "
                "a format string computed at run time (text.format, format_map, "
                "string.Formatter), or a module's __dict__\n"
            )
        )


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    construct: str
    why: str = field(compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.construct} ({self.why})"


def check(sources: Mapping[str, str], policy: Policy) -> list[Violation]:
    """Every violation in ``sources`` (file name -> text); files that do not parse are
    skipped (grading reports the syntax error with its line)."""
    if not policy.enabled:
        return []
    local = own_modules(sources)
    trees = _parsed(sources)
    never_run = _never_run_tests(trees.values())
    found: list[Violation] = []
    for name, (tree, builtins_used) in trees.items():
        checker = _Checker(name, policy, local, builtins_used, never_run)
        found += checker.run(tree)
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
    for name, (tree, _) in _parsed(sources).items():
        for node in ast.walk(tree):
            for module in _absolute_imports(node):
                top = module.partition(".")[0]
                if not (top in local or top in known or _standard(top) or installed(top)):
                    places.setdefault(top, []).append(where(name, node.lineno))
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
        for tree, _ in _parsed(sources).values()
        for node in ast.walk(tree)
        for module in _absolute_imports(node)
    }


def missing_module(
    sources: Mapping[str, str], module: str, where: Callable[[str, int], str] = "{}:{}".format
) -> str:
    """What an import error's finding says about ``module``, which the submission could not
    import when it ran: where it is imported (an import that runs when its file is
    imported first, then one inside a function), and what to do."""
    top = module.partition(".")[0]
    places = sorted(
        (depth, where(file, node.lineno))
        for file, (tree, _) in _parsed(sources).items()
        for node, depth in _with_depth(tree)
        if any(m == module or m.startswith(module + ".") for m in _absolute_imports(node))
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


def _with_depth(tree: ast.AST):
    """Each node with how many functions it is inside (0: it runs when its file does)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        inner = depth + isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        stack += [(child, inner) for child in ast.iter_child_nodes(node)]


def installed(name: str) -> bool:
    """Whether this interpreter can import the top-level module ``name`` from its own
    paths (not from the folder it runs in, where a student's files may be)."""
    if name in sys.builtin_module_names:
        return True
    here = os.path.realpath(os.getcwd())
    paths = [p for p in sys.path if p and os.path.realpath(p) != here]
    try:
        return importlib.machinery.PathFinder.find_spec(name, paths) is not None
    except (ImportError, ValueError):
        return False


def _standard(name: str) -> bool:
    return name in sys.stdlib_module_names or name in sys.builtin_module_names


def _absolute_imports(node: ast.AST) -> list[str]:
    """The absolute modules an import statement names (relative imports are the
    submission's own)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def _parsed(sources: Mapping[str, str]) -> dict[str, tuple[ast.AST, set[str]]]:
    """Each file that parses: its tree and the builtins it uses."""
    trees = {}
    for name, text in sources.items():
        try:
            trees[name] = (ast.parse(text, filename=name), _builtin_references(text, name))
        except (SyntaxError, ValueError, RecursionError):
            continue
    return trees


#: Tests of ``if`` blocks that never run when a submission is graded: type checkers' code,
#: and a script's main block (the worker imports the entry under its own name).
_NEVER_RUN_NAMES = {"TYPE_CHECKING": "TYPE_CHECKING", "__name__": "__main__"}


def _never_run_tests(trees) -> frozenset[str]:
    """Which of ``TYPE_CHECKING`` and ``__name__`` the submission leaves alone, so that
    ``if TYPE_CHECKING:`` and ``if __name__ == "__main__":`` surely never run: no file
    binds, deletes or sets the name (as a variable, a keyword, an import alias, a string
    that setattr or a ``__dict__`` would use) other than by ``from typing import
    TYPE_CHECKING``. ``x.__name__ = ...`` counts only on an imported module."""
    sound = set(_NEVER_RUN_NAMES)
    for tree, _ in trees:
        modules = {
            a.asname or a.name.partition(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        }
        for node in ast.walk(tree):
            touched: set[str] = set()
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                touched.add(node.id)
            elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
                if node.attr == "TYPE_CHECKING" or (
                    isinstance(node.value, ast.Name) and node.value.id in modules
                ):
                    touched.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                touched.add(node.value)
            elif isinstance(node, ast.keyword | ast.arg) and node.arg:
                touched.add(node.arg)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                touched.update(node.names)
            elif isinstance(node, _BINDS_BY_NAME):  # def, class, except ... as, case ... as
                touched.update({getattr(node, "name", None), getattr(node, "rest", None)})
            elif isinstance(node, ast.Import | ast.ImportFrom):
                typing = isinstance(node, ast.ImportFrom) and node.module in _TYPING
                touched.update(
                    a.asname or a.name.partition(".")[0]
                    for a in node.names
                    if not (typing and a.name == "TYPE_CHECKING" and a.asname is None)
                )
            sound -= touched
    return frozenset(sound)


_TYPING = ("typing", "typing_extensions")
#: Statements and patterns that bind the name they hold in ``name`` (or ``rest``).
_BINDS_BY_NAME = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.ExceptHandler,
    ast.MatchAs,
    ast.MatchStar,
    ast.MatchMapping,
)


def _import_path_setup(node: ast.AST) -> bool:
    """Whether ``node`` is a course script's block that puts its own package's folder on
    the import path, and does nothing else: DeZero's steps 23 on begin with ``if
    '__file__' in globals(): import os, sys; sys.path.append(os.path.join(
    os.path.dirname(__file__), '..'))``. Only ``import os``/``sys`` and
    ``sys.path.append``/``insert`` of a path made from ``__file__`` and relative parts
    (``'..'``) by ``os.path``'s ``join``, ``dirname``, ``abspath`` and ``realpath``: the
    worker's guard still refuses the grader's folders at run time."""
    if not (isinstance(node, ast.If) and not node.orelse and _file_in_globals(node.test)):
        return False
    return all(_path_statement(statement) for statement in node.body)


def _file_in_globals(test: ast.expr) -> bool:
    """``'__file__' in globals()``."""
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.In)
        and isinstance(test.left, ast.Constant)
        and test.left.value == "__file__"
        and isinstance(test.comparators[0], ast.Call)
        and _dotted(test.comparators[0].func) == "globals"
        and not (test.comparators[0].args or test.comparators[0].keywords)
    )


def _path_statement(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Import):
        return all(a.name in ("os", "sys", "os.path") and a.asname is None for a in statement.names)
    call = statement.value if isinstance(statement, ast.Expr) else None
    if not (isinstance(call, ast.Call) and not call.keywords):
        return False
    return _dotted(call.func) in ("sys.path.append", "sys.path.insert") and all(
        _path_expression(a) for a in call.args
    )


def _path_expression(node: ast.expr) -> bool:
    """A path made from ``__file__`` and relative parts by ``os.path`` (or a position)."""
    if isinstance(node, ast.Name):
        return node.id == "__file__"
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            return True  # sys.path.insert(0, ...)
        parts = node.value.split("/") if isinstance(node.value, str) else [""]
        return all(p in (".", "..") or p.isidentifier() for p in parts)
    if isinstance(node, ast.Call) and not node.keywords:
        functions = ("os.path.join", "os.path.dirname", "os.path.abspath", "os.path.realpath")
        return _dotted(node.func) in functions and all(_path_expression(a) for a in node.args)
    return False


def _dotted(node: ast.expr) -> str:
    """``sys.path.append`` for that attribute chain on a name; ``""`` for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def _never_runs(test: ast.expr, sound: frozenset[str], typing_names: set[str]) -> bool:
    """Whether an ``if`` with this test never runs its body when graded."""
    if "TYPE_CHECKING" in sound:
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            return True
        if (
            isinstance(test, ast.Attribute)
            and test.attr == "TYPE_CHECKING"
            and isinstance(test.value, ast.Name)
            and test.value.id in typing_names
        ):
            return True
    if "__name__" in sound and isinstance(test, ast.Compare) and len(test.ops) == 1:
        sides = [test.left, *test.comparators]
        names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
        mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
        return isinstance(test.ops[0], ast.Eq) and len(names) == len(mains) == 1
    return False


def _builtin_references(text: str, filename: str) -> set[str]:
    """Names the code reads that no scope of the file binds: the builtins it uses. (A
    parameter or local called ``input`` is the student's own, not the builtin.)"""
    top = symtable.symtable(text, filename, "exec")
    module_bound = {
        s.get_name()
        for s in top.get_symbols()
        if s.is_assigned() or s.is_imported() or s.is_namespace()
    }
    found: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        tables += table.get_children()
        for symbol in table.get_symbols():
            if not symbol.is_referenced() or symbol.get_name() in module_bound:
                continue
            bound_here = (
                symbol.is_assigned()
                or symbol.is_parameter()
                or symbol.is_imported()
                or symbol.is_namespace()
            )
            if table is top or not (bound_here or symbol.is_free()):
                found.add(symbol.get_name())
    return found


#: Calls that fetch or set an attribute by name.
_BY_NAME = ("getattr", "setattr", "delattr")
#: The same, from the operator module: a name written out only.
_OPERATOR_BY_NAME = ("attrgetter", "methodcaller")

#: Methods that read attributes and items by the names a format string's fields give
#: (``"{0.__globals__[os]}"``): ``str.format``, ``format_map``, ``string.Formatter``'s
#: ``format``, ``vformat`` and ``get_field`` (a bare field, ``"0.__globals__"``).
_FORMATS = frozenset({"format", "format_map", "vformat", "get_field"})


#: Functions of allowed modules that evaluate text as code: typing evaluates string
#: annotations (``def f(a: "__import__('os')")``) with ``eval``.
_EVALUATES_TEXT = frozenset(
    {"get_type_hints", "ForwardRef", "_eval_type", "evaluate_forward_ref", "get_annotations"}
)
#: What a string annotation may hold: names, dots, subscripts, commas and ``|``.
_TYPE_TEXT = re.compile(r"[\w.\[\], |]*")


class _Checker:
    """One file's violations, found by walking its tree (no recursion: a 3000-term sum is
    fine)."""

    def __init__(
        self,
        file: str,
        policy: Policy,
        local_modules: set[str],
        builtins_used: set[str],
        never_run: frozenset[str] = frozenset(),
    ):
        self.file = file
        self.policy = policy
        self.local = local_modules
        self.allowed = set(policy.allowed_imports)
        self.forbidden = set(policy.forbidden_imports)
        self.names = set(policy.forbidden_names) & builtins_used
        self.attributes = set(policy.forbidden_attributes)
        self.reaching = self.attributes - MODULE_ONLY
        self.by_name = {n for n in _BY_NAME if n in builtins_used}
        self.builtins_used = builtins_used
        self.computed_names = policy.computed_names
        self.never_run = never_run
        self.modules: set[str] = set()  # names bound to imported modules
        self.partly: dict[str, str] = {}  # name -> partly allowed module it is bound to
        self.attribute_names: set[str] = set()  # variables that only take names from dir()
        self.own_classes: set[str] = set()  # names only ever bound to a class of this file
        self.on_own_class: set[int] = set()  # getattr(cls, ...) calls in a classmethod
        self.texts: set[str] = set()  # names only ever bound to a string written out
        self.found: list[Violation] = []

    def run(self, tree: ast.AST) -> list[Violation]:
        nodes = self._running(tree)
        for node in nodes:  # imports first: they say which names are modules
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._import(node)
        self.attribute_names = _names_from_dir(nodes, self.modules, self.builtins_used)
        self.own_classes = _own_classes(tree, nodes)
        self.on_own_class = _getattrs_on_cls(nodes)
        self.texts = _names_of_texts(nodes)
        called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
        read = {  # ``sys.setrecursionlimit``: the allowed attributes of a partly allowed module
            id(n.value)
            for n in nodes
            if isinstance(n, ast.Attribute)
            and isinstance(n.ctx, ast.Load)
            and isinstance(n.value, ast.Name)
            and n.attr in PARTLY_ALLOWED.get(self.partly.get(n.value.id, ""), ())
        }
        self._annotations(nodes)
        for node in nodes:
            if isinstance(node, ast.Name):
                self._name(node, id(node) in called, id(node) in read)
            elif isinstance(node, ast.Attribute):
                self._attribute(node)
                if node.attr in _FORMATS and id(node) not in called and not self.computed_names:
                    self._format(node, None)
            elif isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self._string(node)
        return sorted(self.found, key=lambda v: v.line)

    def _running(self, tree: ast.AST) -> list[ast.AST]:
        """Every node but those in blocks that never run when graded (``if
        TYPE_CHECKING:``, ``if __name__ == "__main__":``; their ``else`` runs)."""
        typing_names = {
            a.asname or a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
            if a.name in _TYPING
        }
        stored = {
            n.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
        }
        typing_names -= stored
        nodes, stack = [], [tree]
        while stack:
            node = stack.pop()
            nodes.append(node)
            if isinstance(node, ast.If) and _never_runs(node.test, self.never_run, typing_names):
                stack += [node.test, *node.orelse]
                continue
            if _import_path_setup(node):
                continue  # a course script finding its own package: nothing else in it
            stack.extend(ast.iter_child_nodes(node))
        return nodes

    def _annotations(self, nodes: list[ast.AST]) -> None:
        """String annotations that are code, not type names: typing evaluates them. The
        strings of ``Literal["+", "-"]`` are values, and ``Annotated``'s metadata is kept
        as it is: typing evaluates neither."""
        annotations = [n.annotation for n in nodes if isinstance(n, ast.arg | ast.AnnAssign)]
        annotations += [n.returns for n in nodes if isinstance(n, ast.FunctionDef)]
        annotations += [n.returns for n in nodes if isinstance(n, ast.AsyncFunctionDef)]
        for annotation in filter(None, annotations):
            values = _type_values(annotation)
            for part in ast.walk(annotation):
                if (
                    isinstance(part, ast.Constant)
                    and isinstance(part.value, str)
                    and id(part) not in values
                    and not _type_text(part.value)
                ):
                    self._flag(
                        part,
                        repr(part.value)[:60],
                        "a string annotation typing would run as code: write the type "
                        "itself, or a type's name in quotes",
                    )

    def _flag(self, node: ast.AST, construct: str, why: str) -> None:
        self.found.append(Violation(self.file, getattr(node, "lineno", 0), construct, why))

    def _import_problem(self, name: str) -> str | None:
        """Why importing module ``name`` is not allowed (what to do included), or None."""
        parts = name.split(".")
        top = parts[0]
        if top in self.local:
            return None  # the student's own module, whatever its name
        reaching = set(parts[1:]) & self.reaching
        if reaching:
            return f"{top}.{min(reaching)} reaches into the interpreter, files or processes"
        if top in self.forbidden:
            return _forbidden_why(top)
        if top in self.allowed:
            return None
        if top.startswith("_") and top != "__future__":
            return (
                f"{top} is a private module of the interpreter or a package: use the "
                "public module it serves"
            )
        if _standard(top):
            return (
                f"the standard module {top} reaches files, processes or the interpreter: "
                "take it out, or if your course's code needs it, ask your instructor to add "
                "it to allowed_imports in [policy]"
            )
        if self.policy.other_imports == "forbidden":
            return (
                f"{top} is not among the modules this assignment allows, which chaingrade "
                "policy lists: take it out, or ask your instructor to allow it"
            )
        return None

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                if alias.name in PARTLY_ALLOWED and alias.name not in self.local:
                    self.partly[bound] = alias.name  # each use is judged (``_name``)
                else:
                    why = self._import_problem(alias.name)
                    if why:
                        self._flag(node, f"import {alias.name}", why)
                self.modules.add(bound)
            return
        module = node.module or ""
        if node.level == 0 and module in PARTLY_ALLOWED and module not in self.local:
            for alias in node.names:
                if alias.name not in PARTLY_ALLOWED[module]:
                    self._flag(node, f"from {module} import {alias.name}", _partly_why(module))
            return
        why = self._import_problem(module) if node.level == 0 else None
        if why:
            self._flag(node, f"from {module} import ...", why)
        for alias in node.names:
            construct = f"from {module} import {alias.name}"
            self.modules.add(alias.asname or alias.name)  # it may be a module
            if alias.name in MODULE_ONLY:
                if node.level == 0:
                    self._flag(node, construct, "reads or writes files")
            elif alias.name in _EVALUATES_TEXT:
                self._flag(node, construct, "evaluates text as code")
            elif alias.name in self.names or alias.name in self.attributes:
                self._flag(node, construct, "reaches into the interpreter, files or processes")

    def _name(self, node: ast.Name, called: bool, allowed_attribute: bool = False) -> None:
        if node.id in _EVALUATES_TEXT:
            self._flag(node, node.id, "evaluates text as code")
        elif node.id in self.names:
            self._flag(node, node.id, "reaches into the interpreter, files or processes")
        elif node.id in self.partly and not allowed_attribute:
            self._flag(node, node.id, _partly_why(self.partly[node.id]))
        elif node.id in self.by_name and not called and not self.computed_names:
            self._flag(
                node, node.id, "getattr and its kin may only be called, with a name written out"
            )

    def _attribute(self, node: ast.Attribute) -> None:
        on_module = isinstance(node.value, ast.Name) and node.value.id in self.modules
        if node.attr == "__dict__" and on_module and not self.computed_names:  # vars(module)
            self._flag(
                node,
                ".__dict__",
                "a module's namespace holds the modules it imported, read by computed names",
            )
        elif node.attr in _EVALUATES_TEXT:
            self._flag(node, f".{node.attr}", "evaluates text as code")
        elif node.attr in self.attributes:
            on_module = isinstance(node.value, ast.Name) and node.value.id in self.modules
            if node.attr not in MODULE_ONLY or on_module:
                self._flag(
                    node, f".{node.attr}", "reaches into the interpreter, files or processes"
                )

    def _format(self, method: ast.Attribute, call: ast.Call | None) -> None:
        """``text.format(...)`` and its kin (``method``, called by ``call``): the format
        string must be written out (its fields are then checked as any string is: see
        :meth:`_string`); one computed at run time reads attributes by computed names."""
        receiver = method.value
        if method.attr in ("vformat", "get_field") or (
            isinstance(receiver, ast.Name) and receiver.id == "str"
        ):
            text = call.args[0] if call is not None and call.args else None
        else:
            text = receiver
        if isinstance(text, ast.Constant) and isinstance(text.value, str):
            if method.attr == "get_field":  # a bare field: "0.__globals__[os]"
                self._string(ast.Constant("{" + text.value + "}", lineno=text.lineno))
            return
        if isinstance(text, ast.Name) and text.id in self.texts:
            return
        self._flag(
            method,
            f".{method.attr}(<computed format string>)",
            "a format string's fields read attributes by name: one computed at run time "
            "can reach anything",
        )

    def _call(self, node: ast.Call) -> None:
        if self.computed_names:
            return
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in _FORMATS:
            self._format(function, node)
        name = (
            function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
        )
        if name in _OPERATOR_BY_NAME and not all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value not in _FORMATS
            for a in node.args[: 1 if name == "methodcaller" else None]
        ):
            self._flag(
                node, f"{name}(<computed name>)", "a computed attribute name can reach anything"
            )
            return
        if not (isinstance(function, ast.Name) and function.id in self.by_name):
            return
        attribute = node.args[1] if len(node.args) >= 2 else None
        plain = isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)
        plain = plain or (  # a name from dir(...), read off a classmethod's own class
            function.id == "getattr"
            and isinstance(attribute, ast.Name)
            and attribute.id in self.attribute_names
            and id(node) in self.on_own_class
        )
        plain = plain or (  # a setting read off the file's own class (DeZero's Config),
            function.id == "getattr"  # by a variable's name: not one built of literals
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in self.own_classes
            and isinstance(attribute, ast.Name)
        )
        if (
            any(isinstance(a, ast.Starred) for a in node.args)
            or node.keywords
            or (not plain and function.id != "setattr")
        ):
            self._flag(
                node,
                f"{function.id}(..., <computed name>)",
                "a computed attribute name can reach anything",
            )

    def _string(self, node: ast.Constant) -> None:
        """A string that names what may not be reached (``"__globals__"``), as
        ``operator.attrgetter`` or a ``__dict__[...]`` lookup would use it."""
        if node.value in self.reaching or node.value in self.names:
            self._flag(
                node,
                repr(node.value),
                "names something that reaches into the interpreter, files or processes",
            )
        elif "{" in node.value and self.reaching & _format_attributes(node.value):
            self._flag(
                node,
                repr(node.value)[:60],
                "a format field that reaches into the interpreter (str.format reads "
                "attributes by name)",
            )


def _format_attributes(text: str) -> set[str]:
    """The attributes and keys the replacement fields of a format string read:
    ``"{0.__globals__[os]}"`` reads ``__globals__`` and ``os``."""
    return {
        name
        for field in re.findall(r"\{([^{}]*)\}", text)
        for name in re.findall(r"[.\[](\w+)", field.partition("!")[0].partition(":")[0])
    }


def _forbidden_why(module: str) -> str:
    if module in STAND_INS:
        return (
            f"{module} computes derivatives itself, so the code you hand in may not import "
            "it, not even where the grader never calls it: take it out, and compare your "
            "engine with it in a file you do not hand in"
        )
    if module in GRADER_PACKAGES:
        return f"{module} is chaingrade's own code: take it out"
    return (
        f"{module} reaches processes, the network or the interpreter, or runs text as code, "
        "which this assignment does not allow: take it out"
    )


def _partly_why(module: str) -> str:
    return (
        f"of {module}, a submission may use only {module}.NAME for NAME in "
        f"{', '.join(sorted(PARTLY_ALLOWED[module]))}: the rest reaches into the interpreter"
    )


#: What the text of a string annotation may be made of, once parsed: type names, dots,
#: subscripts, tuples and lists, ``|``, and constants (never a call).
_TYPE_NODES = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Tuple,
    ast.List,
    ast.BinOp,
    ast.BitOr,
    ast.Constant,
    ast.Load,
)


def _type_text(text: str, depth: int = 0) -> bool:
    """Whether a string annotation is a type typing may evaluate safely: names,
    subscripts and ``|`` (``'list[int]'``), with strings only where typing keeps them as
    values (``'Literal["+"] | None'``) or that are such text themselves."""
    if _TYPE_TEXT.fullmatch(text):
        return True
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    values = _type_values(tree)
    for node in ast.walk(tree):
        if not isinstance(node, _TYPE_NODES):
            return False
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.BitOr):
            return False
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in values
        ):
            if depth >= 3 or not _type_text(node.value, depth + 1):
                return False
    return True


def _type_values(annotation: ast.expr) -> set[int]:
    """Nodes of an annotation that typing keeps as values, never evaluates as type names:
    everything inside ``Literal[...]``, and ``Annotated[T, ...]``'s metadata."""
    values: set[int] = set()
    for node in ast.walk(annotation):
        if not isinstance(node, ast.Subscript):
            continue
        head = node.value
        name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
        if name == "Literal":
            values |= {id(n) for n in ast.walk(node.slice)}
        elif name == "Annotated" and isinstance(node.slice, ast.Tuple):
            values |= {id(n) for meta in node.slice.elts[1:] for n in ast.walk(meta)}
    return values


def _names_from_dir(nodes: list[ast.AST], modules: set[str], builtins_used: set[str]) -> set[str]:
    """Variables whose every binding is a loop over ``dir(obj)`` (minitorch's
    ``for k in dir(MathTest): getattr(cls, k)``): they hold only names the object itself
    lists. ``dir`` of an imported module is left out (a module lists the modules it
    imported)."""
    if "dir" not in builtins_used:
        return set()
    loops = [n for n in nodes if isinstance(n, ast.For | ast.AsyncFor | ast.comprehension)]
    over_dir = {id(loop.target) for loop in loops if _is_dir_loop(loop, modules)}
    from_dir, bound_otherwise = set(), {n.arg for n in nodes if isinstance(n, ast.arg)}
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            (from_dir if id(node) in over_dir else bound_otherwise).add(node.id)
    return from_dir - bound_otherwise


def _names_of_texts(nodes: list[ast.AST]) -> set[str]:
    """Variables whose every binding is an assignment of a string written out
    (``FORMAT = "{:.4f}"``): a format string held in one is as good as written out."""
    literal: dict[str, int] = {}  # plain assignments of a string, by name
    for node in nodes:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        literal[target.id] = literal.get(target.id, 0) + 1
    stores: dict[str, int] = {}  # every binding, by name
    for node in nodes:
        name = None
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            name = node.id
        elif isinstance(node, ast.arg):
            name = node.arg
        elif isinstance(node, ast.alias):
            name = node.asname or node.name.partition(".")[0]
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for each in node.names:
                stores[each] = stores.get(each, 0) + 1
        if name is not None:
            stores[name] = stores.get(name, 0) + 1
    return {name for name, count in literal.items() if stores.get(name) == count}


def _own_classes(tree: ast.AST, nodes: list[ast.AST]) -> set[str]:
    """Names bound only by a class statement at the top of the file (DeZero's ``class
    Config``), never assigned, imported, declared global or taken as a parameter: a
    ``getattr(Config, name)`` there reads one attribute of the student's own class, and
    reaching further from what it returns takes a construct checked on its own. Not a
    class statement with a decorator (``@pick class Config``: the name is bound to what
    the decorator returns, a function whose ``__globals__`` a computed name reaches), a
    metaclass or other class keyword, or a base other than such a class of the file (a
    base's metaclass makes the class, and may return anything)."""
    body = getattr(tree, "body", [])
    statements = [n for n in body if isinstance(n, ast.ClassDef)]
    bound: list[str] = []
    for node in nodes:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            bound.append(node.name)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.append(node.id)
        elif isinstance(node, ast.arg):
            bound.append(node.arg)
        elif isinstance(node, ast.alias):
            bound.append(node.asname or node.name.partition(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound += node.names
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.append(node.rest)
    plain = {
        n.name: n
        for n in statements
        if bound.count(n.name) == 1 and not n.decorator_list and not n.keywords
    }
    own: set[str] = set()
    for _ in range(len(plain)):  # a base must be one already known to be plain
        own |= {
            name
            for name, n in plain.items()
            if all(isinstance(b, ast.Name) and (b.id in own or b.id == "object") for b in n.bases)
        }
    return own


def _getattrs_on_cls(nodes: list[ast.AST]) -> set[int]:
    """The ``getattr(cls, ...)`` calls of classmethods (minitorch's ``testing.py``), ``cls``
    their first parameter and never rebound in them: what ``dir()`` lists there is a
    class's attributes. Anywhere else a name from ``dir()`` may be a frame's or a
    traceback's (``for k in dir(tb): getattr(tb, k)`` reaches ``tb_frame``)."""
    calls = set()
    for method in nodes:
        if not isinstance(method, ast.FunctionDef) or not method.args.args:
            continue
        if not any(getattr(d, "id", None) == "classmethod" for d in method.decorator_list):
            continue
        cls = method.args.args[0].arg
        inside = [n for statement in method.body for n in ast.walk(statement)]
        if any(
            (isinstance(n, ast.Name) and n.id == cls and not isinstance(n.ctx, ast.Load))
            or (isinstance(n, ast.arg) and n.arg == cls)
            for n in inside
        ):
            continue  # rebound, or a nested function's own parameter
        calls |= {
            id(n)
            for n in inside
            if isinstance(n, ast.Call)
            and getattr(n.func, "id", None) == "getattr"
            and n.args
            and isinstance(n.args[0], ast.Name)
            and n.args[0].id == cls
        }
    return calls


def _is_dir_loop(loop: ast.For | ast.AsyncFor | ast.comprehension, modules: set[str]) -> bool:
    """``for NAME in dir(obj)``, ``obj`` not an imported module."""
    source = loop.iter
    return (
        isinstance(loop.target, ast.Name)
        and isinstance(source, ast.Call)
        and isinstance(source.func, ast.Name)
        and source.func.id == "dir"
        and len(source.args) == 1
        and not source.keywords
        and not (isinstance(source.args[0], ast.Name) and source.args[0].id in modules)
    )
