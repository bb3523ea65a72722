"""Reading a submission's source for the static policy, never running it: each file's
tree and the builtins it uses, the modules it imports by absolute name, and whether a
module is standard or installed where chaingrade runs."""

from __future__ import annotations

import ast
import importlib.machinery
import os
import symtable
import sys
from collections.abc import Iterator, Mapping


def parsed(sources: Mapping[str, str]) -> dict[str, tuple[ast.AST, set[str]]]:
    """Each file that parses: its tree and the builtins it uses."""
    trees = {}
    for name, text in sources.items():
        try:
            trees[name] = (ast.parse(text, filename=name), builtin_references(text, name))
        except (SyntaxError, ValueError, RecursionError):
            continue
    return trees


def absolute_imports(node: ast.AST) -> list[str]:
    """The absolute modules an import statement names (relative imports are the
    submission's own)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def with_depth(tree: ast.AST) -> Iterator[tuple[ast.AST, int]]:
    """Each node with how many functions it is inside (0: it runs when its file does)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        inner = depth + isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        stack += [(child, inner) for child in ast.iter_child_nodes(node)]


def installed(name: str) -> bool:
    """Whether this interpreter can import the top-level module ``name`` from its own
    paths (not from the folder it runs in, where a student's files may be)."""
    if name in sys.builtin_module_names:
        return True
    here = os.path.realpath(os.getcwd())
    paths = [p for p in sys.path if p and os.path.realpath(p) != here]
    try:
        return importlib.machinery.PathFinder.find_spec(name, paths) is not None
    except (ImportError, ValueError):
        return False


def standard(name: str) -> bool:
    return name in sys.stdlib_module_names or name in sys.builtin_module_names


def builtin_references(text: str, filename: str) -> set[str]:
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
