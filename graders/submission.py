"""What a student handed in, resolved into what the worker gets.

    resolve(path, entry="engine", leaves=("tensor",), chosen=None) -> Submission

Students hand in three forms, and every platform path (``check``, ``grade``, the pytest
plugin, Gradescope's ``run_autograder``, ``batch``) resolves them here, once:

* **a Python file** (any name): copied alone, never its neighbours. It is imported under
  its own name (``alice.py`` as ``alice``) unless that is no module name or names a
  standard or installed module (``code.py``, ``mygrad.py``); then as ``entry``.
* **a notebook** (``.ipynb``): its code cells become ``ENTRY.py``; IPython's magics,
  shell lines and ``get_ipython()`` calls are dropped and listed in the notes
  (``graders.notebooks``); a syntax error names the cell and its line.
* **a folder**: the entry is what ``--entry`` names (a module such as ``needle`` or
  ``micrograd.engine``, a package, or a path inside the folder); else ``ENTRY.py``, a
  package ``ENTRY/`` (with ``__init__.py``) or a notebook ``ENTRY.ipynb``, at the
  folder's top or else the shallowest one in a subfolder (an upload or a repository may
  nest it; several at one depth: the first by name, with a note); else the package or
  module that defines the leaf the API needs (:mod:`graders.discovery`: packages before
  loose scripts, the shallowest; several equally good are one error that says to pass
  ``--entry``); else the folder's only Python file, then its only notebook. A folder
  that *is* the package (named ``ENTRY``, with ``__init__.py``) is that package. What
  was picked, and why, is a note. From the entry, the student's own modules it imports
  are found by reading its imports (never running them), and only those are copied: a
  repository's tests, ``setup.py``, scripts, ``conftest.py`` or ``sitecustomize.py``
  stay behind. A module of a package (``micrograd/engine.py``) is imported as
  ``micrograd.engine``, its package's ``__init__.py`` copied and run first.

Never copied or followed: symbolic links (wherever they point), anything that is not
Python source (data files are not even read), hidden folders (``.git``, ``.venv``, ...),
``__pycache__``, ``node_modules``, ``site-packages``, virtual environments (a folder with
``pyvenv.cfg``), and a module at the top of the copy named like a standard module,
chaingrade's or numpy (``json.py``, ``os.py``, ``numpy.py``): in a submission, ``import
numpy`` always means NumPy, so nothing copied can shadow a module the worker or the grader
imports. Any other module the entry imports is the student's own, whatever its name: a
package ``micrograd/`` or a helper ``autograd.py`` is copied even where PyPI's micrograd or
autograd is installed, and ``import micrograd`` means the student's. What the entry would
have used among those left out is listed in the notes.

Limits (``[limits]`` of assignment.toml): ``files``, the Python files copied, and
``source_bytes``, their total size (a notebook's code cells count, not its outputs). A
folder holding more than :data:`MAX_ENTRIES` files and folders, or a notebook file larger
than :data:`NOTEBOOK_BYTES`, is refused as well; :class:`HandInError` says which limit.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import os
import stat
import sys
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from graders import discovery
from graders.notebooks import NotebookError, Segment
from graders.notebooks import code as notebook_code
from graders.presets import LEAF_NAMES

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


def resolve(
    path: Path,
    entry: str | None = None,
    *,
    leaves: tuple[str, ...] = (),
    chosen: str | None = None,
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
) -> Submission:
    """The submission handed in at ``path`` (a file, a notebook or a folder); ``entry``
    is the module the assignment names (default: a file's own name, else ``engine``).
    In a folder without it, the engine is found by ``leaves``, the names of the leaf
    constructor the API needs (``Tensor``, ``Value``, ...: see :mod:`graders.discovery`);
    ``chosen`` (``--entry``) names the entry outright: a module (``needle``,
    ``micrograd.engine``), a package or a path inside the folder (``python/needle``,
    ``steps/step16.py``). Raises :class:`HandInError` for one that cannot be graded as
    handed in."""
    path = Path(path)
    budget = _Budget(max_files, max_bytes)
    if path.is_dir():
        return _from_folder(path, entry or "engine", budget, leaves, chosen)
    if not path.exists():
        raise HandInError(f"no such file or folder: {path}", missing=True)
    extra = (f"--entry {chosen} is for a folder: graded {path.name} itself",) if chosen else ()
    if path.suffix == ".ipynb":
        made = _Assembly(path, entry or "engine", budget).with_notebook(path.resolve(), path.name)
        return replace(made, notes=(*made.notes, *extra))
    data = budget.read(path.resolve(), path.name)  # the caller named this file: a link is fine
    own = path.stem if path.stem.isidentifier() and not _taken(path.stem) else entry or "engine"
    notes = extra
    if own != path.stem:
        why = "is not a module name" if not path.stem.isidentifier() else "names another module"
        notes += (f"{path.name}: {path.stem} {why}, so it is imported as {own}",)
    return Submission(
        handed_in=path,
        module=own,
        entry=f"{own}.py",
        files={f"{own}.py": data},
        labels={f"{own}.py": path.name},
        notes=notes,
        originals={path.name: data},
    )


def entry_of(submission: str) -> str:
    """The module an assignment's ``submission`` names: ``engine.py`` -> ``engine``,
    ``minitorch/`` -> ``minitorch``."""
    return Path(submission.rstrip("/")).name.removesuffix(".py").removesuffix(".ipynb")


# --- folders ---------------------------------------------------------------------------------


def _from_folder(
    folder: Path, entry: str, budget: _Budget, leaves: tuple[str, ...], chosen: str | None
) -> Submission:
    """The assignment's entry (or ``chosen``); else the module that defines a leaf the API
    needs (:mod:`graders.discovery`); else the folder's only Python file; else its only
    notebook."""
    walk = _Walk(folder)
    if chosen:
        return _chosen(walk, chosen, entry, budget)
    if folder.name == entry and _regular(folder / "__init__.py"):  # the package itself
        assembly = _Assembly(folder, entry, budget, walk.python_files(folder, f"{entry}/"))
        return assembly.finish(f"{entry}/__init__.py", walk.notes)
    found = walk.find_entry(entry)
    if found is not None:
        root, name = found
        shown = walk.label(root / name).removesuffix("__init__.py")
        why = f"graded {shown} (import {entry}): the assignment's entry, the shallowest one"
        return _assemble(walk, entry, budget, root, name, [] if root == folder else [why])
    engine = _discovered(walk, entry, leaves, budget)
    if engine is not None:
        return engine
    sources = walk.python_files(folder)
    countable = [p for p in sources if discovery._countable(p.rsplit("/", 1)[-1])]
    if len(countable) == 1:
        (only,) = countable
        why = (
            f"no {entry}.py, and {_wanted(leaves)}: graded its only Python file, {only} "
            "(import {module})"
        )
        return _module_at(walk, only, entry, budget, why)
    if len(walk.notebooks) == 1:
        return _assemble(walk, entry, budget, walk.notebooks[0].parent, walk.notebooks[0].name)
    raise HandInError(walk.missing(entry, leaves), missing=not walk.notes)


def _assemble(walk: _Walk, module: str, budget: _Budget, root: Path, found: str, why=()):
    """The submission whose entry is ``found`` (a file, a package's ``__init__.py`` or a
    notebook, relative to ``root``), imported as ``module``."""
    folder = walk.folder
    prefix = "" if root == folder else f"{root.relative_to(folder)}/"
    assembly = _Assembly(folder, module, budget, walk.python_files(root), prefix)
    assembly.notes += list(why)
    if found.endswith(".ipynb"):
        return assembly.with_notebook(root / found, found, walk.notes)
    return assembly.finish(found, walk.notes)


def _discovered(walk: _Walk, entry: str, leaves, budget: _Budget) -> Submission | None:
    """The engine :func:`graders.discovery.engines` picks, or None if none fits; several
    equally good: HandInError listing them. Not for an assignment whose API has no leaf
    (hand-derived exercises)."""
    if not leaves:
        return None
    sources = walk.sources(walk.python_files(walk.folder))
    # The API's own leaf first; else any leaf an engine goes by, so that an engine of
    # another API is still found (and grading says which API it has).
    found = discovery.engines(sources, leaves) or discovery.engines(sources, LEAF_NAMES)
    if not found:
        return None
    if len(found) > 1:
        shown = ", ".join(e.shown for e in found[:6]) + (
            f" and {len(found) - 6} more" if len(found) > 6 else ""
        )
        raise HandInError(
            f"no {entry}.py in {walk.folder.name}, and {len(found)} modules define a leaf the "
            f"API needs ({shown}): say which to grade with --entry (for example --entry "
            f"{found[0].shown.rstrip('/')})"
        )
    (engine,) = found
    kind = "script"
    if engine.packaged:
        kind = "package" if engine.file.endswith("__init__.py") else "module of a package"
    why = (
        f"no {entry}.py: graded {engine.shown} (import {{module}}), the shallowest "
        f"{kind} that defines {engine.leaf}, the leaf the API needs (packages before loose "
        "scripts); --entry NAME grades another"
    )
    if not engine.packaged:
        return _module_at(walk, engine.file, entry, budget, why)
    root = walk.folder / engine.root if engine.root else walk.folder
    prefix = f"{engine.root}/" if engine.root else ""
    said = [why.format(module=engine.module)]
    return _assemble(walk, engine.module, budget, root, engine.file[len(prefix) :], said)


def _module_at(walk: _Walk, path: str, entry: str, budget: _Budget, why: str) -> Submission:
    """The loose module at ``path`` (relative to the folder) as the entry, imported under
    its own name unless that names another module (then as ``entry``); ``why``, the note
    that says so, formats ``{module}``."""
    root_text, _, name = path.rpartition("/")
    root = walk.folder / root_text if root_text else walk.folder
    stem = name.removesuffix(".py")
    if stem.isidentifier() and not _taken(stem):
        return _assemble(walk, stem, budget, root, name, [why.format(module=stem)])
    prefix = f"{root_text}/" if root_text else ""
    assembly = _Assembly(walk.folder, entry, budget, walk.python_files(root), prefix)
    path = assembly.candidates.pop(name)
    data = budget.read(path, f"{prefix}{name}", counted=False, beneath=walk.folder)
    assembly.generated[f"{entry}.py"] = data
    assembly.labels[f"{entry}.py"] = f"{prefix}{name}"
    assembly.originals[name] = assembly.generated[f"{entry}.py"]
    assembly.again = name
    named = "is not a module name" if not stem.isidentifier() else "names another module"
    assembly.notes += [
        why.format(module=entry),
        f"{prefix}{name}: {stem} {named}, so it is imported as {entry}",
    ]
    return assembly.finish(f"{entry}.py", walk.notes)


def _chosen(walk: _Walk, chosen: str, entry: str, budget: _Budget) -> Submission:
    """The entry ``--entry`` names: a path inside the folder (``python/needle``,
    ``steps/step16.py``, ``hw1.ipynb``) or a module (``needle``, ``micrograd.engine``)."""
    text = chosen.strip().replace("\\", "/").rstrip("/")

    def why(shown: str, module: str) -> str:
        return f"graded {shown} (import {module}), as --entry {chosen} says"

    parts = text.split("/")
    if not text or text.startswith("/") or ".." in parts:
        raise HandInError(f"--entry {chosen}: give a module or a path inside the submission")
    if "/" in text or text.endswith((".py", ".ipynb")) or os.path.lexists(walk.folder / text):
        target = walk.folder / text
        if any(os.path.islink(walk.folder.joinpath(*parts[: n + 1])) for n in range(len(parts))):
            raise HandInError(f"--entry {chosen}: a symbolic link ({_LINKS})")
        if text.endswith(".ipynb") and _regular(target):
            said = why(text, entry)
            return _assemble(walk, entry, budget, target.parent, target.name, [said])
        return _package_path(walk, target, chosen, budget, why)
    modules = text.split(".")
    if not all(m.isidentifier() for m in modules):
        raise HandInError(f"--entry {chosen}: not a module name nor a path in the submission")
    found = walk.find_entry(modules[0])
    if found is None:
        raise HandInError(
            f"--entry {chosen}: no {modules[0]}.py, package {modules[0]}/ or notebook in "
            f"{walk.folder.name}"
        )
    root, name = found
    if len(modules) == 1:
        label = walk.label(root / name).removesuffix("__init__.py")
        return _assemble(walk, text, budget, root, name, [why(label, text)])
    return _package_path(walk, root.joinpath(*modules), chosen, budget, why)


def _package_path(walk: _Walk, target: Path, chosen: str | None, budget: _Budget, why=None):
    """``target`` (a module file, or a package folder, with or without ``.py``) as the
    entry, named by the packages around it (``micrograd/engine.py``: ``micrograd.engine``);
    ``why(path, module)`` is the note that says so."""
    if target.is_dir() and _regular(target / "__init__.py"):
        file = target / "__init__.py"
    elif _regular(target) and target.suffix == ".py":
        file = target
    elif _regular(target.with_name(target.name + ".py")):
        file = target.with_name(target.name + ".py")
    else:
        where = "a folder without __init__.py" if target.is_dir() else "not there"
        raise HandInError(
            f"--entry {chosen}: {walk.label(target)} is {where}; name a module (a .py file), "
            "a package (a folder with __init__.py) or a notebook"
        )
    root = file.parent if file.name != "__init__.py" else file.parent.parent
    while root != walk.folder and _regular(root / "__init__.py"):
        root = root.parent
    relative = file.relative_to(root)
    names = (
        [*relative.parts[:-1], relative.stem]
        if file.name != "__init__.py"
        else list(relative.parts[:-1])
    )
    if not all(n.isidentifier() for n in names):
        raise HandInError(f"--entry {chosen}: {'.'.join(names)} is not a module name")
    module = ".".join(names)
    shown = walk.label(file.parent) + "/" if file.name == "__init__.py" else walk.label(file)
    said = [why(shown, module)] if why else []
    return _assemble(walk, module, budget, root, relative.as_posix(), said)


def _wanted(leaves: tuple[str, ...]) -> str:
    """What discovery looked for, as the notes say it."""
    if not leaves:
        return "the assignment names no other"
    return f"no module defines {' or '.join(leaves[:8])}"


class _Walk:
    """A bounded walk of a handed-in folder that never follows a link."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.entries = 0
        self.notes: list[str] = []
        self.notebooks: list[Path] = []
        self.near: list[str] = []

    def children(self, folder: Path) -> list[os.DirEntry]:
        try:
            with os.scandir(folder) as listing:
                found = sorted(listing, key=lambda e: e.name)
        except OSError as e:
            raise HandInError(f"{self.label(folder)} could not be read: {e.strerror}") from None
        self.entries += len(found)
        if self.entries > MAX_ENTRIES:
            raise HandInError(
                f"{self.folder.name} holds more than {MAX_ENTRIES} files and folders: "
                "hand in the engine's own files"
            )
        return found

    def find_entry(self, entry: str) -> tuple[Path, str] | None:
        """The folder the entry is in, and its name there (``engine.py``,
        ``engine/__init__.py``, ``engine.ipynb``), shallowest first; None if it is not
        there (the notebooks and the names that differ only in case are kept for
        :meth:`missing`)."""
        names = {f"{entry}.py", f"{entry}.ipynb", entry}
        lower = {n.lower() for n in names}
        level, notebooks, near = [self.folder], [], []
        self.notebooks, self.near = notebooks, near
        for _ in range(MAX_DEPTH + 1):
            matches, deeper = [], []
            for folder in level:
                for e in self.children(folder):
                    path = Path(e.path)
                    if e.name not in names and e.name.lower() in lower:
                        near.append(self.label(path))
                    if e.is_symlink():
                        if e.name in names:
                            self.notes.append(f"{self.label(path)} is a symbolic link: {_LINKS}")
                    elif e.is_dir():
                        if e.name == entry and _regular(path / "__init__.py"):
                            matches.append((folder, f"{entry}/__init__.py"))
                        elif _entered(path):
                            deeper.append(path)
                    elif e.is_file() and e.name in names:
                        matches.append((folder, e.name))
                    elif e.is_file() and e.name.endswith(".ipynb"):
                        notebooks.append(path)
            if matches:
                return self._first(matches)
            level = deeper
        return None

    def sources(self, files: dict[str, Path]) -> dict[str, bytes]:
        """The source of each of ``files`` that can be read within :data:`SEARCHED_BYTES`
        in all (one larger than the assignment's limit is not an engine): read to find
        the engine, never copied."""
        read, total = {}, 0
        for relative, path in files.items():
            try:
                data = _read_regular(path, relative, MAX_BYTES, self.folder)
            except HandInError:
                continue
            if data is None:
                continue
            total += len(data)
            if total > SEARCHED_BYTES:
                raise HandInError(
                    f"{self.folder.name} holds more than {SEARCHED_BYTES} bytes of Python to "
                    "search for the engine: say which module it is with --entry"
                )
            read[relative] = data
        return read

    def python_files(self, root: Path, prefix: str = "") -> dict[str, Path]:
        """Every Python file under ``root``, by relative path (after ``prefix``), outside
        the folders never entered."""
        found: dict[str, Path] = {}
        queue = deque([(root, prefix)])
        while queue:
            folder, relative = queue.popleft()
            for e in self.children(folder):
                path = Path(e.path)
                if e.is_symlink():
                    if e.name.endswith(".py") or e.is_dir():
                        self.notes.append(f"{self.label(path)} is a symbolic link: {_LINKS}")
                elif e.is_dir():
                    if _entered(path):
                        queue.append((path, f"{relative}{e.name}/"))
                elif e.name.endswith(".py") and e.is_file():
                    found[f"{relative}{e.name}"] = path
        return found

    def label(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.folder))
        except ValueError:
            return str(path)

    def _first(self, matches: list[tuple[Path, str]]) -> tuple[Path, str]:
        """The match in the first folder by name; in one folder, .py before the package
        before the notebook."""

        def rank(match: tuple[Path, str]) -> tuple[str, int]:
            name = match[1]
            return str(match[0]), 1 if "/" in name else 2 if name.endswith(".ipynb") else 0

        matches.sort(key=rank)
        folders = list(dict.fromkeys(folder for folder, _ in matches))
        if len(folders) > 1:
            others = ", ".join(self.label(f) for f in folders[1:])
            self.notes.append(
                f"found {matches[0][1]} in {self.label(folders[0]) or 'the top folder'} "
                f"and in {others}: graded the first"
            )
        return matches[0]

    def missing(self, entry: str, leaves: tuple[str, ...]) -> str:
        """Why no entry was found, and what to hand in (after :meth:`find_entry`)."""
        notebooks, near = self.notebooks, self.near
        text = (
            f"no {entry}.py (nor a package {entry}/ or a notebook {entry}.ipynb) in "
            f"{self.folder.name}, and {_wanted(leaves)}: hand it in with exactly that "
            "name, or say which module is the engine with --entry"
        )
        if near:
            text += f" (found {', '.join(near[:3])}: names are case-sensitive)"
        if notebooks:
            names = ", ".join(self.label(n) for n in notebooks[:5])
            text += f"; of its notebooks ({names}), name the one to grade {entry}.ipynb"
        return "; ".join([text, *self.notes])


_LINKS = "not copied (links are never followed: hand in the file itself)"


def _entered(folder: Path) -> bool:
    """Whether a folder's files may be part of a submission: not hidden, not a cache,
    not installed packages nor a virtual environment."""
    name = folder.name
    if name.startswith(".") or name in SKIPPED_FOLDERS or name.endswith(".egg-info"):
        return False
    return not (folder / "pyvenv.cfg").exists()


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


# --- what is copied --------------------------------------------------------------------------


class _Assembly:
    """The copy: the entry, and the student's own modules it imports (read within the
    budget, never run)."""

    def __init__(
        self,
        handed_in: Path,
        entry: str,
        budget: _Budget,
        candidates: dict[str, Path] | None = None,
        prefix: str = "",
    ):
        self.handed_in = handed_in
        self.entry = entry  # the module imported: engine, needle, micrograd.engine
        self.budget = budget
        self.candidates = candidates or {}
        self.prefix = prefix  # where the entry was found, under the handed-in folder
        self.generated: dict[str, bytes] = {}
        self.labels: dict[str, str] = {}
        self.cells: dict[str, tuple[Segment, ...]] = {}
        self.notes: list[str] = []
        self.originals: dict[str, bytes] = {}
        #: ``Submission.again`` where it is not the module (a file imported under
        #: another name: its own name).
        self.again = ""

    def with_notebook(self, notebook: Path, name: str, found: list[str] = ()) -> Submission:
        """The entry is ``notebook``'s code (``name``: its path under the entry's folder)."""
        label = f"{self.prefix}{name}"
        raw = self.budget.read(
            notebook, label, limit=NOTEBOOK_BYTES, counted=False, beneath=self._folder()
        )
        try:
            code, segments, dropped = notebook_code(raw, label)
        except NotebookError as e:
            raise HandInError(str(e)) from None
        entry_file = f"{self.entry}.py"
        self.candidates.pop(entry_file, None)  # the notebook is the entry, not engine.py
        self.generated[entry_file] = code
        self.labels[entry_file] = label
        self.cells[entry_file] = segments
        self.originals[name] = raw
        self.again = name
        self.notes += [f"graded the code cells of {label}, as {entry_file}", *dropped]
        return self.finish(entry_file, found)

    def finish(self, entry_file: str, found: list[str] = ()) -> Submission:
        files, shadowing = self._imported_from(entry_file)
        left_out = list(found)
        for top, path in sorted(shadowing.items()):
            left_out.append(
                f"{self.prefix}{path} not copied: {top} is a standard module (or one the "
                f"grader needs), and import {top} means that one (rename your module)"
            )
        unused = sorted(
            f"{self.prefix}{n}"
            for n in self.candidates
            if n not in files and n.split("/", 1)[0].removesuffix(".py") not in shadowing
        )
        if unused:
            shown = ", ".join(unused[:6]) + (
                f" and {len(unused) - 6} more" if len(unused) > 6 else ""
            )
            left_out.append(f"not copied, as {self.entry} does not import them: {shown}")
        return Submission(
            handed_in=self.handed_in,
            module=self.entry,
            entry=entry_file,
            files=files,
            labels={**{n: f"{self.prefix}{n}" for n in files}, **self.labels},
            cells=dict(self.cells),
            notes=(*self.notes, *left_out),
            originals={
                **{n: d for n, d in files.items() if n not in self.generated},
                **self.originals,
            },
            left_out=tuple(left_out),
            again=self.again or self.entry,
        )

    def _imported_from(self, entry_file: str) -> tuple[dict[str, bytes], dict[str, str]]:
        """The entry and every file of the student's it imports, directly or not; and the
        modules left out because they would shadow another (name -> its file or folder)."""
        modules = _module_index([*self.candidates, *self.generated])
        files: dict[str, bytes] = {}
        shadowing: dict[str, str] = {}
        own = self.entry.partition(".")[0]
        # Importing micrograd.engine runs micrograd/__init__.py first.
        packages = [modules.get(p) for p in _prefixes(self.entry.split("."))[:-1]]
        queue = deque([*(p for p in packages if p), entry_file])
        while queue:
            name = queue.popleft()
            if name in files:
                continue
            files[name] = self._read(name)
            for module in _imports(files[name], _package_of(name)):
                top = module.partition(".")[0]
                if top != own and top in modules and _shadows(top):
                    shadowing[top] = modules[top] or f"{top}/"
                elif modules.get(module) and modules[module] not in files:
                    queue.append(modules[module])
        return files, shadowing

    def _read(self, name: str) -> bytes:
        if name in self.generated:
            self.budget.count(len(self.generated[name]))
            return self.generated[name]
        return self.budget.read(
            self.candidates[name], f"{self.prefix}{name}", beneath=self._folder()
        )

    def _folder(self) -> Path | None:
        """The handed-in folder every file is read beneath, or None (a single file)."""
        return self.handed_in if self.handed_in.is_dir() else None


def _module_index(paths: list[str]) -> dict[str, str | None]:
    """Dotted module name -> its file (``a/b.py`` is ``a.b``, ``a/__init__.py`` is ``a``);
    a folder without ``__init__.py`` is a namespace package (None)."""
    index: dict[str, str | None] = {}
    for path in paths:
        parts = path.removesuffix(".py").split("/")
        for n in range(1, len(parts)):
            index.setdefault(".".join(parts[:n]), None)
        if parts[-1] == "__init__":
            index[".".join(parts[:-1])] = path
        elif all(p.isidentifier() for p in parts):
            index[".".join(parts)] = path
    return index


def _package_of(path: str) -> str:
    """The package a file's relative imports start from: ``a/b/c.py`` -> ``a.b``."""
    return ".".join(path.split("/")[:-1])


def _imports(data: bytes, package: str) -> Iterator[str]:
    """Every module an import in ``data`` may load, absolute (relative ones resolved
    from ``package``); nothing for a file that does not parse (grading reports that)."""
    try:
        tree = ast.parse(data.decode("utf-8-sig"))
    except (SyntaxError, ValueError, RecursionError, UnicodeDecodeError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _prefixes(alias.name.split("."))
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".") if package else []
            if node.level:
                if node.level - 1 > len(base):
                    continue  # beyond the top package: an import error when it runs
                base = base[: len(base) - (node.level - 1)]
            else:
                base = []
            module = base + (node.module.split(".") if node.module else [])
            yield from _prefixes(module)
            for alias in node.names:
                if alias.name != "*":
                    yield ".".join([*module, alias.name])


def _prefixes(parts: list[str]) -> list[str]:
    """``a``, ``a.b``, ``a.b.c`` for ``["a", "b", "c"]``."""
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


@functools.lru_cache(maxsize=1024)
def _taken(name: str) -> bool:
    """Whether ``name`` is a standard module, chaingrade's, or one this interpreter has
    installed: a submission's module of that name would shadow it."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return True
    if name in OWN_PACKAGES:
        return True
    here = os.path.realpath(os.getcwd())  # a student's own modules may sit there
    paths = [p for p in sys.path if p and os.path.realpath(p) != here]
    try:
        return importlib.machinery.PathFinder.find_spec(name, paths) is not None
    except (ImportError, ValueError):
        return False


#: Installed modules the worker itself imports while it serves (after the submission's
#: folder is first on its path): a student's module of that name would replace it there.
WORKER_IMPORTS = frozenset({"numpy"})


def _shadows(name: str) -> bool:
    """Whether a student's module ``name``, imported by their entry, would shadow one the
    worker or the grader relies on: a standard module, chaingrade's, or numpy. Any other
    installed module (PyPI's micrograd) gives way: the student's own modules win."""
    standard = name in sys.stdlib_module_names or name in sys.builtin_module_names
    return standard or name in OWN_PACKAGES or name in WORKER_IMPORTS


# --- reading within the limits ---------------------------------------------------------------


class _Budget:
    """The Python files and bytes a submission may still have copied."""

    def __init__(self, files: int, size: int):
        self.max_files, self.max_bytes = files, size
        self.files, self.bytes = 0, 0

    def read(
        self,
        path: Path,
        label: str,
        *,
        limit: int | None = None,
        counted: bool = True,
        beneath: Path | None = None,
    ) -> bytes:
        """``path``'s bytes: a regular file, reached from ``beneath`` (if given) without
        following a link at any step."""
        limit = self.max_bytes - self.bytes if limit is None else limit
        data = _read_regular(path, label, limit, beneath)
        if data is None:
            if not counted:
                raise HandInError(f"{label} is larger than {limit} bytes")
            self._too_large()
        if counted:
            self.count(len(data))
        return data

    def count(self, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.files > self.max_files:
            raise HandInError(
                f"the submission has more than {self.max_files} Python files, the "
                f"assignment's limit ([limits] files): hand in the engine's own files"
            )
        if self.bytes > self.max_bytes:
            self._too_large()

    def _too_large(self) -> None:
        raise HandInError(
            f"the submission's Python source is larger than {self.max_bytes} bytes, the "
            "assignment's limit ([limits] source_bytes)"
        )


def _read_regular(path: Path, label: str, limit: int, beneath: Path | None) -> bytes | None:
    """A regular file's bytes, or None if it holds more than ``limit``. Never follows a
    link (from ``beneath``, not one folder on the way either: a folder swapped for a link
    while the submission is read leads nowhere) and never blocks on a pipe."""
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    flags = os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = _open_beneath(path, beneath, flags) if beneath else os.open(path, flags)
    except OSError as e:
        raise HandInError(f"{label} could not be read: {e.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise HandInError(f"{label} is not a regular file")
        if info.st_size > limit:
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    finally:
        os.close(fd)


def _open_beneath(path: Path, folder: Path, flags: int) -> int:
    """Open ``path`` (inside ``folder``) one step at a time from ``folder``, following
    no link on the way."""
    *steps, last = path.relative_to(folder).parts
    into = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for step in steps:
            inner = os.open(step, into, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(last, flags, dir_fd=fd)
    finally:
        os.close(fd)
