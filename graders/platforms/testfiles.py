"""An assignment's test files read without running them: which test checks which part,
for how many points, and who may see it.

``release`` uses this to leave hidden tests out of the student pack, and ``classroom``
to give each public test its own workflow step. A test's visibility is its
``visibility`` marker (on the function, its class, or the module's ``pytestmark``),
else the visibility of the part it checks (``chaingrade.check_part("name")`` with a
literal name), else ``visible``.

>>> from graders.assignment import load
>>> [t.nodeid for t in read(load("scalar_autodiff"))][:1]
['test_engine.py::test_arithmetic']
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from graders.assignment import Assignment, Part

#: Folders of an assignment that never hold tests students may see.
PRIVATE_FOLDERS = frozenset({"solution", "starter", "__pycache__", ".hypothesis", ".pytest_cache"})


@dataclass(frozen=True)
class TestInfo:
    file: str  # path relative to the assignment folder, with "/"
    name: str  # "test_x" or "TestClass::test_x"
    part: str | None  # the part it checks, when it calls check_part with a literal
    points: float | None
    visibility: str
    lines: tuple[int, int]  # first (its first decorator) and last line, 1-based

    __test__ = False  # not a pytest test class

    @property
    def nodeid(self) -> str:
        return f"{self.file}::{self.name}"


def is_test_file(name: str) -> bool:
    """Would pytest collect this file by default (``test_*.py`` or ``*_test.py``)?"""
    base = name.rsplit("/", 1)[-1]
    return base.endswith(".py") and (base.startswith("test_") or base.endswith("_test.py"))


def is_private(relative: Path) -> bool:
    """Is this path (relative to an assignment folder) inside a private folder?"""
    return bool(PRIVATE_FOLDERS & set(relative.parts[:-1]))


def test_files(folder: Path) -> list[Path]:
    """Files pytest would collect by default, outside the private folders."""
    return [
        path
        for path in sorted(folder.rglob("*.py"))
        if not is_private(path.relative_to(folder)) and is_test_file(path.name)
    ]


def grading_files(assignment: Assignment) -> dict[str, bytes]:
    """What grading an assignment reads: every file but the private folders' (the solution
    and the starter) and the solution itself, by path relative to its folder."""
    folder = assignment.folder
    solution = assignment.solution.resolve() if assignment.solution else None
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (
            not path.is_file()
            or is_private(relative)
            or path.suffix == ".pyc"
            or (solution is not None and path.resolve() == solution)
        ):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def read(assignment: Assignment) -> list[TestInfo]:
    parts = {p.name: p for p in assignment.parts}
    tests = []
    for path in test_files(assignment.folder):
        relative = path.relative_to(assignment.folder).as_posix()
        tests += read_file(path, relative, parts)
    return tests


def read_file(path: Path, relative: str, parts: dict[str, Part]) -> list[TestInfo]:
    """The tests in one file; ``parts`` maps part names to the assignment's parts."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module_marks = _pytestmark(tree.body)
    tests = []

    def visit(body, prefix, inherited):
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                marks = {**inherited, **_pytestmark(node.body), **_marks(node.decorator_list)}
                visit(node.body, f"{prefix}{node.name}::", marks)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test"
            ):
                marks = {**inherited, **_marks(node.decorator_list)}
                part = _checked_part(node)
                known = parts.get(part) if part is not None else None
                visibility = marks.get("visibility") or (known.visibility if known else "visible")
                points = marks.get("points", known.points if known else None)
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                tests.append(
                    TestInfo(
                        relative,
                        prefix + node.name,
                        part,
                        None if points is None else float(points),
                        visibility,
                        (first, node.end_lineno or node.lineno),
                    )
                )

    visit(tree.body, "", module_marks)
    return tests


def _marks(decorators: list[ast.expr]) -> dict:
    """``points`` and ``visibility`` from ``@pytest.mark.NAME(literal)`` decorators."""
    found = {}
    for decorator in decorators:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
            name = decorator.func.attr
            if (
                name in ("points", "visibility")
                and _is_mark(decorator.func.value)
                and decorator.args
                and isinstance(decorator.args[0], ast.Constant)
            ):
                found[name] = decorator.args[0].value
    return found


def _pytestmark(body: list[ast.stmt]) -> dict:
    for node in body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            value = node.value
            items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            return _marks(items)
    return {}


def _is_mark(node: ast.expr) -> bool:
    """``pytest.mark`` or ``mark``."""
    return (isinstance(node, ast.Attribute) and node.attr == "mark") or (
        isinstance(node, ast.Name) and node.id == "mark"
    )


def _checked_part(function: ast.AST) -> str | None:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "check_part"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            return node.args[0].value
    return None
