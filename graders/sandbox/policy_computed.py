"""Computed attribute names the static policy lets through: a name given to ``getattr``
at run time can spell anything the lists forbid (``getattr(f, "__glo" + "bals__")``), so
only names that cannot are allowed: those taken from ``dir()`` of a classmethod's own
``cls`` (minitorch's ``testing.py``), read off a class the file defines and never rebinds
(DeZero's ``getattr(Config, name)``), and format strings written out or held in a
variable only ever bound to one."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

#: Calls that fetch or set an attribute by name.
BY_NAME = ("getattr", "setattr", "delattr")
#: The same, from the operator module: a name written out only.
OPERATOR_BY_NAME = ("attrgetter", "methodcaller")
#: Methods that read attributes and items by the names a format string's fields give
#: (``"{0.__globals__[os]}"``): ``str.format``, ``format_map``, ``string.Formatter``'s
#: ``format``, ``vformat`` and ``get_field`` (a bare field, ``"0.__globals__"``).
FORMATS = frozenset({"format", "format_map", "vformat", "get_field"})


def format_attributes(text: str) -> set[str]:
    """The attributes and keys the replacement fields of a format string read:
    ``"{0.__globals__[os]}"`` reads ``__globals__`` and ``os``."""
    return {
        name
        for field in re.findall(r"\{([^{}]*)\}", text)
        for name in re.findall(r"[.\[](\w+)", field.partition("!")[0].partition(":")[0])
    }


def names_from_dir(nodes: list[ast.AST], modules: set[str], builtins_used: set[str]) -> set[str]:
    """Variables whose every binding is a loop over ``dir(obj)`` (minitorch's
    ``for k in dir(MathTest): getattr(cls, k)``): they hold only names the object itself
    lists. ``dir`` of an imported module is left out (a module lists the modules it
    imported)."""
    if "dir" not in builtins_used:
        return set()
    loops = [n for n in nodes if isinstance(n, ast.For | ast.AsyncFor | ast.comprehension)]
    over_dir = {id(loop.target) for loop in loops if _is_dir_loop(loop, modules)}
    from_dir, bound_otherwise = set(), {n.arg for n in nodes if isinstance(n, ast.arg)}
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            (from_dir if id(node) in over_dir else bound_otherwise).add(node.id)
    return from_dir - bound_otherwise


def names_of_texts(nodes: list[ast.AST]) -> set[str]:
    """Variables whose every binding is an assignment of a string written out
    (``FORMAT = "{:.4f}"``): a format string held in one is as good as written out."""
    literal: dict[str, int] = {}  # plain assignments of a string, by name
    for node in nodes:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        literal[target.id] = literal.get(target.id, 0) + 1
    stores: dict[str, int] = {}  # every binding, by name
    for node in nodes:
        name = None
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            name = node.id
        elif isinstance(node, ast.arg):
            name = node.arg
        elif isinstance(node, ast.alias):
            name = node.asname or node.name.partition(".")[0]
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for each in node.names:
                stores[each] = stores.get(each, 0) + 1
        if name is not None:
            stores[name] = stores.get(name, 0) + 1
    return {name for name, count in literal.items() if stores.get(name) == count}


def names_bound(nodes: Iterable[ast.AST]) -> list[str]:
    """Every name ``nodes`` bind, once for each binding: class and function statements,
    assignments, parameters, imports, ``global``/``nonlocal``, ``except ... as`` and
    match captures."""
    bound: list[str] = []
    for node in nodes:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            bound.append(node.name)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.append(node.id)
        elif isinstance(node, ast.arg):
            bound.append(node.arg)
        elif isinstance(node, ast.alias):
            bound.append(node.asname or node.name.partition(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound += node.names
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.append(node.rest)
    return bound


def own_classes(tree: ast.AST, nodes: list[ast.AST]) -> set[str]:
    """Names bound only by a class statement at the top of the file (DeZero's ``class
    Config``), never assigned, imported, declared global or taken as a parameter: a
    ``getattr(Config, name)`` there reads one attribute of the student's own class, and
    reaching further from what it returns takes a construct checked on its own. Not a
    class statement with a decorator (``@pick class Config``: the name is bound to what
    the decorator returns, a function whose ``__globals__`` a computed name reaches), a
    metaclass or other class keyword, or a base other than such a class of the file or
    typing's ``Generic[...]`` (a base's metaclass makes the class, and may return
    anything)."""
    body = getattr(tree, "body", [])
    statements = [n for n in body if isinstance(n, ast.ClassDef)]
    bound = names_bound(nodes)
    plain = {
        n.name: n
        for n in statements
        if bound.count(n.name) == 1 and not n.decorator_list and not n.keywords
    }
    generic = _typing_generic(nodes, bound)
    own: set[str] = set()
    for _ in range(len(plain)):  # a base must be one already known to be plain
        own |= {
            name
            for name, n in plain.items()
            if all(
                (isinstance(b, ast.Name) and (b.id in own or b.id == "object"))
                or (isinstance(b, ast.Subscript) and getattr(b.value, "id", None) == generic)
                for b in n.bases
            )
        }
    return own


def _typing_generic(nodes: list[ast.AST], bound: list[str]) -> str | None:
    """``Generic`` when the file binds that name once, importing it from ``typing`` (or
    typing_extensions): a ``Generic[A]`` base leaves a class made by ``type`` as a plain
    one is (minitorch's ``class MathTest(Generic[A])``)."""
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module in ("typing", "typing_extensions"):
            if any(a.name == "Generic" and a.asname is None for a in node.names):
                return "Generic" if bound.count("Generic") == 1 else None
    return None


def getattrs_on_cls(nodes: list[ast.AST]) -> set[int]:
    """The ``getattr(cls, ...)`` calls of classmethods (minitorch's ``testing.py``), ``cls``
    their first parameter and never rebound in them: what ``dir()`` lists there is a
    class's attributes. Anywhere else a name from ``dir()`` may be a frame's or a
    traceback's (``for k in dir(tb): getattr(tb, k)`` reaches ``tb_frame``)."""
    calls = set()
    for method in nodes:
        if not isinstance(method, ast.FunctionDef) or not method.args.args:
            continue
        if not any(getattr(d, "id", None) == "classmethod" for d in method.decorator_list):
            continue
        cls = method.args.args[0].arg
        inside = [n for statement in method.body for n in ast.walk(statement)]
        if any(
            (isinstance(n, ast.Name) and n.id == cls and not isinstance(n.ctx, ast.Load))
            or (isinstance(n, ast.arg) and n.arg == cls)
            for n in inside
        ):
            continue  # rebound, or a nested function's own parameter
        calls |= {
            id(n)
            for n in inside
            if isinstance(n, ast.Call)
            and getattr(n.func, "id", None) == "getattr"
            and n.args
            and isinstance(n.args[0], ast.Name)
            and n.args[0].id == cls
        }
    return calls


def _is_dir_loop(loop: ast.For | ast.AsyncFor | ast.comprehension, modules: set[str]) -> bool:
    """``for NAME in dir(obj)``, ``obj`` not an imported module."""
    source = loop.iter
    return (
        isinstance(loop.target, ast.Name)
        and isinstance(source, ast.Call)
        and isinstance(source.func, ast.Name)
        and source.func.id == "dir"
        and len(source.args) == 1
        and not source.keywords
        and not (isinstance(source.args[0], ast.Name) and source.args[0].id in modules)
    )
