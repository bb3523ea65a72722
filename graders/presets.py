"""The student API: how chaingrade builds a composition with a student's engine.

An assignment names a preset or spells out its own mapping with the same fields (in
``assignment.toml`` as ``api = "micrograd"`` or ``[api]``, and with ``--api NAME|JSON|FILE``
on every command). ``api = "auto"`` lets the worker inspect the submission and pick one
(``graders.sandbox.detection.detect``).

================ ========== ============================= ========================== ===============
preset           leaf       unary ops                     gradient                   value
================ ========== ============================= ========================== ===============
mygrad           tensor(x)  module functions: exp(x)      node.grad                  node.data
micrograd        Value(x)   methods: x.exp()              node.grad                  node.data
minitorch        Scalar(x)  methods: x.exp()              node.derivative (inputs)   node.data
minitorch_tensor tensor(    methods: x.exp(); x.sum(1),   node.grad.to_numpy()       node.to_numpy()
                 list)      x.view(2, 3), x.permute(1, 0) (inputs)
dezero           Variable(  module functions: exp(x)      node.grad.data (inputs;    node.data
                 array(x))                                an array is its own .data)
needle           Tensor(x)  module functions: exp(x)      node.grad.numpy()          node.numpy()
dual             Dual(x, t) module functions: exp(x)      node.der (the tangent:     node.val
                                                          forward kind)
grad             grad(f)    module functions: exp(x)      grad(f)(x, y): every       (not read)
                                                          partial (forward kind)
autograd         grad(f, i) module functions: exp(x)      grad(f, i)(x, y): the      (not read)
                                                          partial in argument i
jvp              jvp(f, xs, module functions: exp(x)      jvp(f, (x, y), (dx, dy))   the same pair
                 vs)                                      gives (value, tangent)
================ ========== ============================= ========================== ===============

Every field, with its default (mygrad's):

``leaf = "tensor"``
    the module-level callable that makes a leaf;
``convert = "float"``
    what the leaf gets: ``"float"`` (``tensor(0.5)``) or ``"ndarray"``
    (``Variable(np.array(0.5))``, a 0-d NumPy array);
``unary = "function"``
    ``"function"`` (``exp(x)`` from the module) or ``"method"`` (``x.exp()``);
``binary = "operator"``
    ``"operator"`` (``x + y``, ``2 - x``, ``-x``) or ``"function"`` (``add(x, y)``,
    ``sub(2, x)``, ``neg(x)``, ``pow(x, 3)``: module functions); on an engine whose
    nodes have no operators at all, an operator op is called as the module's function
    (``add``, ``mul``, ...) with numbers made leaves (DeZero's steps 9-19 under the
    ``dezero`` preset);
``reflected = "required"``
    whether a number on the left of a binary operator (``2 - x``, ``1 / x``: the node's
    reflected method, ``__rsub__``) is part of the course's API: ``"required"``, or
    ``"optional"`` (minitorch Module 1's ``Scalar`` has no ``__rsub__``): an engine that
    lacks it is not asked for that form and not charged for it; one that has it is
    graded on it as on any other (an ``__rsub__`` that computes ``x - 2`` is charged);
``constants = "number"``
    a number in a binary op as a plain number (``x * 2``), or ``"leaf"``: wrapped as a
    leaf first (``x * tensor(2.0)``), for engines whose ops take only nodes;
``names = {}``
    the student's name for an op where it differs from the catalog's (``exp``, ``log``,
    ... for unary ops; ``add sub mul div pow neg`` for binary functions), for example
    ``{ pow = "power", neg = "negative" }``; naming an operator op (``add``, ``sub``,
    ``mul``, ``div``, ``neg``, ``pow``, ``pow_var``, ``rpow``) when ``binary`` is
    ``"operator"`` says that one op is a module function (``power(x, 3)``); a dotted
    name is a function of another module (``dezero.functions.sin``), imported by its
    absolute name;
``functions = ""``
    a module of the student's where module functions the entry module lacks are found
    (DeZero from step 33 on: ``dezero.functions``, imported as ``F``: ``F.sin(x)``); when
    the submission is imported, each op found there is given its dotted name in
    ``names``, so reproducers import it from there too, array ops included (``F.sum``;
    ``F.matmul`` for ``a @ b`` when the leaf has no ``@``);
``aliases = {}``
    extra functions of the engine that are the same math as a catalog op at one number,
    written in ``x``: ``{ square = "x ** 2", reciprocal = "1 / x" }``; a node of that form
    is built with the alias (called as the unary ops are);
``backward = "backward"``
    the name of the method that runs the reverse pass on the output;
``seed = "auto"``
    ``"auto"`` (``out.backward()`` seeds the output itself), ``"attribute"``
    (``out.grad = 1.0`` is set before ``out.backward()``) or ``"argument"``
    (``out.backward(1.0)``); the 1 is converted as leaves are;
``gradient = "grad"``, ``value = "data"``
    where a node's gradient and value are read: attribute names, dotted and with ``()``
    for a method call (``"grad.data"``, ``"grad.numpy()"``, ``"item()"``); a ``.data``
    step on a NumPy array or scalar reads the array itself (DeZero's ``grad`` is an array
    up to step 32 and a Variable after, so ``grad.data`` reads both);
``gradients = "all"``
    whose gradients are read: ``"all"`` nodes, or ``"inputs"`` only, for engines (such as
    minitorch) that keep gradients on leaves alone;
``transform = "none"``
    a functional engine (the forward kind): ``leaf`` is then the transform chaingrade
    hands each case to, as a Python function of its inputs built with the engine's own
    ops: ``"grad"`` (``grad(f)(x, y)`` gives every partial), ``"grad_argnum"``
    (``grad(f, i)(x, y)`` gives the partial in argument ``i``, as autograd's) or
    ``"jvp"`` (``jvp(f, (x, y), (dx, dy))`` gives the value and the tangent).

Array engines (the ``tensor`` kind, ``graders.tensor``) use the same fields: a leaf gets a
float64 NumPy array (``convert = "list"``: nested lists, for engines that take those);
elementwise ops are called as above, and binary ones broadcast; the array ops ``sum``,
``mean``, ``max``, ``reshape``, ``transpose`` and ``broadcast_to`` are called as ``unary``
says (``sum(x, axis=(1,))`` or ``x.sum(axis=(1,))``), ``matmul`` as ``binary`` says
(``a @ b`` or ``matmul(a, b)``), each under its ``names`` entry where it has one
(``{ sum = "summation" }``). Four fields say how their arguments are written, and what
the course lets an op be given:

``axis = "axis"``
    the keyword a reduction's axes are given by, always as a tuple (``axes`` for needle's
    ``summation(a, axes=(1,))``); with no axes (a full reduction) none is given;
``keepdims = "keepdims"``
    the keyword that keeps reduced axes, or ``""``: the engine has none, and compositions
    never ask for it;
``transpose = "permutation"``
    ``transpose(a, (2, 0, 1))`` takes a whole permutation (NumPy, MyGrad), or ``"swap"``:
    ``transpose(a, (0, 2))`` swaps two axes (needle), and compositions only swap;
``broadcast = "implicit"``
    the course's broadcasting convention: ``"implicit"`` (NumPy's, MyGrad's: ``a + b``
    and ``a @ b`` broadcast their operands, and the engine sums each gradient back), or
    ``"explicit"`` (needle: elementwise ops never broadcast, ``broadcast_to`` does it as a
    node of its own). With ``"explicit"``, an elementwise op's operands always have one
    shape, broadcasting only happens through a ``broadcast_to`` node (in parts that grade
    ``broadcast_to``), and ``matmul``'s operands have the same batch dimensions or one of
    them is a plain matrix, as the course's own tests multiply them.
``reduce = "axes"``
    how a reduction names what it reduces: ``"axes"`` (a tuple under the ``axis`` keyword,
    kept only with ``keepdims``; a full reduction is 0-d), or ``"dim"`` (minitorch: one int
    axis, positional, ``x.sum(1)``, always kept as a side of 1; ``x.sum()`` reduces
    everything to shape ``(1,)``, whatever its operand's shape: the op model's
    ``single``). A ``"dim"`` course never makes a 0-d array: no input is 0-d;
``shape_args = "tuple"``
    ``reshape`` and ``transpose`` take their shape or permutation as one tuple
    (``reshape(a, (2, 3))``), or ``"unpacked"`` (minitorch: ``a.view(2, 3)``,
    ``a.permute(1, 0)``);
``views = "any"``
    whether ``reshape`` takes any node, or ``"contiguous"`` ones only (minitorch's ``view``
    asserts it): a transpose's output is then never reshaped;
``matmul = "batched"``
    stacks of matrices, batch dimensions broadcast (NumPy's ``@``), or ``"matrices"``:
    two 2-d operands only (DeZero's ``F.matmul``, a ``dot``).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from graders.model import ops

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: The function a binary engine (``binary = "function"``) has for each operator.
FUNCTION_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "neg": "neg"}
#: The choices of each field that takes one of a few words.
CHOICES = {
    "convert": ("float", "ndarray", "list"),
    "unary": ("function", "method"),
    "binary": ("operator", "function"),
    "constants": ("number", "leaf"),
    "reflected": ("required", "optional"),
    "seed": ("auto", "attribute", "argument"),
    "gradients": ("all", "inputs"),
    "transpose": ("permutation", "swap"),
    "broadcast": ("implicit", "explicit"),
    "reduce": ("axes", "dim"),
    "shape_args": ("tuple", "unpacked"),
    "views": ("any", "contiguous"),
    "matmul": ("batched", "matrices"),
    "transform": ("none", "grad", "grad_argnum", "jvp"),
}
#: ``grad``, ``grad.data``, ``grad.numpy()``, ``item()``.
_ACCESS_PATH = re.compile(r"[A-Za-z_]\w*(\(\))?(\.[A-Za-z_]\w*(\(\))?)*")
#: The fields the worker may change in a given API, for how this engine's ops are called
#: (``graders.sandbox.engine_calls.revised``, which cannot import this module, says why).
REVISED = ("names", "aliases", "constants")
#: The name that asks the worker to inspect the submission and pick a mapping.
AUTO = "auto"
#: Names a leaf constructor goes by, most specific first: what ``--api auto`` tries
#: (``graders.sandbox.engine_calls.LEAF_NAMES``, which cannot import this module, is the same).
LEAF_NAMES = ("tensor", "Tensor", "Value", "Scalar", "Variable", "Var", "Node", "Dual")


def worker_names(api: Preset | str) -> frozenset[str]:
    """Every name the worker may call or read on a submission graded under ``api``: the
    API's own (its leaf, each op's function or method, its paths), every preset's (what
    ``--api auto`` tries, and what an engine's revised forms may use), the op catalogs',
    and the alias ``square``. The static policy judges each function that such a name may
    reach (``graders.sandbox.dormant``)."""
    from graders.model.array_ops import ALL_OPS as TENSOR_OPS
    from graders.sandbox import detection, forward_jobs

    apis = [*PRESETS.values(), *([api] if isinstance(api, Preset) else [])]
    texts = [json.dumps(a.for_worker()) for a in apis]
    words = {w for text in texts for w in re.findall(r"[A-Za-z_]\w*", text)}
    tried = {  # what --api auto looks for
        *detection.BACKWARD_NAMES,
        *detection.GRADIENT_NAMES,
        *detection.VALUE_NAMES,
        *detection.SUM_NAMES,
        *forward_jobs.VALUE_NAMES,
        *forward_jobs.TANGENT_NAMES,
        *forward_jobs.DUAL_LEAVES,
        "item",
        "numpy",
        "tolist",
        "square",
    }
    return frozenset(words | tried | set(ops.ALL_OPS) | set(TENSOR_OPS) | set(LEAF_NAMES))


def import_lines(module: str, leaf: str, functions) -> list[str]:
    """A reproducer's imports: ``from module import leaf, exp``, and a line for each other
    module a function comes from by its dotted name (``from dezero.functions import sin``)."""
    by_module: dict[str, list[str]] = {module: [leaf]}
    for name in dict.fromkeys(functions):
        owner, _, last = name.rpartition(".")
        by_module.setdefault(owner or module, []).append(last)
    return [f"from {owner} import {', '.join(names)}" for owner, names in by_module.items()]


def leaves_of(api: Preset | str) -> tuple[str, ...]:
    """The leaf constructors an engine of this API defines: the preset's, or under
    ``auto`` every name it tries (``graders.submission`` finds the engine by them)."""
    return (api.leaf,) if isinstance(api, Preset) else LEAF_NAMES


@dataclass(frozen=True)
class Preset:
    """One student API, every field validated (see the module docstring)."""

    leaf: str = "tensor"
    unary: str = "function"
    binary: str = "operator"
    convert: str = "float"
    constants: str = "number"
    reflected: str = "required"
    names: Mapping[str, str] = field(default_factory=dict)
    functions: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)
    backward: str = "backward"
    seed: str = "auto"
    gradient: str = "grad"
    value: str = "data"
    gradients: str = "all"
    axis: str = "axis"
    keepdims: str = "keepdims"
    transpose: str = "permutation"
    broadcast: str = "implicit"
    reduce: str = "axes"
    shape_args: str = "tuple"
    views: str = "any"
    matmul: str = "batched"
    transform: str = "none"

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def gradient_attribute(self) -> str:
        """The attribute a node's gradient starts at, the one code adds to or seeds
        (``grad`` of ``grad.numpy()``)."""
        return self.gradient.split(".")[0].removesuffix("()")

    def conventions(self) -> dict:
        """What the course lets an op be given, as the case generators take it
        (``strategies.arrays.array_compositions``, ``graders.tensor.probes``)."""
        return {
            "keepdims": bool(self.keepdims) and self.reduce == "axes",
            "swap_only": self.transpose == "swap",
            "broadcast": self.broadcast,
            "reduce": self.reduce,
            "views": self.views,
            "matmul": self.matmul,
        }

    def to_json(self) -> dict:
        """The fields, as an assignment or ``--api`` gives them."""
        data = asdict(self)
        data["names"], data["aliases"] = dict(self.names), dict(self.aliases)
        return data

    def for_worker(self) -> dict:
        """What the worker needs: the fields, plus how to call each catalog op."""
        return {
            **self.to_json(),
            "forms": self.forms(),
            "alias_forms": self.alias_forms(),
            "tensor_forms": self.tensor_forms(),
        }

    def forms(self) -> dict[str, dict]:
        """How the engine is asked for each catalog op: ``{"call": "operator", "name": "+"}``,
        ``{"call": "function", "name": "add"}`` or ``{"call": "method", "name": "exp"}``."""
        return {name: self.form(name) for name in ops.ALL_OPS}

    def form(self, op_name: str) -> dict:
        syntax = ops.get(op_name).syntax
        if syntax in FUNCTION_NAMES:
            # A name for an operator op means the engine has a function for it instead.
            if self.binary == "operator" and op_name not in self.names:
                return {"call": "operator", "name": syntax}
            return {"call": "function", "name": self.names.get(op_name, FUNCTION_NAMES[syntax])}
        return {"call": self.unary, "name": self.names.get(op_name, syntax)}

    def optional(self, op_name: str, form: tuple[str, ...]) -> bool:
        """Whether the course's API leaves this form of an op out (``reflected``): a
        number on the left of an operator that takes either on each side (``2 - x``; not
        ``2 ** x``, an op of its own)."""
        return (
            self.reflected == "optional"
            and self.form(op_name)["call"] == "operator"
            and ops.get(op_name).operands == ("either", "either")
            and form == ("number", "node")
        )

    def tensor_forms(self) -> dict[str, dict]:
        """How the engine is asked for each array op (``graders.model.array_ops``): the
        elementwise ones as :meth:`form`, the rest as ``unary`` (``matmul`` as ``binary``)
        says, under the name ``names`` gives."""
        from graders.model.array_ops import ALL_OPS as TENSOR_OPS

        forms = {}
        for name in TENSOR_OPS:
            if name in ops.CATALOG:
                forms[name] = self.form(name)
            elif name == "matmul" and self.binary == "operator" and name not in self.names:
                forms[name] = {"call": "operator", "name": "@"}
            elif name == "matmul":
                forms[name] = {"call": "function", "name": self.names.get(name, name)}
            else:
                forms[name] = {"call": self.unary, "name": self.names.get(name, name)}
        return forms

    def alias_forms(self) -> list[dict]:
        """Each alias as ``{"name", "op", "const", "position"}``: the catalog op it stands
        for, with the number ``const`` at argument ``position``."""
        return [{"name": name, **_alias_form(text)} for name, text in self.aliases.items()]

    def option(self, **changes) -> str:
        """The ``--api`` JSON that gives this API with ``changes`` (``seed="attribute"``):
        the nearest preset and the fields that differ from it, so that what a report
        advises keeps the engine's leaf, calls and paths (``{"preset": "micrograd",
        "seed": "attribute"}``)."""
        fields = {**self.to_json(), **changes}

        def differing(name: str) -> dict:
            base = PRESETS[name].to_json()
            return {k: v for k, v in fields.items() if base[k] != v}

        nearest = min(PRESETS, key=lambda name: len(differing(name)))
        chosen = differing(nearest)
        return json.dumps(chosen if nearest == "mygrad" else {"preset": nearest, **chosen})

    def describe(self) -> str:
        """One line a report shows: how chaingrade calls this engine."""
        leaf = f"{self.leaf}(np.array(x))" if self.convert == "ndarray" else f"{self.leaf}(x)"
        unary = "exp(x)" if self.unary == "function" else "x.exp()"
        binary = "x + y" if self.binary == "operator" else "add(x, y)"
        seed = {
            "auto": f"out.{self.backward}()",
            "attribute": f"out.{self.gradient_attribute} = 1; out.{self.backward}()",
            "argument": f"out.{self.backward}(1.0)",
        }[self.seed]
        whose = " (inputs only)" if self.gradients == "inputs" else ""
        text = (
            f"leaf {leaf}, {unary}, {binary}, {seed}, gradient node.{self.gradient}{whose}, "
            f"value node.{self.value}"
        )
        extras = [f"{k} for {v}" for k, v in self.aliases.items()]
        extras += [f"{v} for {k}" for k, v in self.names.items()]
        return text + (f" ({', '.join(extras)})" if extras else "")


def from_option(text: str) -> Preset | str:
    """``--api``: ``auto``, a preset name, a JSON mapping of the fields, or a file holding
    one (JSON or TOML). ValueError names ``--api`` and what to fix."""
    text = text.strip()
    if not text.startswith("{") and Path(text).is_file():
        return _from_file(Path(text))
    if text.endswith((".json", ".toml")):
        raise ValueError(f"--api: no such file: {text}")
    api: str | dict = text
    if text.startswith("{"):
        try:
            api = json.loads(text)
        except ValueError as e:
            raise ValueError(f"--api: not valid JSON ({e})") from None
        if not isinstance(api, dict):
            raise ValueError("--api: give a JSON object of API fields")
    try:
        return resolve(api)
    except ValueError as e:
        raise ValueError(f"--api: {e}") from None


def portable(text: str) -> str:
    """``--api`` as text that means the same on another machine (a Gradescope zip's
    ``run_autograder``): ``auto`` or a preset's name as given, else the fields as one JSON
    mapping, a file's read here. ValueError as :func:`from_option`."""
    api = from_option(text)
    name = text.strip()
    if isinstance(api, str) or name in PRESETS:
        return name
    return json.dumps(api.to_json(), sort_keys=True)


def _from_file(path: Path) -> Preset | str:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".toml":
            mapping = tomllib.loads(text)
            mapping = mapping.get("api", mapping)
        else:
            mapping = json.loads(text)
    except ValueError as e:
        raise ValueError(f"--api: {path} is not valid {path.suffix[1:] or 'JSON'} ({e})") from None
    if not isinstance(mapping, dict):
        raise ValueError(f"--api: {path} must hold a mapping of API fields")
    try:
        return resolve(mapping)
    except ValueError as e:
        raise ValueError(f"--api: {path}: {e}") from None


def resolve(api: str | Mapping) -> Preset | str:
    """A preset by name, ``"auto"``, or a mapping of fields. A mapping may start from a
    preset (``{"preset": "micrograd", "backward": "backwards"}``); fields it leaves out
    are mygrad's."""
    if isinstance(api, str):
        if api == AUTO:
            return AUTO
        try:
            return PRESETS[api]
        except KeyError:
            raise ValueError(
                f"unknown API preset {api!r}; choose one of {', '.join(PRESETS)} or {AUTO}, "
                f"or give a mapping of the fields {', '.join(Preset.__dataclass_fields__)}"
            ) from None
    if not isinstance(api, Mapping):
        raise ValueError(f"an API is a preset name or a mapping of fields, not {api!r}")
    fields = dict(api)
    base = fields.pop("preset", "mygrad")
    if base not in PRESETS:
        raise ValueError(f"'preset' must be one of {', '.join(PRESETS)}, got {base!r}")
    unknown = set(fields) - set(Preset.__dataclass_fields__)
    if unknown:
        raise ValueError(
            f"unknown API fields {sorted(unknown)}; the fields are "
            f"{', '.join(Preset.__dataclass_fields__)}"
        )
    return Preset(**{**PRESETS[base].to_json(), **fields})


def _validate(api: Preset) -> None:
    """ValueError saying which field is wrong and what it may be."""
    for key, choices in CHOICES.items():
        if getattr(api, key) not in choices:
            raise ValueError(
                f"API field {key!r} must be one of {', '.join(choices)}, got {getattr(api, key)!r}"
            )
    for key in ("leaf", "backward", "axis"):
        _identifier(key, getattr(api, key))
    if api.keepdims != "":
        _identifier("keepdims", api.keepdims)
    for key in ("gradient", "value"):
        if not (isinstance(getattr(api, key), str) and _ACCESS_PATH.fullmatch(getattr(api, key))):
            raise ValueError(
                f"API field {key!r} must be an attribute, dotted and with () for a call "
                f"(grad, grad.data, grad.numpy()), got {getattr(api, key)!r}"
            )
    for key in ("names", "aliases"):
        if not isinstance(getattr(api, key), Mapping):
            raise ValueError(f"API field {key!r} must be a mapping, got {getattr(api, key)!r}")
    from graders.model.array_ops import ALL_OPS as TENSOR_OPS

    known = tuple(dict.fromkeys(ops.ALL_OPS + TENSOR_OPS))
    for op_name, name in api.names.items():
        if op_name not in known:
            raise ValueError(
                f"API field 'names': {op_name!r} is no catalog op; the ops are {', '.join(known)}"
            )
        _dotted(f"names.{op_name}", name)
    if api.functions:
        _dotted("functions", api.functions)
    for name, text in api.aliases.items():
        _identifier(f"aliases.{name}", name)
        _alias_form(text)


def _identifier(key: str, value) -> None:
    if not (isinstance(value, str) and value.isidentifier()):
        raise ValueError(f"API field {key!r} must be a Python identifier, got {value!r}")


def _dotted(key: str, value) -> None:
    """An identifier, or a module's function by its absolute dotted name."""
    if not (isinstance(value, str) and all(p.isidentifier() for p in value.split("."))):
        raise ValueError(
            f"API field {key!r} must be a Python identifier or a dotted name "
            f"(dezero.functions.sin), got {value!r}"
        )


def _alias_form(text) -> dict:
    """``"x ** 2"`` as ``{"op": "pow", "const": 2.0, "position": 1}``: one catalog op applied
    to ``x`` and a number. ValueError otherwise."""
    problem = ValueError(
        f"API alias {text!r} must be one catalog op on x and a number, such as "
        "'x ** 2', '1 / x', 'x * 2' or '2 ** x'"
    )
    try:
        tree = ast.parse(str(text), mode="eval").body
    except SyntaxError:
        raise problem from None
    symbols = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
    if not isinstance(tree, ast.BinOp) or type(tree.op) not in symbols:
        raise problem
    sides = [tree.left, tree.right]
    names = [isinstance(s, ast.Name) and s.id == "x" for s in sides]
    numbers = [_number(s) for s in sides]
    if sorted(names) != [False, True] or None not in numbers or numbers.count(None) != 1:
        raise problem
    position = names.index(False)
    symbol = symbols[type(tree.op)]
    for op in ops.CATALOG.values():
        if op.syntax != symbol or op.arity != 2:
            continue
        if op.operands[position] in ("number", "either") and _node_at(op, 1 - position):
            return {"op": op.name, "const": numbers[position], "position": position}
    raise problem


def _node_at(op: ops.Op, position: int) -> bool:
    return op.operands[position] in ("node", "either")


def _number(node: ast.expr) -> float | None:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


#: The presets an assignment or ``--api`` may name.
PRESETS: dict[str, Preset] = {
    "mygrad": Preset(),
    "micrograd": Preset(leaf="Value", unary="method"),
    "minitorch": Preset(
        leaf="Scalar",
        unary="method",
        gradient="derivative",
        gradients="inputs",
        reflected="optional",
    ),
    "dezero": Preset(
        leaf="Variable",
        convert="ndarray",
        gradient="grad.data",
        gradients="inputs",
        functions="dezero.functions",
        matmul="matrices",
    ),
    # minitorch Module 2 (tensors): minitorch.tensor(nested lists), methods, one kept dim
    "minitorch_tensor": Preset(
        leaf="tensor",
        convert="list",
        unary="method",
        gradient="grad.to_numpy()",
        value="to_numpy()",
        gradients="inputs",
        names={"reshape": "view", "transpose": "permute"},
        axis="dim",
        keepdims="",
        reduce="dim",
        shape_args="unpacked",
        views="contiguous",
    ),
    "needle": Preset(
        leaf="Tensor",
        gradient="grad.numpy()",
        value="numpy()",
        names={"sum": "summation"},
        axis="axes",
        keepdims="",
        transpose="swap",
        broadcast="explicit",
    ),
    # Forward mode (the forward kind): an input is Dual(value, tangent); ``value`` and
    # ``gradient`` are where a dual number's value and tangent are read.
    "dual": Preset(leaf="Dual", value="val", gradient="der"),
    # Functional engines (the forward kind): ``leaf`` names the transform each case, a
    # Python function of its inputs, is handed to.
    "grad": Preset(leaf="grad", transform="grad"),
    "autograd": Preset(leaf="grad", transform="grad_argnum"),
    "jvp": Preset(leaf="jvp", transform="jvp"),
}
