"""Calling the student's engine: the worker's side of a job, one point at a time.

Everything here runs in the worker, on the submission's objects, and returns plain data
or raises :class:`BuildError` (``{"kind", "op", "message"}``: ``missing`` for an op the
engine lacks, ``error`` for one that broke). :func:`load` imports the submission; an
API (``Preset.for_worker()``) says how to make a leaf (:func:`leaf_maker`), how to call
each op (:func:`form_of`, :func:`call_op`), how to seed and run the reverse pass
(:func:`run_backward`) and where values and gradients are read (:func:`reader`);
:func:`run_one` builds one composition at one point, :func:`call_one` calls one of the
module's functions, :func:`trace_one` runs one composition under the grader's tracer.
Every number leaves as a plain float (:func:`number`).

Standard library only (NumPy when the API converts to arrays): the supervisor loads this
with the worker, by path, before the guard goes up.
"""

import functools
import importlib
import importlib.util
import operator
import os
import sys
import traceback

from .tracing import Disturbed as TraceDisturbed
from .tracing import Tracer

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}

# (matmul, ``@``, is applied by ``array_jobs.apply_array_op``.)
#: Exceptions that mean "this engine does not have that op" wherever they are raised (a
#: stub's ``raise NotImplementedError``, micrograd's ``assert isinstance(other, (int,
#: float))`` in ``__pow__``). Any other exception means "does not have it" only when it
#: comes from looking the op up (``getattr``, an operator neither side supports), not from
#: the student's code running (see :func:`kind_of`).
MISSING = (NotImplementedError, AssertionError)


class BuildError(Exception):
    def __init__(self, kind, op, message):
        super().__init__(message)
        self.info = {"kind": kind, "op": op, "message": message}


def describe(exc):
    """One line for the student: the exception and where in their file it came from."""
    lines = traceback.format_exception_only(type(exc), exc)
    text = lines[-1].strip() if lines else type(exc).__name__
    return text[:500]


def kind_of(exc, *, own_file=__file__):
    """``"missing"`` for an op the engine lacks, ``"error"`` for one that broke: an
    exception raised in ``own_file`` (the worker's file that looked the op up or
    dispatched the operator: this one, or ``array_jobs.py``) or one of :data:`MISSING`
    means missing; one raised inside the student's code is an error."""
    if isinstance(exc, MISSING):
        return "missing"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    own = tb is None or tb.tb_frame.f_code.co_filename == own_file
    return "missing" if own and isinstance(exc, (AttributeError, TypeError)) else "error"


def load(path, module_name):
    """Import the submission's entry: a module file, or a package's ``__init__.py``,
    whose submodules (``from .scalar import Scalar``) are found beside it; a module of a
    package (``micrograd.engine``) is imported as ``import`` does, its packages first."""
    if "." in module_name:
        return importlib.import_module(module_name)
    package = os.path.basename(path) == "__init__.py"
    locations = [os.path.dirname(path)] if package else None
    spec = importlib.util.spec_from_file_location(
        module_name, path, submodule_search_locations=locations
    )
    if spec is None or spec.loader is None:  # a path no loader takes (not a .py file)
        raise ImportError(f"cannot import {path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def number(value):
    """A node's value or gradient as a plain float, None, or a description of what it is.

    ``float()`` is the only conversion: whatever a float subclass does to ``==`` or ``-``
    never leaves this process. Strings (even ``"1.0"``), booleans and arrays of any shape
    but ``()`` are not numbers.
    """
    if type(value) is float:  # the common case, first
        return value
    if value is None:
        return None
    try:
        kind = type(value).__name__[:60]
        if isinstance(value, (str, bytes, bytearray, bool)) or kind == "bool_":
            return {"not_a_number": kind}
        shape = getattr(value, "shape", ())
        if type(shape) is tuple and shape != ():
            return {"not_a_number": f"{kind} of shape {shape}"[:80]}
        result = float(value)
    except BaseException:  # a student's object may raise anything from __float__
        return {"not_a_number": type(value).__name__[:80]}
    return result


def access(node, path):
    """What an API access path (``grad``, ``grad.data``, ``grad.numpy()``) reads from a
    node; None where an attribute on the way is None or (the first) does not exist."""
    for i, part in enumerate(path.split(".")):
        name = part[:-2] if part.endswith("()") else part
        if i == 0 and not hasattr(node, name):
            return None
        if name == "data" and is_numpy(node):
            continue  # DeZero's grad: an array up to step 32, a Variable (grad.data) after
        node = getattr(node, name)
        if node is None:
            return None
        if part.endswith("()"):
            node = node()
    return node


def is_numpy(value):
    """Whether ``value`` is a NumPy array or scalar (whose ``.data`` is its buffer, not
    a number), told without importing NumPy."""
    return type(value).__module__ == "numpy" and hasattr(value, "dtype")


def reader(path):
    """``nodes -> [number(access(node, path)) ...]``, fast where the path is one plain
    attribute (``grad``, ``data``): read by ``operator.attrgetter`` in C, and numbers
    that are floats already kept as they are."""

    def slow(nodes):
        return [number(access(n, path)) for n in nodes]

    if "." in path or path.endswith("()"):
        return slow
    get = operator.attrgetter(path)

    def fast(nodes):
        try:
            found = list(map(get, nodes))
        except AttributeError:  # a node without it: None, as access() reads it
            return slow(nodes)
        return [v if type(v) is float else number(v) for v in found]

    return fast


def converter(api):
    """How a Python float becomes what the engine's leaf constructor takes."""
    if api["convert"] == "ndarray":
        import numpy

        return numpy.array
    return float


#: Names a leaf constructor goes by, most specific first.
LEAF_NAMES = ("tensor", "Tensor", "Value", "Scalar", "Variable", "Var", "Node", "Dual")


def leaf_maker(module, api):
    leaf = getattr(module, api["leaf"], None)
    if leaf is None:
        others = [n for n in LEAF_NAMES if callable(getattr(module, n, None))]
        hint = f"; it has {', '.join(o + '()' for o in others)}: " if others else ""
        hint += "is its API another? (--api auto finds it)" if others else ""
        raise BuildError("missing", None, f"the submission has no {api['leaf']}(){hint}")
    convert = converter(api)

    def make(value):
        try:
            return leaf(convert(value))
        except BaseException as exc:
            raise BuildError("error", None, f"{api['leaf']}(...) raised " + describe(exc)) from None

    return make


def form_of(api, node):
    """``(call, name, which arguments)`` for one node: an alias of the engine's (``square``
    for ``x ** 2``) where one matches, else the op's form (see ``Preset.forms``)."""
    args = node["args"]
    for alias in api["alias_forms"]:
        if alias["op"] != node["op"] or len(args) != 2:
            continue
        const = args[alias["position"]]
        if isinstance(const, dict) and float(const["const"]) == alias["const"]:
            return api["unary"], alias["name"], [1 - alias["position"]]
    form = api["forms"][node["op"]]
    return form["call"], form["name"], list(range(len(args)))


def apply(module, api, node, args):
    """Build one node with the engine, as the API says to call its op."""
    call, name, which = form_of(api, node)
    return call_op(module, node["op"], call=call, name=name, args=[args[i] for i in which], api=api)


#: The module function an engine without operators has for each (DeZero up to step 19).
OPERATOR_FUNCTIONS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "neg": "neg"}


def has_operators(node):
    """Whether a node's type has arithmetic operators (``+`` or ``*``)."""
    return any(hasattr(type(node), d) for d in ("__add__", "__mul__"))


def call_op(module, op, *, call, name, args, api=None):
    """Call one op as ``form_of`` says, on the arguments it takes. On an engine whose
    nodes have no operators at all, an operator is called as the module's function of
    that name when there is one (``add(x, y)``: DeZero's steps 9-19 under ``--api
    dezero``), numbers made leaves first (such an engine's functions take nodes only)."""
    try:
        if call == "operator":
            function = operator.neg if name == "neg" else BINARY[name]
        elif call == "method":
            function, args = getattr(args[0], name), args[1:]
        else:
            function = module_function(module, name)
    except AttributeError as exc:
        raise BuildError("missing", op, describe(exc)) from None
    except BaseException as exc:  # a student's __getattr__ may raise anything
        raise BuildError("error", op, describe(exc)) from None
    try:
        return function(*args)
    except BaseException as exc:  # KeyboardInterrupt and SystemExit from student code included
        kind = "missing" if _no_such_power(op, exc) else kind_of(exc)
        instead = _function_for(module, name, args)
        if kind != "missing" or call != "operator" or api is None or instead is None:
            raise BuildError(kind, op, describe(exc)) from None
        if any(has_operators(a) for a in args if type(a) is not float):
            raise BuildError(kind, op, describe(exc)) from None  # it lacks this one only
    make = leaf_maker(module, api)
    name, args = instead
    args = [make(a) if type(a) is float else a for a in args]
    return call_op(module, op, call="function", name=name, args=args)


def module_function(module, name):
    """The module function ``name`` (``call = "function"``): the entry module's, or, by a
    dotted name, a function of another module the submission imported
    (``dezero.functions.sin``). AttributeError when there is none."""
    if "." not in name:
        return getattr(module, name)
    path, _, last = name.rpartition(".")
    owner = sys.modules.get(path)
    if owner is None:
        raise AttributeError(f"the submission imports no module {path}")
    return getattr(owner, last)


#: The fields of an API the worker may revise for an engine (see :func:`revised`).
REVISED = ("names", "aliases", "constants")


def revised(module, api):
    """How this engine's ops are called, when it differs from what ``api`` says: the
    fields of :data:`REVISED`, or None. Module functions the entry module lacks and the
    course's module (``api["functions"]``: ``dezero.functions``) has are named by their
    dotted names; on an engine whose nodes have no operators at all (DeZero's steps
    9-19), each operator op is its module's function (``add``, ``mul``, ...; ``x ** 2`` its
    ``square``), with numbers made leaves. The runner adopts them, so every later call and
    every reproducer uses the forms the engine was actually called in."""
    names, aliases = dict(api["names"]), dict(api["aliases"])
    owner = sys.modules.get(api.get("functions") or "")
    # the array ops too (DeZero's dezero.functions.sum, reshape, ...): only the array
    # kind calls them, and a name of an op nothing calls changes nothing
    forms = {**api["forms"], **api.get("tensor_forms", {})}
    for op, form in forms.items():
        name = form["name"]
        if form["call"] != "function" or "." in name or owner is None:
            continue
        if not callable(getattr(module, name, None)) and callable(getattr(owner, name, None)):
            names[op] = f"{api['functions']}.{name}"
    if owner is not None and _matmul_function(module, api, owner, forms):
        names["matmul"] = f"{api['functions']}.matmul"  # DeZero's nodes have no @
    constants = api["constants"]
    if api["binary"] == "operator" and not _has_operators(module, api):
        for op, form in api["forms"].items():
            function = OPERATOR_FUNCTIONS.get(form["name"], "")
            if form["call"] == "operator" and callable(getattr(module, function, None)):
                names[op], constants = function, "leaf"
        if "pow" not in names and callable(getattr(module, "square", None)):
            aliases.setdefault("square", "x ** 2")
    fields = {"names": names, "aliases": aliases, "constants": constants}
    return fields if any(fields[k] != api[k] for k in REVISED) else None


def _matmul_function(module, api, owner, forms) -> bool:
    """Whether ``a @ b`` is asked of an engine whose leaf has no ``__matmul__`` while the
    course's module has a ``matmul`` function (DeZero: ``F.matmul(x, W)``)."""
    if forms.get("matmul", {}).get("call") != "operator" or not callable(
        getattr(owner, "matmul", None)
    ):
        return False
    leaf = getattr(module, api["leaf"], None)  # a class (Variable); a maker says nothing
    return isinstance(leaf, type) and not hasattr(leaf, "__matmul__")


def _has_operators(module, api):
    """Whether the engine's leaf has arithmetic operators (True when none can be made:
    grading then says why)."""
    try:
        return has_operators(leaf_maker(module, api)(0.5))
    except BaseException:  # a student's constructor may raise anything
        return True


def _function_for(module, name, args):
    """``(function, args)``: what an engine without operators has for the operator
    ``name``: its module's ``add``, ``mul``, ...; for ``x ** 2`` with no ``pow``, its
    ``square(x)`` (DeZero's steps 9-19). None when it has neither."""
    function = OPERATOR_FUNCTIONS.get(name, "")
    if callable(getattr(module, function, None)):
        return function, args
    squared = name == "**" and len(args) == 2 and type(args[1]) is float and args[1] == 2.0
    if squared and callable(getattr(module, "square", None)):
        return "square", args[:1]
    return None


def _no_such_power(op, exc):
    """Whether a power with a node exponent (``x ** y``, ``2 ** x``) failed because the
    engine's power takes a number only: Python found no ``**`` for the operand types,
    wherever in the engine that was (DeZero's ``Pow`` computes ``x ** self.c``)."""
    return (
        op in ("pow_var", "rpow")
        and type(exc) is TypeError
        and str(exc).startswith("unsupported operand type(s) for ** or pow()")
    )


def run_backward(api, out):
    """The reverse pass from ``out``, seeded as the API says."""
    backward = api["backward"]
    try:
        method = getattr(out, backward)
    except BaseException as exc:  # an op that returned no node, most likely (see run_one)
        raise BuildError("error", None, f"{backward}() raised " + describe(exc)) from None
    try:
        if api["seed"] == "attribute":
            setattr(out, api["gradient"].split(".")[0].rstrip("()"), converter(api)(1.0))
        if api["seed"] == "argument":
            method(converter(api)(1.0))
        else:
            method()
    except BaseException as exc:
        kind = "missing" if isinstance(exc, NotImplementedError) else "error"
        raise BuildError(kind, None, f"{backward}() raised " + describe(exc)) from None


def plan_of(api, composition):
    """What building a composition needs, worked out once per job rather than per point:
    per node its op, how it is called (``form_of``) and where each argument it is called
    with comes from (``(index, None)`` for a node, ``(None, number)`` for a constant); and
    how values and gradients are read."""
    steps = []
    for node in composition["nodes"]:
        call, name, which = form_of(api, node)
        args = [node["args"][i] for i in which]
        sources = [(None, a["const"]) if isinstance(a, dict) else (a, None) for a in args]
        steps.append((node["op"], call, name, sources))
    return steps, reader(api["value"]), reader(api["gradient"])


def run_one(module, api, plan, point, *, backward_at=()):
    """Build the composition (its ``plan_of``) at one point and run the reverse pass from
    its output; first, from each node of ``backward_at`` as soon as it is built, keeping
    what that pass left, so a later graph reuses the nodes of an earlier one. Nothing is
    ever written into the student's nodes: what the earlier pass left stays there."""
    steps, read_values, read_grads = plan
    make = leaf_maker(module, api)
    nodes = [make(v) for v in point]
    if not hasattr(nodes[0], api["backward"]):  # a leaf has none: the engine lacks it
        raise BuildError("missing", None, f"a {api['leaf']} has no {api['backward']}() method")
    wrap = make if api["constants"] == "leaf" else float
    earlier = []
    inputs = len(point)
    for op, call, name, sources in steps:
        args = [nodes[i] if i is not None else wrap(c) for i, c in sources]
        nodes.append(call_op(module, op, call=call, name=name, args=args, api=api))
        if len(nodes) - 1 in backward_at:
            run_backward(api, nodes[-1])
            earlier.append(
                read_results(
                    api, nodes, inputs=inputs, read_values=read_values, read_grads=read_grads
                )[1]
            )
    run_backward(api, nodes[-1])
    values, grads = read_results(
        api, nodes, inputs=inputs, read_values=read_values, read_grads=read_grads
    )
    earlier = [e + [None] * (len(grads) - len(e)) for e in earlier]  # nodes not built yet
    return {"values": values, "grads": grads, **({"earlier_grads": earlier} if earlier else {})}


def read_results(api, nodes, *, inputs, read_values, read_grads):
    """Every node's value, and the gradients the API reads (every node's, or the inputs'),
    read by the ``reader`` of each path."""
    graded = nodes[:inputs] if api["gradients"] == "inputs" else nodes
    try:
        values, grads = read_values(nodes), read_grads(graded)
    except BaseException as exc:
        raise BuildError("error", None, "reading results raised " + describe(exc)) from None
    return values, grads


def call_one(module, name, point):
    function = getattr(module, name, None)
    if not callable(function):
        raise BuildError("missing", None, f"the submission has no function {name}()")
    try:
        return {"value": number(function(*[float(v) for v in point]))}
    except NotImplementedError as exc:
        raise BuildError("missing", None, f"{name}() raised " + describe(exc)) from None
    except BaseException as exc:
        raise BuildError("error", None, f"{name}() raised " + describe(exc)) from None


def trace_one(module, api, job, point):
    """Build ``job["trace"]`` (a composition) at one point under the tracer
    (``tracing.py``), watching the gradients of the nodes ``job["watch"]`` during the
    reverse pass: ``{"values", "grads", "trace"}``, with ``"trace": None`` when tracing was
    disturbed (see ``Tracer.stop``); when the engine raised, ``{"error", "raised"}``: where
    in the submission (``Tracer.raised``)."""
    steps, read_values, read_grads = plan_of(api, job["trace"])
    make = leaf_maker(module, api)
    nodes = [make(v) for v in point]
    wrap = make if api["constants"] == "leaf" else float
    # a node stored into a container (needle's lists of contributions): its value, as read
    tracer = Tracer(job["folder"], number, item=functools.partial(_value_of, api["value"]))
    tracer.known(*point, *read_values(nodes))
    if job.get("events", True):  # False: only where it raises (a recursion, traced, overflows)
        tracer.start()
    try:
        for op, call, name, sources in steps:
            args = [nodes[i] if i is not None else wrap(c) for i, c in sources]
            tracer.known(*args)  # the numbers of ``x * 2``: the grader's, never new
            nodes.append(call_op(module, op, call=call, name=name, args=args, api=api))
        for index in job.get("watch", ()):
            if index < len(nodes):
                tracer.watch(index, functools.partial(_gradient_of, nodes[index], api["gradient"]))
        tracer.enter("backward")
        run_backward(api, nodes[-1])
    except BuildError as exc:  # an ``error`` finding's place: the line that raised
        tracer.raised(exc)
        return {"error": exc.info, "raised": tracer.failed}
    finally:
        try:
            tracer.stop()
            record = tracer.record()
        except TraceDisturbed:
            record = None
    values, grads = read_results(
        api, nodes, inputs=len(point), read_values=read_values, read_grads=read_grads
    )
    return {"values": values, "grads": grads, "trace": record}


def _gradient_of(node, path):
    return access(node, path)


def _value_of(path, node):
    return number(access(node, path))
