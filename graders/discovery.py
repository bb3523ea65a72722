"""Which module of a handed-in folder is the engine, read from its source (never run).

    engines(sources, leaves) -> [Engine, ...], the best first

A repository or an upload without the assignment's entry (``engine.py``) is searched for
the module that defines the leaf constructor the API needs (``leaves``: ``Tensor``,
``Value``, ``Scalar``, ``Variable``, ``tensor``, ...). The rule, in order:

1. **A package before a loose script.** A top-level package (a folder with
   ``__init__.py`` whose parent has none) is the engine when its ``__init__.py`` defines
   or imports a leaf (needle's ``from .autograd import Tensor``, DeZero's ``from
   dezero.core import Variable``) or star-imports a module of the package that defines one
   (minitorch's ``from .scalar import *``); otherwise the module of the package that
   defines one (a micrograd fork's ``micrograd/engine.py``, imported as
   ``micrograd.engine``).
2. **The shallowest.** Among packages, or else among loose modules (a script
   ``micrograd.py``, DeZero's ``steps/step16.py``), the fewest folders deep wins.
3. **Several equally good** are all returned: the caller says which to choose with
   ``--entry``.

Test files (``test_*.py``, ``*_test.py``, ``conftest.py``) and ``setup.py`` never count.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

#: Files that are never an engine, whatever they define.
NOT_ENGINES = ("conftest.py", "setup.py")


@dataclass(frozen=True)
class Engine:
    """A module that fits: its ``module`` name (dotted from ``root``), the ``file`` to
    import (relative to the folder searched), the folder ``root`` its imports start
    from, the ``leaf`` it defines, and whether it is a package's."""

    module: str
    file: str
    root: str
    leaf: str
    packaged: bool

    @property
    def depth(self) -> int:
        return self.root.count("/") + (1 if self.root else 0)

    @property
    def shown(self) -> str:
        """As the student knows it: ``python/needle/``, ``micrograd/engine.py``."""
        if self.file.endswith("__init__.py"):
            return self.file.removesuffix("__init__.py")
        return self.file


def engines(sources: Mapping[str, bytes], leaves: tuple[str, ...]) -> list[Engine]:
    """The modules of ``sources`` (relative path -> source) that fit, the best first:
    all those that rank equally with the best (see the module docstring)."""
    if not leaves:
        return []
    trees = {path: _tree(data) for path, data in sources.items() if path.endswith(".py")}
    packages = {p.removesuffix("/__init__.py") for p in trees if p.endswith("__init__.py")}
    found = []
    for top in sorted(p for p in packages if _parent(p) not in packages):
        found += _in_package(top, trees, packages, leaves)
    best = _best(found)
    if best:
        return best
    loose = []
    for path, tree in sorted(trees.items()):
        name = path.rsplit("/", 1)[-1]
        if _parent(path) in packages or not _countable(name):
            continue
        leaf = _defined(tree, leaves)
        stem = name.removesuffix(".py")
        if leaf and stem.isidentifier():
            loose.append(Engine(stem, path, _parent(path), leaf, packaged=False))
    return _best(loose)


def _in_package(top, trees, packages, leaves) -> list[Engine]:
    """The package ``top`` if its ``__init__.py`` exposes a leaf, else its shallowest
    modules that define one."""
    root, name = _parent(top), top.rsplit("/", 1)[-1]
    if not name.isidentifier():
        return []
    init = f"{top}/__init__.py"
    leaf = _exposed(init, trees, leaves, top, set())
    if leaf:
        return [Engine(name, init, root, leaf, packaged=True)]
    inside = []
    for path, tree in sorted(trees.items()):
        if not path.startswith(f"{top}/") or not _countable(path.rsplit("/", 1)[-1]):
            continue
        leaf = _defined(tree, leaves)
        parts = path.removesuffix(".py").removesuffix("/__init__")[len(root) + bool(root) :]
        dotted = parts.replace("/", ".")
        if leaf and all(p.isidentifier() for p in dotted.split(".")):
            if _parent(path) in packages:
                inside.append(Engine(dotted, path, root, leaf, packaged=True))
    if not inside:
        return []
    shallowest = min(e.module.count(".") for e in inside)
    return [e for e in inside if e.module.count(".") == shallowest]


def _best(found: list[Engine]) -> list[Engine]:
    if not found:
        return []
    least = min(e.depth for e in found)
    return [e for e in found if e.depth == least]


def _exposed(path, trees, leaves, package, seen) -> str | None:
    """The leaf a package's module defines or imports, directly or by ``import *`` of
    another module of the same package."""
    if path in seen or path not in trees:
        return None
    seen.add(path)
    tree = trees[path]
    leaf = _defined(tree, leaves)
    if leaf:
        return leaf
    top = package.rsplit("/", 1)[-1]
    for node in _top_level(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        for alias in node.names:
            if (alias.asname or alias.name) in leaves:
                return alias.asname or alias.name
        if any(a.name == "*" for a in node.names):
            target = _module_file(node, path, package, top, trees)
            leaf = target and _exposed(target, trees, leaves, package, seen)
            if leaf:
                return leaf
    return None


def _module_file(node: ast.ImportFrom, path: str, package: str, top: str, trees) -> str | None:
    """The file of the package an ``from X import *`` reads, or None (another module)."""
    if node.level:
        base = _parent(path).split("/")
        base = base[: len(base) - (node.level - 1)]
        parts = [*base, *(node.module.split(".") if node.module else [])]
    elif node.module and node.module.split(".")[0] == top:
        parts = [*_parent(package).split("/"), *node.module.split(".")]
    else:
        return None
    stem = "/".join(p for p in parts if p)
    for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
        if candidate in trees:
            return candidate
    return None


def _defined(tree: ast.Module | None, leaves: tuple[str, ...]) -> str | None:
    """The first of ``leaves`` a module defines at its top level (a class, a function or
    an assignment, also under a top-level ``if`` or ``try``)."""
    names = set()
    for node in _top_level(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return next((leaf for leaf in leaves if leaf in names), None)


def _top_level(tree: ast.Module | None):
    """A module's statements, and those under its top-level ``if`` and ``try``."""
    if tree is None:
        return
    queue = list(tree.body)
    while queue:
        node = queue.pop(0)
        yield node
        if isinstance(node, ast.If):
            queue += [*node.body, *node.orelse]
        elif isinstance(node, ast.Try):
            queue += [*node.body, *node.orelse, *node.finalbody]
            for handler in node.handlers:
                queue += handler.body


def _tree(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data.decode("utf-8-sig"))
    except (SyntaxError, ValueError, RecursionError, UnicodeDecodeError):
        return None


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _countable(name: str) -> bool:
    """Whether a file may be the engine: not a test, a conftest or a setup script."""
    stem = name.removesuffix(".py")
    return name not in NOT_ENGINES and not stem.startswith("test_") and not stem.endswith("_test")
