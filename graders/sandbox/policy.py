"""The static policy: a submission's source, checked before any of it runs.

A submission runs in the worker's own interpreter, so it could replace the worker's
functions, reach into frames, builtins and the import machinery, or read the solution
from disk. This check reads the source with :mod:`ast` (never running it) and reports
each construct that reaches for those, with its file and line:

* an ``import`` of a module outside ``allowed_imports`` (their submodules included; the
  submission's own modules, those at the top of its folder, may always be imported);
* a use of a name in ``forbidden_names``: builtins that run code, reach the interpreter's
  namespaces, or open files (``eval``, ``globals``, ``open``, ``__import__``, ...);
* an attribute in ``forbidden_attributes``: frames, code objects, class internals and
  modules reached through other modules (``__globals__``, ``f_back``, ``__subclasses__``,
  ``np.ctypeslib``, ``np.load``, ...);
* ``getattr``/``delattr`` with a computed name, ``getattr`` and its kin used other than
  by a call (``g = getattr``), and a string that names any of those (``"__globals__"``,
  as ``operator.attrgetter`` or a ``__dict__[...]`` lookup would use it).

A name counts only where it is the builtin: a parameter or local called ``input`` or
``vars`` is the student's own.

Ordinary engine code is untouched by it: dunder methods, ``__dict__``, ``__class__``,
closures, recursion, numpy, math, sets and dicts. An assignment sets its own lists in
``[policy]`` of assignment.toml; the defaults are below, and ``chaingrade policy`` prints
the lists an assignment uses. The worker adds run-time checks of its own (see
``graders.sandbox.worker``): this is the first of several layers, not a proof.

>>> for v in check({"engine.py": "import os\\nx = open('f')"}, Policy()):
...     print(v)
engine.py:1: import os (a module this assignment does not allow)
engine.py:2: open (reaches into the interpreter, files or processes)
"""

from __future__ import annotations

import ast
import re
import symtable
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_IMPORTS = (
    "math",
    "numpy",
    "functools",
    "itertools",
    "collections",
    "dataclasses",
    "typing",
    "operator",
    "numbers",
    "abc",
    "enum",
    "__future__",
)
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
    """What a submission may use; ``enabled=False`` turns the static check off."""

    allowed_imports: tuple[str, ...] = DEFAULT_IMPORTS
    forbidden_names: tuple[str, ...] = DEFAULT_NAMES
    forbidden_attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES
    #: Allow ``getattr(math, name)`` and its kin with a computed name (closed by default:
    #: a computed name can spell anything the lists forbid).
    computed_names: bool = False
    enabled: bool = True

    @classmethod
    def from_toml(cls, data: Mapping) -> Policy:
        """``[policy]`` of assignment.toml; missing lists keep their defaults."""
        unknown = set(data) - {
            "allowed_imports",
            "forbidden_names",
            "forbidden_attributes",
            "computed_names",
            "enabled",
        }
        if unknown:
            raise ValueError(f"[policy]: unknown fields {sorted(unknown)}")
        lists = {}
        for key in ("allowed_imports", "forbidden_names", "forbidden_attributes"):
            if key in data:
                value = data[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"[policy] {key} must be a list of names")
                lists[key] = tuple(value)
        switches = {}
        for key in ("computed_names", "enabled"):
            if key in data:
                if not isinstance(data[key], bool):
                    raise ValueError(f"[policy] {key} must be true or false")
                switches[key] = data[key]
        return cls(**lists, **switches)

    def describe(self) -> str:
        """The lists, as ``chaingrade policy`` and the student README show them."""
        if not self.enabled:
            return "The static policy is off for this assignment.\n"
        return (
            f"imports allowed: {', '.join(self.allowed_imports)}\n"
            f"names not allowed: {', '.join(self.forbidden_names)}\n"
            f"attributes not allowed: {', '.join(self.forbidden_attributes)}\n"
            + (
                ""
                if self.computed_names
                else "also not allowed: getattr, delattr, attrgetter or methodcaller with a "
                "computed attribute name\n"
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
    # The submission's own modules, which its files may import: the names at the top of
    # its folder (``helpers.py``, a package ``minitorch/``), never a file deeper inside
    # (``minitorch/os.py`` does not make ``import os`` the student's).
    local = {name.split("/", 1)[0].removesuffix(".py") for name in sources}
    found: list[Violation] = []
    for name, text in sources.items():
        try:
            tree = ast.parse(text, filename=name)
            builtins_used = _builtin_references(text, name)
        except (SyntaxError, ValueError, RecursionError):
            continue
        found += _Checker(name, policy, local, builtins_used).run(tree)
    return found


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

    def __init__(self, file: str, policy: Policy, local_modules: set[str], builtins_used: set[str]):
        self.file = file
        self.allowed = set(policy.allowed_imports) | local_modules
        self.names = set(policy.forbidden_names) & builtins_used
        self.attributes = set(policy.forbidden_attributes)
        self.reaching = self.attributes - MODULE_ONLY
        self.by_name = {n for n in _BY_NAME if n in builtins_used}
        self.computed_names = policy.computed_names
        self.modules: set[str] = set()  # names bound to imported modules
        self.found: list[Violation] = []

    def run(self, tree: ast.AST) -> list[Violation]:
        nodes = list(ast.walk(tree))
        for node in nodes:  # imports first: they say which names are modules
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._import(node)
        called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
        self._annotations(nodes)
        for node in nodes:
            if isinstance(node, ast.Name):
                self._name(node, id(node) in called)
            elif isinstance(node, ast.Attribute):
                self._attribute(node)
            elif isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self._string(node)
        return sorted(self.found, key=lambda v: v.line)

    def _annotations(self, nodes: list[ast.AST]) -> None:
        """String annotations that are code, not type names: typing evaluates them."""
        annotations = [n.annotation for n in nodes if isinstance(n, ast.arg | ast.AnnAssign)]
        annotations += [n.returns for n in nodes if isinstance(n, ast.FunctionDef)]
        annotations += [n.returns for n in nodes if isinstance(n, ast.AsyncFunctionDef)]
        for annotation in filter(None, annotations):
            for part in ast.walk(annotation):
                if (
                    isinstance(part, ast.Constant)
                    and isinstance(part.value, str)
                    and not _TYPE_TEXT.fullmatch(part.value)
                ):
                    self._flag(
                        part, repr(part.value)[:60], "an annotation typing would run as code"
                    )

    def _flag(self, node: ast.AST, construct: str, why: str) -> None:
        self.found.append(Violation(self.file, getattr(node, "lineno", 0), construct, why))

    def _module_allowed(self, name: str) -> bool:
        parts = name.split(".")
        return parts[0] in self.allowed and not set(parts[1:]) & self.reaching

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not self._module_allowed(alias.name):
                    self._flag(
                        node, f"import {alias.name}", "a module this assignment does not allow"
                    )
                self.modules.add(alias.asname or alias.name.partition(".")[0])
            return
        module = node.module or ""
        if node.level == 0 and not self._module_allowed(module):
            self._flag(node, f"from {module} import ...", "a module this assignment does not allow")
        for alias in node.names:
            construct = f"from {module} import {alias.name}"
            if alias.name in MODULE_ONLY:
                if node.level == 0:
                    self._flag(node, construct, "reads or writes files")
            elif alias.name in _EVALUATES_TEXT:
                self._flag(node, construct, "evaluates text as code")
            elif alias.name in self.names or alias.name in self.attributes:
                self._flag(node, construct, "reaches into the interpreter, files or processes")

    def _name(self, node: ast.Name, called: bool) -> None:
        if node.id in _EVALUATES_TEXT:
            self._flag(node, node.id, "evaluates text as code")
        elif node.id in self.names:
            self._flag(node, node.id, "reaches into the interpreter, files or processes")
        elif node.id in self.by_name and not called and not self.computed_names:
            self._flag(
                node, node.id, "getattr and its kin may only be called, with a name written out"
            )

    def _attribute(self, node: ast.Attribute) -> None:
        if node.attr in _EVALUATES_TEXT:
            self._flag(node, f".{node.attr}", "evaluates text as code")
        elif node.attr in self.attributes:
            on_module = isinstance(node.value, ast.Name) and node.value.id in self.modules
            if node.attr not in MODULE_ONLY or on_module:
                self._flag(
                    node, f".{node.attr}", "reaches into the interpreter, files or processes"
                )

    def _call(self, node: ast.Call) -> None:
        if self.computed_names:
            return
        function = node.func
        name = (
            function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
        )
        if name in _OPERATOR_BY_NAME and not all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args
        ):
            self._flag(
                node, f"{name}(<computed name>)", "a computed attribute name can reach anything"
            )
            return
        if not (isinstance(function, ast.Name) and function.id in self.by_name):
            return
        attribute = node.args[1] if len(node.args) >= 2 else None
        plain = isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)
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
