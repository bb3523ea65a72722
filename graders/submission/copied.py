"""What is copied from a hand-in: the entry and the student's own modules it imports,
found by reading imports (never running them), and nothing that would shadow a module the
worker or the grader imports."""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import os
import site
import sys
import sysconfig
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path

from graders.notebooks import NotebookError, Segment
from graders.notebooks import code as notebook_code
from graders.submission.handed_in import NOTEBOOK_BYTES, OWN_PACKAGES, HandInError, Submission
from graders.submission.limits import Budget


class Assembly:
    """The copy: the entry, and the student's own modules it imports (read within the
    budget, never run)."""

    def __init__(
        self,
        handed_in: Path,
        entry: str,
        budget: Budget,
        candidates: dict[str, Path] | None = None,
        prefix: str = "",
        outer: dict[str, tuple[Path, str]] | None = None,
    ):
        self.handed_in = handed_in
        self.entry = entry  # the module imported: engine, needle, micrograd.engine
        self.budget = budget
        self.candidates = candidates or {}
        self.prefix = prefix  # where the entry was found, under the handed-in folder
        #: The student's modules in the folders around the entry's, up to the handed-in
        #: folder (a repository's ``dezero/`` beside its ``steps/``): path as imported from
        #: the top -> (file, as the student knows it). The entry's own folder wins.
        self.outer = outer or {}
        self.generated: dict[str, bytes] = {}
        self.labels: dict[str, str] = {}
        self.cells: dict[str, tuple[Segment, ...]] = {}
        self.notes: list[str] = []
        self.originals: dict[str, bytes] = {}
        #: ``Submission.again`` where it is not the module (a file imported under
        #: another name: its own name).
        self.again = ""

    def with_notebook(self, notebook: Path, name: str, found: Sequence[str] = ()) -> Submission:
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

    def finish(self, entry_file: str, found: Sequence[str] = ()) -> Submission:
        files, shadowing = self._imported_from(entry_file)
        left_out = list(found)
        around = sorted({self.labels[n].rsplit("/", 1)[0] + "/" for n in files if n in self.outer})
        if around:
            self.notes.append(
                f"also copied: {', '.join(around)} from the folder around {self.prefix or 'it'}, "
                f"as {self.entry} imports it (put on the import path as a script's header or "
                "an installed checkout would)"
            )
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
        tops = {name.partition(".")[0] for name in modules}
        for name, path in _module_index(list(self.outer)).items():
            if name.partition(".")[0] not in tops:
                modules[name] = path
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
                elif (target := modules.get(module)) and target not in files:
                    queue.append(target)
        return files, shadowing

    def _read(self, name: str) -> bytes:
        if name in self.generated:
            self.budget.count(len(self.generated[name]))
            return self.generated[name]
        if name not in self.candidates:
            path, label = self.outer[name]
            self.labels[name] = label
            return self.budget.read(path, label, beneath=self._folder())
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
    for node in _live(tree):
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


def _live(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node of ``tree`` but the branch a top-level ``if FLAG:`` never takes, where
    ``FLAG`` is a module constant set once to True or False (DeZero's ``dezero/__init__.py``
    imports only ``core_simple`` while ``is_simple_core = True``)."""
    flags = _flags(tree)
    queue: deque[ast.AST] = deque([tree])
    while queue:
        node = queue.popleft()
        yield node
        if node in tree.body and isinstance(node, ast.If) and _flag(node.test, flags) is not None:
            queue.append(node.test)
            queue.extend(node.body if _flag(node.test, flags) else node.orelse)
        else:
            queue.extend(ast.iter_child_nodes(node))


def _flags(tree: ast.Module) -> dict[str, bool]:
    """Module names bound exactly once, at the top, to ``True`` or ``False``."""
    bound: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound[node.id] = bound.get(node.id, 0) + 1
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                bound[name] = bound.get(name, 0) + 2
    flags = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, bool)
            and bound.get(node.targets[0].id) == 1
        ):
            flags[node.targets[0].id] = node.value.value
    return flags


def _flag(test: ast.expr, flags: dict[str, bool]) -> bool | None:
    """The value of ``FLAG`` or ``not FLAG``, or None for any other test."""
    if isinstance(test, ast.Name):
        return flags.get(test.id)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        value = _flag(test.operand, flags)
        return None if value is None else not value
    return None


def _prefixes(parts: list[str]) -> list[str]:
    """``a``, ``a.b``, ``a.b.c`` for ``["a", "b", "c"]``."""
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


@functools.lru_cache(maxsize=1024)
def taken(name: str) -> bool:
    """Whether ``name`` is a standard module, chaingrade's, or one this interpreter has
    installed: a submission's module of that name would shadow it."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return True
    if name in OWN_PACKAGES:
        return True
    try:
        return importlib.machinery.PathFinder.find_spec(name, list(_installed_paths())) is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=1)
def _installed_paths() -> tuple[str, ...]:
    """The entries of ``sys.path`` where this interpreter's standard library and installed
    packages live. Not the others: the working folder, or a folder a test runner or a
    script put first (pytest puts test folders there) may hold a student's own modules,
    and whether a name is taken must not depend on where chaingrade was started from."""
    homes = {sysconfig.get_path(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    homes.update(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        homes.add(site.getusersitepackages())
    roots = tuple(os.path.join(os.path.realpath(h), "") for h in homes if h)
    return tuple(
        p for p in sys.path if p and os.path.join(os.path.realpath(p), "").startswith(roots)
    )


#: Installed modules the worker itself imports while it serves (after the submission's
#: folder is first on its path): a student's module of that name would replace it there.
WORKER_IMPORTS = frozenset({"numpy"})


def _shadows(name: str) -> bool:
    """Whether a student's module ``name``, imported by their entry, would shadow one the
    worker or the grader relies on: a standard module, chaingrade's, or numpy. Any other
    installed module (PyPI's micrograd) gives way: the student's own modules win."""
    standard = name in sys.stdlib_module_names or name in sys.builtin_module_names
    return standard or name in OWN_PACKAGES or name in WORKER_IMPORTS
