"""A folder handed in: where its entry is (``--entry``, the entry's name at the top or
deeper, the module that defines the API's leaf, the only file), walked without following
links or entering hidden, cache or installed folders."""

from __future__ import annotations

import os
import stat
from collections import deque
from pathlib import Path

from graders import discovery
from graders.presets import LEAF_NAMES
from graders.submission.copied import Assembly, taken
from graders.submission.handed_in import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_ENTRIES,
    SEARCHED_BYTES,
    SKIPPED_FOLDERS,
    HandInError,
    Submission,
)
from graders.submission.limits import Budget, read_regular


def from_folder(
    folder: Path, entry: str, budget: Budget, leaves: tuple[str, ...], chosen: str | None
) -> Submission:
    """The assignment's entry (or ``chosen``); else the module that defines a leaf the API
    needs (:mod:`graders.discovery`); else the folder's only Python file; else its only
    notebook."""
    walk = Walk(folder)
    if chosen:
        return _chosen(walk, chosen, entry, budget)
    if folder.name == entry and _regular(folder / "__init__.py"):  # the package itself
        assembly = Assembly(folder, entry, budget, walk.python_files(folder, f"{entry}/"))
        return assembly.finish(f"{entry}/__init__.py", walk.notes)
    found = walk.find_entry(entry)
    if found is not None:
        root, name = found
        shown = walk.label(root / name).removesuffix("__init__.py")
        if root != folder and name.endswith(".py") and _regular(root / "__init__.py"):
            # A module of the student's package (karpathy/micrograd's micrograd/engine.py) is
            # imported as they import it from their repository: micrograd.engine.
            def said(path: str, module: str) -> str:
                return (
                    f"graded {path} (import {module}): the assignment's entry, the shallowest "
                    "one, a module of your package"
                )

            return _package_path(walk, root / name, entry, budget, said)
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


def _assemble(walk: Walk, module: str, budget: Budget, root: Path, found: str, why=()):
    """The submission whose entry is ``found`` (a file, a package's ``__init__.py`` or a
    notebook, relative to ``root``), imported as ``module``."""
    folder = walk.folder
    prefix = "" if root == folder else f"{root.relative_to(folder)}/"
    assembly = Assembly(folder, module, budget, walk.python_files(root), prefix, walk.around(root))
    assembly.notes += list(why)
    if found.endswith(".ipynb"):
        return assembly.with_notebook(root / found, found, walk.notes)
    return assembly.finish(found, walk.notes)


def _discovered(walk: Walk, entry: str, leaves, budget: Budget) -> Submission | None:
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
            f"API needs ({shown}): hand in only the engine, or say which to grade with "
            f"--entry (for example --entry {found[0].shown.rstrip('/')})"
        )
    (engine,) = found
    kind = "script"
    if engine.packaged:
        kind = "package" if engine.file.endswith("__init__.py") else "module of a package"
    why = (
        f"no {entry}.py: graded {engine.shown} (import {{module}}), the shallowest "
        f"{kind} that defines {engine.leaf}, the leaf the API needs (packages before loose "
        "scripts); to grade another, hand it in alone or name it with --entry"
    )
    if not engine.packaged:
        return _module_at(walk, engine.file, entry, budget, why)
    root = walk.folder / engine.root if engine.root else walk.folder
    prefix = f"{engine.root}/" if engine.root else ""
    said = [why.format(module=engine.module)]
    return _assemble(walk, engine.module, budget, root, engine.file[len(prefix) :], said)


def _module_at(walk: Walk, path: str, entry: str, budget: Budget, why: str) -> Submission:
    """The loose module at ``path`` (relative to the folder) as the entry, imported under
    its own name unless that names another module (then as ``entry``); ``why``, the note
    that says so, formats ``{module}``."""
    root_text, _, name = path.rpartition("/")
    root = walk.folder / root_text if root_text else walk.folder
    stem = name.removesuffix(".py")
    if stem.isidentifier() and not taken(stem):
        return _assemble(walk, stem, budget, root, name, [why.format(module=stem)])
    prefix = f"{root_text}/" if root_text else ""
    assembly = Assembly(
        walk.folder, entry, budget, walk.python_files(root), prefix, walk.around(root)
    )
    source = assembly.candidates.pop(name)
    data = budget.read(source, f"{prefix}{name}", counted=False, beneath=walk.folder)
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


def _chosen(walk: Walk, chosen: str, entry: str, budget: Budget) -> Submission:
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


def _package_path(walk: Walk, target: Path, chosen: str | None, budget: Budget, why=None):
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


class Walk:
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
                data = read_regular(path, relative, MAX_BYTES, self.folder)
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

    def around(self, root: Path) -> dict[str, tuple[Path, str]]:
        """The modules and packages at the top of each folder around ``root``, up to the
        handed-in folder, the nearest first: a script there that puts its repository on
        the import path (DeZero's ``steps/``, whose steps import ``dezero/``), or one run
        from an installed checkout, imports them by name. By path as imported from the
        top -> (file, its path in the hand-in)."""
        found: dict[str, tuple[Path, str]] = {}
        taken = set()
        folder = root
        while folder != self.folder and self.folder in folder.parents:
            folder = folder.parent
            here: dict[str, tuple[Path, str]] = {}
            for e in self.children(folder):
                path = Path(e.path)
                if e.is_symlink() or path == root or path in root.parents:
                    continue
                if e.is_file() and e.name.endswith(".py"):
                    here[e.name] = (path, self.label(path))
                elif e.is_dir() and _entered(path) and _regular(path / "__init__.py"):
                    for relative, file in self.python_files(path, f"{e.name}/").items():
                        here[relative] = (file, self.label(file))
            for relative, value in here.items():
                if relative.split("/", 1)[0].removesuffix(".py") not in taken:
                    found[relative] = value
            taken |= {r.split("/", 1)[0].removesuffix(".py") for r in here}
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
