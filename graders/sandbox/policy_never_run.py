"""Code the static policy does not check because it never runs when a submission is
graded: the body of ``if TYPE_CHECKING:`` and of ``if __name__ == "__main__":`` (unless
the submission rebinds either name), and a course script's block that only puts its own
package's folder on the import path."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from graders.sandbox import dormant


def running_nodes(
    tree: ast.AST, never_run: frozenset[str], asleep: frozenset[int] = frozenset()
) -> list[ast.AST]:
    """Every node but those in blocks that never run when graded (``if
    TYPE_CHECKING:``, ``if __name__ == "__main__":``; their ``else`` runs), and the bodies
    of the functions in ``asleep`` (``graders.sandbox.dormant``: what their ``def`` runs
    is kept). ``never_run``: which of the two names the submission leaves alone
    (:func:`never_run_tests`)."""
    typing_names = {
        a.asname or a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for a in n.names
        if a.name in _TYPING
    }
    stored = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
    }
    typing_names -= stored
    nodes: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and _never_runs(node.test, never_run, typing_names):
            stack += [node.test, *node.orelse]
            continue
        if _import_path_setup(node):
            continue  # a course script finding its own package: nothing else in it
        if id(node) in asleep:  # a function nothing that runs calls: what its def runs
            stack += dormant.def_time(node)  # type: ignore[arg-type]
            continue
        stack.extend(ast.iter_child_nodes(node))
    return nodes


#: Tests of ``if`` blocks that never run when a submission is graded: type checkers' code,
#: and a script's main block (the worker imports the entry under its own name).
_NEVER_RUN_NAMES = {"TYPE_CHECKING": "TYPE_CHECKING", "__name__": "__main__"}


def never_run_tests(trees: Iterable[tuple[ast.AST, set[str]]]) -> frozenset[str]:
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
            touched: set[str | None] = set()
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
