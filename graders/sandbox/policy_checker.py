"""The static policy's walk over one file: each import, name, attribute, call and string
that reaches for what the assignment's :class:`~graders.sandbox.policy_rules.Policy`
forbids becomes a :class:`~graders.sandbox.policy_rules.Violation`, with what to do."""

from __future__ import annotations

import ast

from graders.sandbox import dormant
from graders.sandbox.policy_annotations import EVALUATES_TEXT, code_in_annotations
from graders.sandbox.policy_computed import (
    BY_NAME,
    FORMATS,
    OPERATOR_BY_NAME,
    format_attributes,
    getattrs_on_cls,
    names_from_dir,
    names_of_texts,
    own_classes,
)
from graders.sandbox.policy_lists import (
    GRADER_PACKAGES,
    MODULE_ONLY,
    PARTLY_ALLOWED,
    REACHING_PACKAGES,
    STAND_INS,
)
from graders.sandbox.policy_never_run import running_nodes
from graders.sandbox.policy_rules import Policy, Violation
from graders.sandbox.policy_source import standard


class Checker:
    """One file's violations, found by walking its tree (no recursion: a 3000-term sum is
    fine)."""

    def __init__(
        self,
        file: str,
        policy: Policy,
        local_modules: set[str],
        builtins_used: set[str],
        never_run: frozenset[str] = frozenset(),
        asleep: frozenset[int] = frozenset(),
    ):
        self.file = file
        self.policy = policy
        self.local = local_modules
        self.allowed = set(policy.allowed_imports)
        self.forbidden = set(policy.forbidden_imports)
        self.names = set(policy.forbidden_names) & builtins_used
        self.attributes = set(policy.forbidden_attributes)
        self.reaching = self.attributes - MODULE_ONLY
        self.by_name = {n for n in BY_NAME if n in builtins_used}
        self.builtins_used = builtins_used
        self.computed_names = policy.computed_names
        self.never_run = never_run
        self.asleep = asleep  # functions that never run when graded (dormant.py)
        self.tree: ast.AST | None = None
        self.running_ids: set[int] = set()
        self.read_elsewhere: set[str] | None = None  # names running code reads off modules
        self.modules: set[str] = set()  # names bound to imported modules
        self.partly: dict[str, str] = {}  # name -> partly allowed module it is bound to
        self.attribute_names: set[str] = set()  # variables that only take names from dir()
        self.own_classes: set[str] = set()  # names only ever bound to a class of this file
        self.on_own_class: set[int] = set()  # getattr(cls, ...) calls in a classmethod
        self.texts: set[str] = set()  # names only ever bound to a string written out
        self.found: list[Violation] = []

    def running(self, tree: ast.AST) -> list[ast.AST]:
        """The nodes of ``tree`` that may run when graded."""
        return running_nodes(tree, self.never_run, self.asleep)

    def run(
        self,
        tree: ast.AST,
        nodes: list[ast.AST] | None = None,
        read_elsewhere: set[str] | None = None,
    ) -> list[Violation]:
        nodes = self.running(tree) if nodes is None else nodes
        self.tree, self.running_ids = tree, {id(n) for n in nodes}
        self.read_elsewhere = read_elsewhere
        for node in nodes:  # imports first: they say which names are modules
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._import(node)
        for function in (f for f in ast.walk(tree) if id(f) in self.asleep):
            for node in dormant.imports_in(function):  # type: ignore[arg-type]
                self._stand_in(node)  # type: ignore[arg-type]
        self.attribute_names = names_from_dir(nodes, self.modules, self.builtins_used)
        self.own_classes = own_classes(tree, nodes)
        self.on_own_class = getattrs_on_cls(nodes)
        self.texts = names_of_texts(nodes)
        called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
        read = {  # ``sys.setrecursionlimit``: the allowed attributes of a partly allowed module
            id(n.value)
            for n in nodes
            if isinstance(n, ast.Attribute)
            and isinstance(n.ctx, ast.Load)
            and isinstance(n.value, ast.Name)
            and n.attr in PARTLY_ALLOWED.get(self.partly.get(n.value.id, ""), ())
        }
        self._annotations(nodes)
        for node in nodes:
            if isinstance(node, ast.Name):
                self._name(node, id(node) in called, id(node) in read)
            elif isinstance(node, ast.Attribute):
                self._attribute(node)
                if node.attr in FORMATS and id(node) not in called and not self.computed_names:
                    self._format(node, None)
            elif isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self._string(node)
        return sorted(self.found, key=lambda v: v.line)

    def _annotations(self, nodes: list[ast.AST]) -> None:
        for part in code_in_annotations(nodes):
            self._flag(
                part,
                repr(part.value)[:60],
                "a string annotation typing would run as code: write the type "
                "itself, or a type's name in quotes",
            )

    def _flag(self, node: ast.AST, construct: str, why: str) -> None:
        self.found.append(Violation(self.file, getattr(node, "lineno", 0), construct, why))

    def _import_problem(self, name: str) -> str | None:
        """Why importing module ``name`` is not allowed (what to do included), or None."""
        parts = name.split(".")
        top = parts[0]
        if top in self.local:
            return None  # the student's own module, whatever its name
        reaching = set(parts[1:]) & self.reaching
        if reaching:
            return f"{top}.{min(reaching)} reaches into the interpreter, files or processes"
        if top in self.forbidden:
            return _forbidden_why(top)
        if top in self.allowed:
            return None
        if top.startswith("_") and top != "__future__":
            return (
                f"{top} is a private module of the interpreter or a package: use the "
                "public module it serves"
            )
        if standard(top):
            return (
                f"the standard module {top} reaches files, processes or the interpreter: "
                "take it out, or if your course's code needs it, ask your instructor to add "
                "it to allowed_imports in [policy]"
            )
        if self.policy.other_imports == "forbidden":
            return (
                f"{top} is not among the modules this assignment allows, which chaingrade "
                "policy lists: take it out, or ask your instructor to allow it"
            )
        return None

    def _stand_in(self, node: ast.Import | ast.ImportFrom) -> None:
        """An import in a function that never runs: only what could stand in for the
        student's derivatives, or is chaingrade's own, is a violation there."""
        modules = dormant.absolute_imports(node)
        for top in sorted({m.partition(".")[0] for m in modules} - self.local):
            if top in self.forbidden and top not in REACHING_PACKAGES:
                self._flag(node, f"import {top}", _forbidden_why(top))

    def _for_dormant_code(self, node: ast.Import | ast.ImportFrom, module: str) -> bool:
        """A standard module imported only for code that never runs when graded (DeZero's
        ``subprocess`` for ``plot_dot_graph``): see ``dormant.serves_dormant_code``."""
        top = module.partition(".")[0]
        return (
            self.read_elsewhere is not None
            and self.tree is not None
            and standard(top)
            and not top.startswith("_")
            and top not in self.forbidden
            and dormant.serves_dormant_code(self.tree, node, self.running_ids, self.read_elsewhere)
        )

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                if alias.name in PARTLY_ALLOWED and alias.name not in self.local:
                    self.partly[bound] = alias.name  # each use is judged (``_name``)
                else:
                    why = self._import_problem(alias.name)
                    if why and not self._for_dormant_code(node, alias.name):
                        self._flag(node, f"import {alias.name}", why)
                self.modules.add(bound)
            return
        module = node.module or ""
        if node.level == 0 and module in PARTLY_ALLOWED and module not in self.local:
            for alias in node.names:
                if alias.name not in PARTLY_ALLOWED[module]:
                    self._flag(node, f"from {module} import {alias.name}", _partly_why(module))
            return
        why = self._import_problem(module) if node.level == 0 else None
        if why and not self._for_dormant_code(node, module):
            self._flag(node, f"from {module} import ...", why)
        for alias in node.names:
            construct = f"from {module} import {alias.name}"
            self.modules.add(alias.asname or alias.name)  # it may be a module
            if alias.name in MODULE_ONLY:
                if node.level == 0:
                    self._flag(node, construct, "reads or writes files")
            elif alias.name in EVALUATES_TEXT:
                self._flag(node, construct, "evaluates text as code")
            elif alias.name in self.names or alias.name in self.attributes:
                self._flag(node, construct, "reaches into the interpreter, files or processes")

    def _name(self, node: ast.Name, called: bool, allowed_attribute: bool = False) -> None:
        if node.id in EVALUATES_TEXT:
            self._flag(node, node.id, "evaluates text as code")
        elif node.id in self.names:
            self._flag(node, node.id, "reaches into the interpreter, files or processes")
        elif node.id in self.partly and not allowed_attribute:
            self._flag(node, node.id, _partly_why(self.partly[node.id]))
        elif node.id in self.by_name and not called and not self.computed_names:
            self._flag(
                node, node.id, "getattr and its kin may only be called, with a name written out"
            )

    def _attribute(self, node: ast.Attribute) -> None:
        on_module = isinstance(node.value, ast.Name) and node.value.id in self.modules
        if node.attr == "__dict__" and on_module and not self.computed_names:  # vars(module)
            self._flag(
                node,
                ".__dict__",
                "a module's namespace holds the modules it imported, read by computed names",
            )
        elif node.attr in EVALUATES_TEXT:
            self._flag(node, f".{node.attr}", "evaluates text as code")
        elif node.attr in self.attributes:
            on_module = isinstance(node.value, ast.Name) and node.value.id in self.modules
            if node.attr not in MODULE_ONLY or on_module:
                self._flag(
                    node, f".{node.attr}", "reaches into the interpreter, files or processes"
                )

    def _format(self, method: ast.Attribute, call: ast.Call | None) -> None:
        """``text.format(...)`` and its kin (``method``, called by ``call``): the format
        string must be written out (its fields are then checked as any string is: see
        :meth:`_string`); one computed at run time reads attributes by computed names."""
        receiver = method.value
        if method.attr in ("vformat", "get_field") or (
            isinstance(receiver, ast.Name) and receiver.id == "str"
        ):
            text = call.args[0] if call is not None and call.args else None
        else:
            text = receiver
        if isinstance(text, ast.Constant) and isinstance(text.value, str):
            if method.attr == "get_field":  # a bare field: "0.__globals__[os]"
                self._string(ast.Constant("{" + text.value + "}", lineno=text.lineno))
            return
        if isinstance(text, ast.Name) and text.id in self.texts:
            return
        self._flag(
            method,
            f".{method.attr}(<computed format string>)",
            "a format string's fields read attributes by name: one computed at run time "
            "can reach anything",
        )

    def _call(self, node: ast.Call) -> None:
        if self.computed_names:
            return
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in FORMATS:
            self._format(function, node)
        name = (
            function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
        )
        if name in OPERATOR_BY_NAME and not all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value not in FORMATS
            for a in node.args[: 1 if name == "methodcaller" else None]
        ):
            self._flag(
                node, f"{name}(<computed name>)", "a computed attribute name can reach anything"
            )
            return
        if not (isinstance(function, ast.Name) and function.id in self.by_name):
            return
        attribute = node.args[1] if len(node.args) >= 2 else None
        plain = isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)
        plain = plain or (  # a name from dir(...), read off a classmethod's own class
            function.id == "getattr"
            and isinstance(attribute, ast.Name)
            and attribute.id in self.attribute_names
            and id(node) in self.on_own_class
        )
        plain = plain or (  # a setting read off the file's own class (DeZero's Config),
            function.id == "getattr"  # by a variable's name: not one built of literals
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in self.own_classes
            and isinstance(attribute, ast.Name)
        )
        if (
            any(isinstance(a, ast.Starred) for a in node.args)
            or node.keywords
            or (not plain and function.id != "setattr")
        ):
            self._flag(
                node,
                f"{function.id}(..., <computed name>)",
                "a computed attribute name can reach anything",
            )

    def _string(self, node: ast.Constant) -> None:
        """A string that names what may not be reached (``"__globals__"``), as
        ``operator.attrgetter`` or a ``__dict__[...]`` lookup would use it."""
        text = node.value if isinstance(node.value, str) else ""  # only strings come here
        if text in self.reaching or text in self.names:
            self._flag(
                node,
                repr(node.value),
                "names something that reaches into the interpreter, files or processes",
            )
        elif "{" in text and self.reaching & format_attributes(text):
            self._flag(
                node,
                repr(node.value)[:60],
                "a format field that reaches into the interpreter (str.format reads "
                "attributes by name)",
            )


def _forbidden_why(module: str) -> str:
    if module in STAND_INS:
        return (
            f"{module} computes derivatives itself, so the code you hand in may not import "
            "it, not even where the grader never calls it: take it out, and compare your "
            "engine with it in a file you do not hand in"
        )
    if module in GRADER_PACKAGES:
        return f"{module} is chaingrade's own code: take it out"
    return (
        f"{module} reaches processes, the network or the interpreter, or runs text as code, "
        "which this assignment does not allow: take it out"
    )


def _partly_why(module: str) -> str:
    return (
        f"of {module}, a submission may use only {module}.NAME for NAME in "
        f"{', '.join(sorted(PARTLY_ALLOWED[module]))}: the rest reaches into the interpreter"
    )


#: What the text of a string annotation may be made of, once parsed: type names, dots,
