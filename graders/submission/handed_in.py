"""What the worker gets (:class:`Submission`), the error for a hand-in that cannot be
graded (:class:`HandInError`), and the limits a hand-in is read within."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graders.notebooks import Segment

#: Files and folders a folder submission may hold in all (looked at, not read).
MAX_ENTRIES = 20_000
#: How many folders deep the entry is looked for.
MAX_DEPTH = 4
#: The largest notebook file read (outputs such as plots make a notebook large).
NOTEBOOK_BYTES = 50_000_000
#: Defaults of the ``files`` and ``source_bytes`` limits.
MAX_FILES = 200
MAX_BYTES = 4_000_000
#: Folders never entered: caches and installed packages (hidden folders neither).
SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules", "site-packages", "dist-packages"})
#: The most Python source read from a folder to find its engine (never copied).
SEARCHED_BYTES = 50_000_000
#: chaingrade's own packages, which nothing may shadow either.
OWN_PACKAGES = frozenset({"graders", "strategies"})


class HandInError(ValueError):
    """A submission that cannot be graded as it was handed in; the message says why and
    what to hand in. ``missing``: the entry is not there at all."""

    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class Submission:
    """What the worker gets: ``files`` (relative path -> bytes) copied into its folder,
    of which ``entry`` is imported as ``module``."""

    handed_in: Path
    module: str
    entry: str
    files: Mapping[str, bytes]
    #: How the student knows each file: their own file name, or their notebook's.
    labels: Mapping[str, str] = field(default_factory=dict)
    #: A notebook's code, by file: which of its lines came from which cell.
    cells: Mapping[str, tuple[Segment, ...]] = field(default_factory=dict)
    #: What was converted, dropped or left out, for the report (never a penalty).
    notes: tuple[str, ...] = ()
    #: The student's own files behind ``files`` (a notebook as handed in), by path under
    #: the folder the entry was found in: handing in these again resolves the same.
    originals: Mapping[str, bytes] = field(default_factory=dict)
    #: Of ``notes``, those about what a folder held and was left out, which handing in
    #: ``originals`` again cannot say.
    left_out: tuple[str, ...] = ()
    #: The ``--entry`` that picks the same entry in ``originals`` handed in again as a
    #: folder (``needle``, ``micrograd.engine``, ``hw1.ipynb``).
    again: str = ""

    def texts(self) -> dict[str, str]:
        """Each copied file's text (UTF-8, a byte-order mark dropped); raises
        UnicodeDecodeError for a file that is not UTF-8."""
        return {name: data.decode("utf-8-sig") for name, data in self.files.items()}

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def where(self, name: str, line: int | None) -> str:
        """``helpers.py:3``, or ``hw1.ipynb, cell 4, line 2`` in a notebook's code."""
        if not line:
            return self.label(name)
        for s in self.cells.get(name, ()):
            if s.first <= line < s.first + s.count:
                return f"{self.label(name)}, cell {s.cell}, line {line - s.first + 1}"
        return f"{self.label(name)}:{line}"

    def source_problem(self) -> str | None:
        """What stops this submission compiling, as the student should read it (``has a
        syntax error: hw1.ipynb, cell 4, line 2: invalid syntax``), or None. A notebook's
        cells are parsed one by one, so an error is charged to its own cell."""
        try:
            texts = self.texts()
        except UnicodeDecodeError as e:
            return f"could not be read: it is not UTF-8 text ({e.reason})"
        for name, text in texts.items():
            for piece, offset in self._pieces(name, text):
                try:
                    ast.parse(piece, filename=self.label(name))
                except SyntaxError as e:
                    where = self.where(name, e.lineno + offset if e.lineno else None)
                    return f"has a syntax error: {where}: {e.msg}"
                except (ValueError, RecursionError) as e:  # null bytes; nesting too deep
                    return f"could not be read as Python: {self.label(name)}: {e}"
        return None

    def _pieces(self, name: str, text: str) -> list[tuple[str, int]]:
        if name not in self.cells:
            return [(text, 0)]
        lines = text.splitlines(keepends=True)
        return [
            ("".join(lines[s.first - 1 : s.first - 1 + s.count]), s.first - 1)
            for s in self.cells[name]
        ]
