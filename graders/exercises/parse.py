"""Exercise files: a short chain of assignments, read safely into a Composition.

An instructor writes an exercise the way the course writes it::

    # The course's first MyGrad example.
    p = y * x**2
    q = 2*x + y
    g = p**2 - q**3

Every name that is used but never assigned is an input; the last assignment is the
output. Inputs may be declared first, with the box their values are drawn from
(``x: (0.5, 2.0)``); then their order is the order of the declarations, and every input
must be declared. Without declarations the inputs come in alphabetical order and are
drawn from ``strategies.points.DEFAULT_BOX``. The inputs' order is the order of the
arguments of every function a student writes.

The file is read with :mod:`ast` and never executed. A right-hand side may use names,
numbers, ``+ - * / **``, unary ``-`` and calls of the catalog's unary functions
(:data:`FUNCTIONS`); anything else is an :class:`ExerciseError` naming the line.
Numbers combine at parse time (``x ** (1/2)``). ``x**2`` is the catalog op ``pow``,
``2**x`` is ``rpow`` and ``x**y`` is ``pow_var``.

The composition has one op per node. A named intermediate (``p``, ``q``, ``g``) is the
node its right-hand side ends in and keeps its name; the other nodes get fresh names
(``t1``, ``t2``, ...)::

    >>> exercise = parse("p = y * x**2\\nq = 2*x + y\\ng = p**2 - q**3")
    >>> print(exercise.composition.source())
    t1 = x ** 2
    p = y * t1
    t2 = 2 * x
    q = t2 + y
    t3 = p ** 2
    t4 = q ** 3
    g = t3 - t4
"""

from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graders.intervals import Interval
from graders.model import ops
from graders.model.composition import Composition, Const, Node
from strategies.points import DEFAULT_BOX

#: The functions an exercise may call: the catalog's unary ops written as functions.
FUNCTIONS = tuple(op.syntax for op in ops.CATALOG.values() if op.arity == 1 and not op.is_operator)

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_ALLOWED = "names, numbers, + - * / **, unary -, and calls of " + ", ".join(FUNCTIONS)
_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Lambda: "a lambda",
    ast.Subscript: "indexing",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "a conditional expression",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.Starred: "unpacking (*)",
}


class ExerciseError(ValueError):
    """An exercise file chaingrade will not read; the message names the file and line."""


@dataclass(frozen=True)
class Exercise:
    """A parsed exercise: its composition and the instructor's named intermediates."""

    name: str
    composition: Composition
    #: The assigned names in the file's order; the last is the output.
    named: tuple[str, ...]
    #: Each named intermediate's line as the instructor wrote it, e.g. ``"p = y * x**2"``.
    lines: dict[str, str]
    #: Each named intermediate's direct dependencies (inputs and named intermediates),
    #: in graph order (inputs first, then intermediates as defined).
    dependencies: dict[str, tuple[str, ...]]
    #: Each named intermediate's own right-hand side as a composition over its dependencies.
    local: dict[str, Composition]

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.composition.inputs

    @property
    def output(self) -> str:
        return self.named[-1]

    @property
    def boxes(self) -> tuple[Interval, ...]:
        """Each input's box: declared, or the default (the reader always gives them)."""
        boxes = self.composition.boxes
        if boxes is None:
            raise ValueError(f"exercise {self.name} was built without its inputs' boxes")
        return boxes

    def index(self, name: str) -> int:
        """The node index of an input or a named intermediate."""
        return self.composition.all_names.index(name)

    def source(self) -> str:
        return "\n".join(self.lines[name] for name in self.named)


def load(path: str | Path) -> Exercise:
    """Parse the exercise file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ExerciseError(f"cannot read exercise {path}: {e.strerror}") from None
    return parse(text, name=str(path))


def parse(text: str, *, name: str = "exercise") -> Exercise:
    """Parse an exercise's text (see the module docstring for what it may contain)."""
    try:
        tree = ast.parse(text, filename=name)
    except SyntaxError as e:
        raise ExerciseError(f"{name}, line {e.lineno}: not valid Python syntax: {e.msg}") from None
    return _Parser(name, text).run(tree)


# --- the parser ---------------------------------------------------------------------


class _Parser:
    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text
        self.line = 0

    def error(self, message: str, line: int | None = None) -> ExerciseError:
        return ExerciseError(f"{self.name}, line {line or self.line}: {message}")

    def run(self, tree: ast.Module) -> Exercise:
        declared: dict[str, Interval] = {}
        statements: list[tuple[int, str, ast.expr, str]] = []
        for statement in tree.body:
            self.line = statement.lineno
            if _is_docstring(statement) and not statements and not declared:
                continue
            if isinstance(statement, ast.AnnAssign):
                if statements:
                    raise self.error("declare the inputs before the first assignment")
                name, box = self._declaration(statement)
                if name in declared:
                    raise self.error(f"input {name} is declared twice")
                declared[name] = box
            elif isinstance(statement, ast.Assign):
                target = self._target(statement)
                self._check(statement.value)
                text = ast.get_source_segment(self.text, statement) or ast.unparse(statement)
                statements.append((self.line, target, statement.value, " ".join(text.split())))
            else:
                raise self.error(
                    "only assignments (name = expression) and input declarations "
                    f"(x: (low, high)) are allowed, not {_describe(statement)}"
                )
        if not statements:
            raise ExerciseError(f"{self.name}: the exercise has no assignments")
        inputs = self._inputs(statements, declared)
        return self._build(statements, inputs, declared)

    # --- statements -----------------------------------------------------------------

    def _declaration(self, statement: ast.AnnAssign) -> tuple[str, Interval]:
        if statement.value is not None or not isinstance(statement.target, ast.Name):
            raise self.error("declare an input as  x: (low, high)")
        name = self._check_name(statement.target.id)
        box = statement.annotation
        if not isinstance(box, ast.Tuple | ast.List) or len(box.elts) != 2:
            raise self.error(f"declare input {name}'s box as  {name}: (low, high)")
        lo, hi = (self._number(e) for e in box.elts)
        if not lo < hi:
            raise self.error(f"input {name}'s box ({lo:g}, {hi:g}) is empty: give (low, high)")
        return name, (lo, hi)

    def _number(self, node: ast.expr) -> float:
        self._check(node)
        value = self._expression(node, {})
        if not isinstance(value, float):
            raise self.error(f"{ast.unparse(node)} is not a number")
        return value

    def _target(self, statement: ast.Assign) -> str:
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            raise self.error("assign to one name at a time (p = ...)")
        return self._check_name(statement.targets[0].id)

    def _check_name(self, name: str) -> str:
        if name in FUNCTIONS:
            raise self.error(f"{name} is a function and cannot be used as a variable name")
        return name

    def _check(self, node: ast.expr) -> None:
        """Refuse anything but names, numbers, the arithmetic operators and FUNCTIONS calls."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise self.error(f"{ast.unparse(node)} is not a number")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise self.error(f"{node.id} is a function: call it, {node.id}(x)")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise self.error(
                    f"the operator in {ast.unparse(node)} is not allowed; use {_ALLOWED}"
                )
            self._check(node.operand)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.error(
                    f"the operator in {ast.unparse(node)} is not allowed; use {_ALLOWED}"
                )
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute):
                raise self.error(
                    f"attribute access is not allowed ({ast.unparse(function)}); use {_ALLOWED}"
                )
            if not isinstance(function, ast.Name):
                what = _FORBIDDEN.get(type(function), ast.unparse(function))
                raise self.error(
                    f"calling {what} is not allowed ({ast.unparse(node)}); use {_ALLOWED}"
                )
            if function.id not in FUNCTIONS:
                raise self.error(
                    f"unknown function {function.id!r}; an exercise may call {', '.join(FUNCTIONS)}"
                )
            if node.keywords or len(node.args) != 1:
                raise self.error(f"{function.id}() takes exactly one argument: {function.id}(x)")
            self._check(node.args[0])
        else:
            what = _FORBIDDEN.get(type(node), type(node).__name__)
            raise self.error(f"{what} is not allowed ({ast.unparse(node)}); use {_ALLOWED}")

    def _inputs(self, statements, declared: dict[str, Interval]) -> tuple[str, ...]:
        assigned: dict[str, int] = {}
        used: dict[str, int] = {}
        for line, target, value, _ in statements:
            self.line = line
            for name in _names(value):
                if name not in assigned:
                    used.setdefault(name, line)
            if target in assigned:
                raise self.error(f"{target} is assigned twice (first on line {assigned[target]})")
            if target in used:
                raise self.error(
                    f"{target} is used on line {used[target]} before it is assigned here"
                )
            if target in declared:
                raise self.error(f"{target} is a declared input and cannot be assigned")
            assigned[target] = line
        if not declared:
            return tuple(sorted(used))
        for name, line in used.items():
            if name not in declared:
                raise self.error(
                    f"{name} is not declared: this exercise declares its inputs, "
                    f"so declare every one ({name}: (low, high))",
                    line,
                )
        unused = [name for name in declared if name not in used]
        if unused:
            raise ExerciseError(f"{self.name}: input {unused[0]} is declared but never used")
        return tuple(declared)

    # --- the composition -------------------------------------------------------------

    def _build(self, statements, inputs, declared) -> Exercise:
        self.nodes: list[Node] = []
        self.names: list[str | None] = []  # None: a node the exercise does not name
        self.n_inputs = len(inputs)
        index = {name: k for k, name in enumerate(inputs)}
        named: list[str] = []
        lines: dict[str, str] = {}
        spans: dict[str, tuple[int, int]] = {}
        for line, target, value, text in statements:
            self.line = line
            start = len(self.nodes)
            result = self._expression(value, index)
            if isinstance(result, float):
                raise self.error(
                    f"{target} is the constant {ops.number_text(result)}: write the "
                    f"number where {target} is used"
                )
            if len(self.nodes) == start:
                alias = next(name for name, k in index.items() if k == result)
                raise self.error(f"{text} only renames {alias}: use {alias} itself")
            self.names[-1] = target
            index[target] = self.n_inputs + len(self.nodes) - 1
            named.append(target)
            lines[target] = text
            spans[target] = (self.n_inputs + start, self.n_inputs + len(self.nodes))
        taken = set(inputs) | set(named)
        fresh = (f"t{k}" for k in itertools.count(1) if f"t{k}" not in taken)
        names = tuple(name or next(fresh) for name in self.names)
        boxes = tuple(declared.get(name, DEFAULT_BOX) for name in inputs)
        composition = Composition(inputs, tuple(self.nodes), names, boxes=boxes)
        dependencies = {name: _dependencies(composition, *spans[name]) for name in named}
        for line, target, _, _ in statements[:-1]:
            if not any(target in deps for deps in dependencies.values()):
                raise self.error(
                    f"{target} is never used: every line must lead to the output "
                    f"{named[-1]} (the last line)",
                    line,
                )
        local = {name: _local(composition, dependencies[name], *spans[name]) for name in named}
        return Exercise(self.name, composition, tuple(named), lines, dependencies, local)

    def _append(self, op: str, args: tuple) -> int:
        self.nodes.append(Node(op, args))
        self.names.append(None)
        return self.n_inputs + len(self.nodes) - 1

    def _expression(self, node: ast.expr, index: dict[str, int]) -> int | float:
        """The node index a checked expression ends in, or its value if it is a number."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)  # ``_check`` let no other constant through
        if isinstance(node, ast.Name):
            if node.id not in index:
                raise self.error(f"{node.id} is not defined here")
            return index[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self._expression(node.operand, index)
            if isinstance(node.op, ast.UAdd):
                return operand
            return -operand if isinstance(operand, float) else self._append("neg", (operand,))
        if isinstance(node, ast.BinOp):
            name = _BINARY[type(node.op)]
            a = self._expression(node.left, index)
            b = self._expression(node.right, index)
            if isinstance(a, float) and isinstance(b, float):
                return self._fold(name, (a, b), node)
            if name == "pow":  # x**2, 2**x, x**y are three ops (see graders.model.ops)
                name = (
                    "rpow" if isinstance(a, float) else "pow" if isinstance(b, float) else "pow_var"
                )
            return self._append(
                name, tuple(Const(v) if isinstance(v, float) else v for v in (a, b))
            )
        # ``_check`` let no other expression through: a call of a FUNCTIONS name.
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        argument = self._expression(node.args[0], index)
        if isinstance(argument, float):
            return self._fold(node.func.id, (argument,), node)
        return self._append(node.func.id, (argument,))

    def _fold(self, op: str, args: tuple[float, ...], node: ast.expr) -> float:
        """A number computed from numbers, e.g. ``1/2``; an error unless it is finite."""
        with np.errstate(all="ignore"):
            try:
                value = float(ops.get(op).forward(*(np.float64(a) for a in args)))
            except (ArithmeticError, ValueError, TypeError):
                value = math.nan
        if not math.isfinite(value):
            raise self.error(f"{ast.unparse(node)} is not a finite number")
        return value


def _names(node: ast.expr) -> list[str]:
    """The variable names an expression uses, in reading order (called functions excluded)."""
    found: list[str] = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Name):
            found.append(n.id)
        elif isinstance(n, ast.Call):
            for a in n.args:
                visit(a)
        else:
            for child in ast.iter_child_nodes(n):
                visit(child)

    visit(node)
    return found


def _dependencies(composition: Composition, start: int, stop: int) -> tuple[str, ...]:
    """The nodes outside ``[start, stop)`` that the nodes inside it use, in graph order."""
    used = {arg for k in range(start, stop) for _, arg in composition.node(k).node_args()}
    return tuple(composition.all_names[k] for k in sorted(a for a in used if a < start))


def _local(composition: Composition, dependencies, start: int, stop: int) -> Composition:
    """The nodes ``[start, stop)`` as a composition whose inputs are their dependencies."""
    renumber = {composition.all_names.index(d): k for k, d in enumerate(dependencies)}
    renumber.update({k: len(dependencies) + k - start for k in range(start, stop)})
    nodes = tuple(
        Node(n.op, tuple(a if isinstance(a, Const) else renumber[a] for a in n.args))
        for n in (composition.node(k) for k in range(start, stop))
    )
    return Composition(tuple(dependencies), nodes, composition.all_names[start:stop])


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _describe(statement: ast.stmt) -> str:
    text = ast.unparse(statement).splitlines()[0] if statement else ""
    kind = type(statement).__name__
    kinds = {
        "Import": "an import",
        "ImportFrom": "an import",
        "Expr": "a bare expression",
        "FunctionDef": "a function definition",
        "AugAssign": "an augmented assignment",
    }
    return f"{kinds.get(kind, kind)} ({text[:60]})"
