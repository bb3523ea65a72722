"""Notebooks: the Python in a Jupyter notebook's code cells.

    code(raw, label) -> (source, segments, notes)

The code cells, read with nbformat, are joined in order into one module, each after a
``# cell N`` line (cells are counted from the top, markdown cells included, as a student
scrolling the notebook counts them); ``segments`` say which lines came from which cell,
so a syntax error or a policy finding can name the cell and its line. What IPython runs
but Python cannot is dropped, and each drop is a note for the report (never a penalty):

* a cell magic (``%%bash``, ``%%writefile x.py``, ``%%html``): the whole cell; under
  ``%%time``, ``%%timeit``, ``%%capture`` and ``%%prun`` the body is Python and is kept;
* in a cell that is not Python as it stands: line magics (``%matplotlib inline``), shell
  lines (``!pip install x``, ``files = !ls``) and help lines (``tensor?``), each replaced
  by ``pass`` so that the block around it still stands (a cell that parses is left alone:
  ``x % 2`` on a continuation line is arithmetic);
* statements that call ``get_ipython()``, which plain Python does not have.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

#: Cell magics whose body is Python IPython runs (timed, profiled, captured): kept.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
#: How many dropped lines are listed one by one.
MAX_LISTED = 20
_SHELL_ASSIGNMENT = re.compile(r"^[\w.,\s\[\]()]+=\s*[!%]")
#: IPython's help lines: ``tensor?``, ``x.grad??``, ``?exp``, ``np.*exp*?`` (an object's
#: name and nothing else: a ``?`` in a comment or a string is Python's).
_HELP = re.compile(r"^(\?{1,2}[\w.*\[\]]+|[\w.*\[\]]+\?{1,2})$")


class NotebookError(ValueError):
    """A file that is not a notebook nbformat can read."""


@dataclass(frozen=True)
class Segment:
    """Lines ``first`` .. ``first + count - 1`` of the module are cell ``cell``'s."""

    first: int
    count: int
    cell: int


def code(raw: bytes, label: str) -> tuple[bytes, tuple[Segment, ...], list[str]]:
    """The module made of the notebook's code cells, where each cell's lines are, and
    one note per dropped line (``hw1.ipynb, cell 2, line 1: dropped %matplotlib inline``)."""
    import nbformat  # only when a notebook is graded

    try:
        notebook = nbformat.reads(raw.decode("utf-8-sig"), as_version=4)
        cells = list(notebook.cells)
    except Exception as e:  # noqa: BLE001 - nbformat raises many kinds for a broken file
        raise NotebookError(f"{label} is not a notebook nbformat can read: {e}") from None
    lines: list[str] = []
    segments: list[Segment] = []
    dropped: list[str] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        kept, removed = python_of_cell(source)
        dropped += [f"{label}, cell {number}, line {n}: dropped {text}" for n, text in removed]
        if not kept.strip():
            continue
        cell_lines = kept.splitlines()
        lines.append(f"# cell {number}")
        segments.append(Segment(len(lines) + 1, len(cell_lines), number))
        lines += cell_lines
    if len(dropped) > MAX_LISTED:
        dropped = [*dropped[:MAX_LISTED], f"and {len(dropped) - MAX_LISTED} more lines dropped"]
    text = "\n".join(lines) + "\n" if lines else ""
    return text.encode("utf-8"), tuple(segments), dropped


def python_of_cell(source: str) -> tuple[str, list[tuple[int, str]]]:
    """A cell's source as Python, and what was dropped: (line number, what it was)."""
    lines = source.splitlines()
    removed: list[tuple[int, str]] = []
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = (first[2:].split() or [""])[0]
        if magic not in PYTHON_CELL_MAGICS:
            return "", [(1, f"{_shown(first)}, a cell magic, and its cell ({len(lines)} lines)")]
        removed.append((1, f"{_shown(first)} (its body is kept)"))
        lines[0] = ""
    if not _parses(lines):
        for n, line in enumerate(lines):
            if _is_ipython_line(line):
                removed.append((n + 1, _shown(line.strip())))
                lines[n] = _indent(line) + "pass"
    for start, end in _get_ipython_statements(lines):
        removed.append((start, _shown(lines[start - 1].strip())))
        lines[start - 1] = _indent(lines[start - 1]) + "pass"
        for n in range(start, end):
            lines[n] = ""
    removed.sort()
    return "\n".join(lines), removed


def _parses(lines: list[str]) -> bool:
    try:
        ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _is_ipython_line(line: str) -> bool:
    """``%magic``, ``!shell``, ``name?`` help, ``files = !ls``: IPython, not Python."""
    text = line.strip()
    if text.startswith(("%", "!")):
        return True
    if _HELP.match(text):
        return True
    return bool(_SHELL_ASSIGNMENT.match(text))


def _get_ipython_statements(lines: list[str]) -> list[tuple[int, int]]:
    """First and last line of each simple statement that calls ``get_ipython()``."""
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            calls = (
                n
                for n in ast.walk(node)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name)
                and n.func.id == "get_ipython"
            )
            if any(calls):
                found.append((node.lineno, node.end_lineno or node.lineno))
    return sorted(set(found))


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _shown(text: str, limit: int = 80) -> str:
    """A dropped line as the report shows it: quoted, printable, at most ``limit`` long."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
