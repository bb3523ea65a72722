"""The worker's side of the ``forward`` kind: dual-number engines, run and recognized.

Loaded with ``worker.py`` (standard library only, nothing from chaingrade), which imports
it; what it needs of the worker (``call_op``, ``BuildError``, ``describe``, ``number``)
is handed in as ``w``, the worker module itself.

A forward job is a composition job with ``"forward": true``: each point holds the inputs'
values, then their tangents (``[x, y, dx, dy]``). The engine makes each input as
``leaf(value, tangent)``, builds the composition, and the outcome is every node's value
and tangent, read where the API's ``value`` and ``gradient`` paths say (``"grads"`` holds
the tangents, so a reply packs and is checked as a composition job's). A functional
engine (the API's ``transform``: ``grad(f)``, ``jvp``) is run by ``functional_jobs``.
"""

import inspect

from . import functional_jobs

#: Where a dual number keeps its value, and its tangent (``--api auto`` tries these).
VALUE_NAMES = ("val", "value", "real", "primal")
TANGENT_NAMES = ("der", "deriv", "derivative", "dual", "tangent", "dot")
#: Leaf constructors tried first; then any class the module defines.
DUAL_LEAVES = ("Dual", "DualNumber", "Var", "Variable", "AutoDiff", "FuncInput", "Node")
UNARY_NAMES = ("exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid", "relu")


def dual_maker(module, api, w):
    """``make(value, tangent)``: a leaf of the engine, as ``leaf(value, tangent)``."""
    leaf = getattr(module, api["leaf"], None)
    if not callable(leaf):
        raise w.BuildError("missing", None, f"the submission has no {api['leaf']}()")

    def make(value, tangent):
        try:
            return leaf(float(value), float(tangent))
        except BaseException as exc:
            message = f"{api['leaf']}(value, tangent) raised " + w.describe(exc)
            raise w.BuildError("error", None, message) from None

    return make


def run_one(module, api, plan, point, w):
    """Build the composition (its ``plan_of``) from one point (values, then tangents) with
    the engine's dual numbers: every node's value and tangent."""
    if api.get("transform", "none") != "none":  # grad(f), jvp: the case as a function
        return functional_jobs.run_one(module, api, plan, point, w)
    nodes = _leaves(module, api, point, w)
    _build(module, api, plan[0], nodes, w)
    return _read(plan, nodes, w)


def trace_one(module, api, job, point, w):
    """``run_one`` under the grader's tracer (``where`` on a forward finding: the op alone,
    most often), leaves made before it starts: ``{"values", "grads", "trace"}`` (the
    record, None when tracing was disturbed); when the engine raised, ``{"error",
    "raised"}``: where in the submission (``Tracer.raised``)."""
    plan = w.plan_of(api, job["trace"])
    nodes = _leaves(module, api, point, w)
    tracer = w.Tracer(job["folder"], w.number)
    tracer.known(*point, *plan[1](nodes), *plan[2](nodes))  # the grader's numbers: never new
    if job.get("events", True):  # False: only where it raises
        tracer.start()
    try:
        _build(module, api, plan[0], nodes, w, tracer)
    except w.BuildError as exc:
        tracer.raised(exc)
        return {"error": exc.info, "raised": tracer.failed}
    finally:
        tracer.finish()
    return {**_read(plan, nodes, w), "trace": tracer.result}


def _leaves(module, api, point, w):
    half = len(point) // 2
    make = dual_maker(module, api, w)
    return [make(v, t) for v, t in zip(point[:half], point[half:])]


def _build(module, api, steps, nodes, w, tracer=None):
    """Each op of the plan on ``nodes`` (the leaves), appended to them."""
    make = dual_maker(module, api, w)
    # A constant is a plain number (the engine makes it a dual of tangent 0 itself), or,
    # for engines whose ops take duals only, one the grader makes with tangent 0.
    wrap = (lambda c: make(c, 0.0)) if api["constants"] == "leaf" else float
    for op, call, name, sources in steps:
        args = [nodes[i] if i is not None else wrap(c) for i, c in sources]
        if tracer is not None:
            tracer.known(*args)  # the numbers of ``x * 2``: the grader's, never new
        nodes.append(w.call_op(module, op, call=call, name=name, args=args, api=api))


def _read(plan, nodes, w):
    _, read_values, read_tangents = plan
    try:
        values, tangents = read_values(nodes), read_tangents(nodes)
    except BaseException as exc:
        raise w.BuildError("error", None, "reading results raised " + w.describe(exc)) from None
    return {"values": values, "grads": tangents}


# --- --api auto -------------------------------------------------------------------------


def detect(module, w):
    """The API fields of a dual-number engine, found by its shape (a constructor taking
    ``(value, tangent)``, one attribute of :data:`VALUE_NAMES` and one of
    :data:`TANGENT_NAMES`), never by its numbers; None when no class fits, and
    ``ValueError`` when more than one does."""
    fits = {}
    for name in _candidates(module):
        found = _dual_fit(module, name, w)
        if found is not None and all(type(found[2]) is not type(f[2]) for f in fits.values()):
            fits[name] = found
    if not fits:
        return None
    if len(fits) > 1:
        raise ValueError("more than one dual number fits: " + ", ".join(f"{n}()" for n in fits))
    ((leaf, (value, tangent, node)),) = fits.items()
    fields = {"leaf": leaf, "value": value, "gradient": tangent, "gradients": "all"}
    functions = sum(callable(getattr(module, n, None)) for n in UNARY_NAMES)
    methods = sum(callable(getattr(node, n, None)) for n in UNARY_NAMES)
    fields["unary"] = "method" if methods > functions else "function"
    fields.update(_binary_fields(module, node, w))
    return fields


def _candidates(module):
    """The known leaf names first, then every other class the module itself defines."""
    own = [
        name
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and getattr(obj, "__module__", None) == module.__name__
    ]
    return list(dict.fromkeys([n for n in DUAL_LEAVES if hasattr(module, n)] + own))


def _dual_fit(module, name, w):
    """``(value path, tangent path, a leaf)`` if ``module.name(0.5, 0.25)`` has a value
    and a tangent attribute that read as numbers, else None."""
    make = getattr(module, name, None)
    if not callable(make):
        return None
    try:
        node = make(0.5, 0.25)
    except BaseException:
        return None
    value = _first_number(node, VALUE_NAMES, w)
    tangent = _first_number(node, [n for n in TANGENT_NAMES if n != value], w)
    if value is None or tangent is None:
        return None
    return value, tangent, node


def _first_number(node, names, w):
    for name in names:
        try:
            if isinstance(w.number(getattr(node, name, None)), float):
                return name
        except BaseException:
            continue
    return None


def _binary_fields(module, node, w):
    """Operators when the dual type defines its own (a namedtuple's ``+`` concatenates:
    not an op), else the module's functions; numbers wrapped as duals of tangent 0 when
    ``add(x, 2.0)`` fails (the engine's ops take duals only)."""
    own = any(
        d in vars(cls)
        for cls in type(node).__mro__
        if cls not in (tuple, list, object)
        for d in ("__add__", "__mul__")
    )
    add = getattr(module, "add", None)
    if own or not callable(add):
        return {"binary": "operator"}
    found = {"binary": "function"}
    try:
        add(node, 2.0)
    except BaseException:
        found["constants"] = "leaf"
    return found
