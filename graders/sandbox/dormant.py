"""Functions and methods that never run when a submission is graded, read from the source.

A course's package carries code the grader never calls: DeZero's ``datasets.py`` downloads
and unpickles MNIST, its ``utils.plot_dot_graph`` runs ``dot`` in a subprocess, a model's
``save_weights`` writes a file. The static policy judges what may run when graded (each
file's top level, class bodies included, and each function that running code may call),
so such code is not held against the student; the worker's guard still stops what it
could do if it ran after all.

What may be called is over-approximated by name, never by type (``obj.prepare()`` may
call every ``prepare``), from what the worker calls (``called``: the API's names) and what
running code names (a name, an attribute, a name imported, a string that is one; not a
docstring or a string written as a comment, whose words count only once running code
reads a ``__doc__``: a documented class's docstring spells its own name and its parts'):

* a module-level function runs when running code names it, or when it is a dunder
  (a module's ``__getattr__``), or decorated by anything other than ``property``,
  ``staticmethod`` or ``classmethod``, names the submission never binds (a decorator may
  register it where nothing names it: ``atexit.register``, ``singledispatch``,
  ``registry.setter``);
* a class may be used when running code names it (other than as the base of a class
  statement), when it is a base of a class that may be used, or when it is decorated,
  has a keyword (``metaclass=``), a base that is not a plain class of the submission
  (``Enum`` makes its members when the class statement runs) or a method decorated as
  above;
* a method of a class that may be used runs when it is a dunder, running code names it,
  it is decorated as above, or Python, the standard library or NumPy may call it by a
  name no code of the submission writes: one of :data:`CALLED_BY_PROTOCOL`
  (``print(file=w)`` calls ``w.write``, ``dict(**m)`` calls ``m.keys``, ``np.conj`` of
  an object array calls ``conjugate``, ``np.sum(x)`` calls ``x.sum``), or any name when
  the class has a base that is not a plain class of the submission (``queue.Queue()``
  calls ``self._init``, ``Enum(5)`` calls ``_missing_``, ``Random`` calls
  ``getrandbits``); the dunders Python calls when a class statement runs
  (``__init_subclass__``, ``__set_name__``, ...) run even when the class is not used;
* what a function that runs defines inside it runs with it.

A computed name can call what no code names: a ``getattr`` (or ``hasattr``, ``setattr``,
``delattr``) by a variable's name on a class of the submission makes every method of that
class and its bases run (DeZero's ``getattr(Config, name)``); any other computed name, a
``__dict__`` of anything but ``self``, ``attrgetter``/``methodcaller`` of a computed
name, code that lists a namespace or the live objects (``vars``, ``globals``, ``dir``,
``inspect.getmembers``, ``gc.get_objects``, ``__subclasses__``, ...), or a policy that
allows computed names (``computed_names``) makes everything run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graders.sandbox.policy_computed import names_bound

#: Decorators that leave a function called by its name alone.
_PLAIN_DECORATORS = frozenset({"property", "staticmethod", "classmethod"})
#: Dunders Python calls while a class statement runs, whether or not the class is used.
_CLASS_CREATION = frozenset(
    {"__init_subclass__", "__set_name__", "__class_getitem__", "__mro_entries__", "__prepare__"}
)
_BY_NAME = frozenset({"getattr", "hasattr", "setattr", "delattr"})
#: Names of what lists a namespace or the live objects: what it finds may be called
#: though no code names it.
_LISTS_OBJECTS = frozenset(
    {
        "vars",
        "globals",
        "locals",
        "dir",
        "getmembers",
        "getmembers_static",
        "get_objects",
        "get_referents",
        "get_referrers",
        "__subclasses__",
        "__globals__",
        "f_globals",
        "f_locals",
        "co_consts",
        "__closure__",
    }
)
_FUNCTIONS = ast.FunctionDef | ast.AsyncFunctionDef


def _called_by_protocol() -> frozenset[str]:
    """Method names Python, the standard library and NumPy call on objects they are
    handed: a file's, a mapping's ``keys``, a generator's, an import finder's, a logging
    handler's or filter's, a SAX handler's, an object array's under a ufunc (``np.sin``
    calls ``x.sin()``) and under NumPy's functions that defer to the array's method
    (``np.sum(x)`` calls ``x.sum()``)."""
    import xml.sax.handler

    import numpy

    names = {
        *("write", "writelines", "read", "read1", "readline", "readlines", "readinto"),
        *("readinto1", "flush", "close", "fileno", "seek", "tell", "truncate", "isatty"),
        *("readable", "writable", "seekable", "peek", "keys", "send", "throw"),
        *("find_spec", "find_module", "load_module", "create_module", "exec_module"),
        *("invalidate_caches", "handle", "emit", "filter", "format", "conjugate"),
    }
    names |= {n for n in dir(xml.sax.handler.ContentHandler) if not n.startswith("_")}
    # vars, not getattr: reading every name of dir(numpy) imports its lazy submodules
    # (f2py, testing, ma, random: 0.25 s of every grading process's start), no ufunc
    names |= {n for n in dir(numpy) if isinstance(vars(numpy).get(n), numpy.ufunc)}
    names |= {n for n in dir(numpy.ndarray) if not n.startswith("_")}
    return frozenset(names)


#: See :func:`_called_by_protocol`.
CALLED_BY_PROTOCOL = _called_by_protocol()


@dataclass
class _Class:
    node: ast.ClassDef
    bases: list[str]  # the names of its bases that are plain names
    forced: bool  # decorated, a keyword, or a base that is not a plain own class
    foreign: bool  # a keyword or a base that is not a plain own class: it calls any name
    methods: list[ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=list)


@dataclass
class _Reach:
    """What running code names and calls, grown as more code is found to run."""

    names: set[str]
    classes: dict[int, _Class] = field(default_factory=dict)
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=list)
    every_method_of: set[str] = field(default_factory=set)  # classes read by computed names
    everything: bool = False
    #: The string statements (docstrings) and the names they spell: names only once
    #: running code reads ``__doc__`` (see :func:`_docstrings`).
    docstrings: frozenset[int] = frozenset()
    doc_names: set[str] = field(default_factory=set)
    plain_decorators: frozenset[str] = _PLAIN_DECORATORS  # those the submission never binds


def dormant(
    trees: Mapping[str, ast.AST],
    called: Iterable[str],
    entry: str | None = None,
    computed_names: bool = False,
) -> frozenset[int]:
    """The ids of the ``def`` nodes in ``trees`` whose bodies never run when graded, the
    worker calling the names in ``called`` and any name the entry file binds at its top
    (``--api auto`` tries its classes; see the module docstring)."""
    reach = _Reach(
        names=set(called) | _top_level(trees.get(entry or "")),
        everything=computed_names,
        plain_decorators=_PLAIN_DECORATORS - _bound(trees.values()),
        docstrings=_docstrings(trees.values()),
    )
    own = {n.name for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    for tree in trees.values():
        _scan(getattr(tree, "body", []), reach, own)
    running: set[int] = set()
    used: set[int] = set()
    changed = True
    while changed and not reach.everything:
        changed = False
        if "__doc__" in reach.names and not reach.doc_names <= reach.names:
            reach.names |= reach.doc_names  # a docstring read: its words may be names
            changed = True
        for key, each in reach.classes.items():
            if key not in used and _used(each, reach):
                used.add(key)
                reach.names.update(each.bases)  # a used class's bases are used
                changed = True
        for function, anyway in _candidates(reach, used):
            if id(function) not in running and (anyway or _runs(function, reach)):
                running.add(id(function))
                _scan(function.body, reach, own, whole=True)
                changed = True
    if reach.everything:
        return frozenset()
    every = [*reach.functions, *(m for c in reach.classes.values() for m in c.methods)]
    return frozenset(id(f) for f in every if id(f) not in running)


def _top_level(tree: ast.AST | None) -> set[str]:
    """Every name a file binds at its top level (its ``if`` and ``try`` blocks included):
    what the worker may read off the module it imports."""
    names: set[str] = set()
    for statement in _class_level(getattr(tree, "body", [])):
        inside = () if isinstance(statement, _FUNCTIONS | ast.ClassDef) else ast.walk(statement)
        for node in inside:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.partition(".")[0])
        if isinstance(statement, _FUNCTIONS | ast.ClassDef):
            names.add(statement.name)
    return names


def _docstrings(trees: Iterable[ast.AST]) -> frozenset[int]:
    """The ids of the strings that are statements of their own: docstrings, and strings
    written as comments. Python keeps none as a value but a docstring, as the ``__doc__``
    of what it documents, so their words name nothing that code could call unless running
    code reads a ``__doc__`` (a class's docstring that spells its own name, ``ResNet``, or
    the classes it holds, as a DeZero fork's documented ``models.py`` does, does not make
    them used)."""
    return frozenset(
        id(node.value)
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _bound(trees: Iterable[ast.AST]) -> frozenset[str]:
    """Which of the plain decorators' names the submission binds (a ``staticmethod`` of
    its own may call what it decorates), or writes as a string (``globals()[...]``)."""
    nodes = [node for tree in trees for node in ast.walk(tree)]
    bound = set(names_bound(nodes))
    bound |= {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return _PLAIN_DECORATORS & frozenset(bound)


def _candidates(reach: _Reach, used: set[int]):
    """Each function and each method of a class that may be used, with whether it runs
    whether named or not (its class has a foreign base or is read by computed names) or
    by a name protocols call."""
    yield from ((f, False) for f in reach.functions)
    for key, each in reach.classes.items():
        if key in used:
            every = each.node.name in reach.every_method_of or _foreign(each, reach)
            for method in each.methods:
                yield method, every or method.name in CALLED_BY_PROTOCOL


def _foreign(each: _Class, reach: _Reach) -> bool:
    """Whether the class or one of its own bases has a base that is not its own."""
    todo, seen = [each], set()
    while todo:
        current = todo.pop()
        if current.foreign:
            return True
        seen.add(current.node.name)
        bases = [c for c in reach.classes.values() if c.node.name in current.bases]
        todo += [c for c in bases if c.node.name not in seen]
    return False


def _used(each: _Class, reach: _Reach) -> bool:
    return each.forced or each.node.name in reach.names or each.node.name in reach.every_method_of


def _runs(function: ast.FunctionDef | ast.AsyncFunctionDef, reach: _Reach) -> bool:
    name = function.name
    dunder = name.startswith("__") and name.endswith("__")
    return dunder or name in reach.names or not _plain(function.decorator_list, reach)


def _plain(decorators: list[ast.expr], reach: _Reach) -> bool:
    """Whether every decorator leaves the function called by its name alone: only the
    builtin ``property``, ``staticmethod`` and ``classmethod`` (a ``setter`` is any
    object's attribute, and may call what it is given)."""
    return all(isinstance(d, ast.Name) and d.id in reach.plain_decorators for d in decorators)


def _scan(statements: list, reach: _Reach, own: set[str], whole: bool = False) -> None:
    """Record what ``statements`` name and call. At a file's top level (``whole`` False)
    a ``def``'s body and a class's methods wait until something may call them; inside a
    function that runs, everything runs with it."""
    stack = list(statements)
    while stack:
        node = stack.pop()
        if not whole and isinstance(node, _FUNCTIONS):
            reach.functions.append(node)
            stack += def_time(node)
            continue
        if not whole and isinstance(node, ast.ClassDef):
            stack += _class_statement(node, reach, own)
            continue
        if _asks_for_a_name(node):
            stack.append(node.left)  # the names are not listed to be called
            continue
        _note(node, reach, own)
        stack.extend(ast.iter_child_nodes(node))


def _asks_for_a_name(node: ast.AST) -> bool:
    """``"__file__" in globals()`` (DeZero's header) and its kin: a membership test of a
    namespace, which lists nothing to be called."""
    return (
        isinstance(node, ast.Compare)
        and all(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        and all(
            isinstance(c, ast.Call)
            and getattr(c.func, "id", None) in ("globals", "locals", "vars", "dir")
            and not c.args
            and not c.keywords
            for c in node.comparators
        )
    )


def def_time(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """What a ``def`` statement runs: its decorators, defaults and annotations."""
    return [*function.decorator_list, function.args, *filter(None, [function.returns])]


def imports_in(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The import statements of a function's body (judged though it never runs: no
    stand-in for the student's derivatives may be imported anywhere)."""
    return [
        n
        for statement in function.body
        for n in ast.walk(statement)
        if isinstance(n, ast.Import | ast.ImportFrom)
    ]


def _class_statement(node: ast.ClassDef, reach: _Reach, own: set[str]) -> list[ast.AST]:
    """Record a class statement; what it runs (decorators, keywords, bases that are not
    plain names, and its body but for its methods' bodies) is returned to be scanned."""
    plain = [b.id for b in node.bases if isinstance(b, ast.Name)]
    foreign = bool(node.keywords) or any(
        not (isinstance(b, ast.Name) and (b.id in own or b.id == "object")) for b in node.bases
    )
    forced = (
        foreign
        or bool(node.decorator_list)
        or any(
            not _plain(statement.decorator_list, reach)
            for statement in _class_level(node.body)
            if isinstance(statement, _FUNCTIONS)
        )
    )
    each = _Class(node, plain, forced, foreign)
    reach.classes[id(node)] = each
    runs: list[ast.AST] = [*node.decorator_list, *node.keywords]
    runs += [b for b in node.bases if not isinstance(b, ast.Name)]
    for statement in _class_level(node.body):
        if isinstance(statement, _FUNCTIONS):
            each.methods.append(statement)
            runs += def_time(statement)
            if statement.name in _CLASS_CREATION:
                reach.names.add(statement.name)
        else:
            runs.append(statement)
    return runs


def _class_level(body: list[ast.stmt]):
    """A class body's statements, those inside its ``if``/``try`` blocks included (a
    ``def`` under ``if`` at class level is still a method)."""
    for statement in body:
        if isinstance(statement, ast.If | ast.Try):
            blocks = [statement.body, statement.orelse]
            if isinstance(statement, ast.Try):
                blocks += [h.body for h in statement.handlers] + [statement.finalbody]
                yield from (h.type for h in statement.handlers if h.type is not None)
            else:
                yield statement.test
            for block in blocks:
                yield from _class_level(block)
        else:
            yield statement


def _note(node: ast.AST, reach: _Reach, own: set[str]) -> None:
    """Record the names ``node`` reads, and whether it reaches attributes by computed
    names."""
    if isinstance(node, ast.Name | ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.attr
        if name in _LISTS_OBJECTS:
            reach.everything = True  # what it lists may be called by no name
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
        reach.names.add(node.id)
    elif isinstance(node, ast.Attribute):
        reach.names.add(node.attr)
        if node.attr == "__dict__" and not (
            isinstance(node.value, ast.Name) and node.value.id == "self"
        ):
            reach.everything = True  # a class's namespace, read by computed keys
    elif isinstance(node, ast.alias) and node.asname:
        reach.names.add(node.name.rpartition(".")[2])  # called by its new name
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        names = reach.doc_names if id(node) in reach.docstrings else reach.names
        names.update(p for p in node.value.split(".") if p.isidentifier())
        if "__doc__" in node.value:  # a format field too: "{0.__doc__}"
            reach.names.add("__doc__")
    elif isinstance(node, ast.Call):
        _computed(node, reach, own)


def _computed(call: ast.Call, reach: _Reach, own: set[str]) -> None:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    if name in ("attrgetter", "methodcaller") and not all(
        isinstance(a, ast.Constant) for a in call.args
    ):
        reach.everything = True
    if not (isinstance(function, ast.Name) and function.id in _BY_NAME):
        return
    attribute = call.args[1] if len(call.args) >= 2 else None
    if isinstance(attribute, ast.Constant) and not call.keywords:
        return
    target = call.args[0] if call.args else None
    if isinstance(target, ast.Name) and target.id in own:
        _every_method(target.id, reach)
    else:
        reach.everything = True


def _every_method(name: str, reach: _Reach) -> None:
    """A class read by computed names: every method of it and of its bases may run."""
    todo = [name]
    while todo:
        current = todo.pop()
        if current in reach.every_method_of:
            continue
        reach.every_method_of.add(current)
        todo += [b for c in reach.classes.values() if c.node.name == current for b in c.bases]


#: Attributes of a standard module that only compute a path's text: code that runs may
#: use them on a module imported for code that never runs (DeZero's ``utils.py`` computes
#: its cache folder's path at its top, ``os.path.join(os.path.expanduser("~"), ...)``).
PATH_TEXT = {
    "os": frozenset(
        {
            "path.join",
            "path.dirname",
            "path.basename",
            "path.splitext",
            "path.split",
            "path.expanduser",
            "path.normpath",
            "sep",
        }
    )
}


def exported(running: Iterable[ast.AST]) -> set[str]:
    """The names running code may read off another module: attributes, names imported
    from a module (``"*"`` when it imports everything of one), and the names a string
    spells, each part of a dotted one (``attrgetter("data.os")``); a string ``"*"`` is
    no import (micrograd labels its products ``"*"``)."""
    names: set[str] = set()
    for node in running:
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(p for p in [node.value, *node.value.split(".")] if p.isidentifier())
    return names


def serves_dormant_code(
    tree: ast.AST, node: ast.Import | ast.ImportFrom, running: set[int], read_elsewhere: set[str]
) -> bool:
    """Whether an import of a standard module the policy does not allow serves only code
    that never runs: each name it binds is used, every use is in a function that never
    runs or only computes a path's text (:data:`PATH_TEXT`), and no running code reads it
    off this module (``read_elsewhere``: :func:`exported`). An import nothing uses is
    there for what importing it does, and is judged as an import."""
    if "*" in read_elsewhere or any(a.name == "*" for a in node.names):
        return False
    bound = {alias.asname or alias.name.partition(".")[0] for alias in node.names}
    if bound & read_elsewhere:
        return False
    modules = {  # the module each name is (none for names imported from one)
        alias.asname or alias.name.partition(".")[0]: alias.name.partition(".")[0]
        for alias in (node.names if isinstance(node, ast.Import) else [])
    }
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in bound]
    if not uses:
        return False
    parents = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    for use in uses:
        if id(use) in running and not _path_text(use, parents, modules.get(use.id)):
            return False
    return True


def _path_text(use: ast.Name, parents: dict[int, ast.AST], module: str | None) -> bool:
    """``os.path.join`` (``use`` a name for the module ``module``) and its kin."""
    if module not in PATH_TEXT or not isinstance(use.ctx, ast.Load):
        return False
    chain, node = [], use
    while isinstance(parent := parents.get(id(node)), ast.Attribute) and parent.value is node:
        chain.append(parent.attr)
        node = parent
    return any(".".join(chain[: k + 1]) in PATH_TEXT[use.id] for k in range(len(chain)))


def absolute_imports(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The absolute modules an import statement names (relative ones are the
    submission's own)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module] if node.level == 0 and node.module else []
