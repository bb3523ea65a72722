"""Array jobs (the tensor kind): build an array composition with the engine, read arrays.

A job ``{"array_composition": {...}, "points": [[flat numbers per input], ...]}``: each
input becomes a leaf of its shape (:func:`array_leaf_maker`), each node is called as the
API's ``tensor_forms`` say (:func:`apply_array_op`, its arguments by
:func:`array_arguments`), the reverse pass runs from the scalar loss, and every value and
gradient comes back as ``{"shape": [...], "data": [...]}`` (:func:`array_value`).

Standard library only (NumPy is imported when a job runs): the supervisor loads this with
the worker, by path, before the guard goes up.
"""

import functools
import operator

from .engine_calls import (
    LEAF_NAMES,
    BuildError,
    access,
    apply,
    describe,
    kind_of,
    module_function,
    run_backward,
)
from .tracing import Tracer

#: The most elements an array read back may hold (a gradient of a small composition).
MAX_ARRAY_ELEMENTS = 4096


def array_leaf_maker(module, api):
    """How an array becomes a leaf: ``leaf(np.array(...))``, or nested lists with
    ``convert = "list"``."""
    import numpy

    leaf = getattr(module, api["leaf"], None)
    if leaf is None:
        others = [n for n in LEAF_NAMES if callable(getattr(module, n, None))]
        hint = f"; it has {', '.join(o + '()' for o in others)}: " if others else ""
        hint += "is its API another? (--api auto finds it)" if others else ""
        raise BuildError("missing", None, f"the submission has no {api['leaf']}(){hint}")

    def make(flat, shape):
        array = numpy.array(flat, dtype=numpy.float64).reshape(shape)
        try:
            return leaf(array.tolist() if api["convert"] == "list" else array)
        except BaseException as exc:
            raise BuildError("error", None, f"{api['leaf']}(...) raised " + describe(exc)) from None

    return make


def array_arguments(api, node):
    """The extra positional arguments and the keywords of an array op (see
    ``graders.tensor.syntax``, which writes the same call for reports)."""
    op, params = node["op"], node["params"]
    unpacked = api.get("shape_args") == "unpacked"  # minitorch: view(2, 3), permute(1, 0)
    if op in ("sum", "mean", "max"):
        axis = params.get("axis")
        if api.get("reduce") == "dim":  # minitorch: x.sum(1), or x.sum() for everything
            return ([] if axis is None else [int(axis[0])]), {}
        keywords = {}
        if axis is not None:
            keywords[api["axis"]] = tuple(axis)
        if params.get("keepdims") and api["keepdims"]:
            keywords[api["keepdims"]] = True
        return [], keywords
    if op in ("reshape", "broadcast_to"):
        return (list(params["shape"]) if unpacked else [tuple(params["shape"])]), {}
    if op == "transpose":
        axes = params["axes"]
        if api["transpose"] == "swap":
            moved = [i for i, a in enumerate(axes) if a != i]
            return [], {"axes": tuple(moved)}
        return (list(axes) if unpacked else [tuple(axes)]), {}
    return [], {}


def apply_array_op(module, api, node, args):
    """Build one node of an array composition with the engine."""
    op = node["op"]
    if op == "pow":
        as_scalar = {"op": "pow", "args": [0, {"const": node["params"]["exponent"]}]}
        return apply(module, api, as_scalar, [args[0], float(node["params"]["exponent"])])
    if op in api["forms"]:
        return apply(module, api, {"op": op, "args": list(node["args"])}, args)
    form = api["tensor_forms"][op]
    extra, keywords = array_arguments(api, node)
    try:
        if form["call"] == "operator":
            function = operator.matmul
        elif form["call"] == "method":
            function, args = getattr(args[0], form["name"]), args[1:]
        else:  # the entry's, or another module's by a dotted name (dezero.functions.sum)
            function = module_function(module, form["name"])
    except AttributeError as exc:
        raise BuildError("missing", op, describe(exc)) from None
    except BaseException as exc:
        raise BuildError("error", op, describe(exc)) from None
    try:
        return function(*args, *extra, **keywords)
    except BaseException as exc:
        raise BuildError(kind_of(exc, own_file=__file__), op, describe(exc)) from None


def array_value(value):
    """A value or gradient as ``{"shape": [...], "data": [floats]}``, None, or a
    description of what it is. ``numpy.asarray(..., float64)`` is the only conversion."""
    import numpy

    if value is None:
        return None
    kind = type(value).__name__[:60]
    try:
        if isinstance(value, (str, bytes, bytearray, bool)):
            return {"not_a_number": kind}
        array = numpy.asarray(value, dtype=numpy.float64)
        if array.size > MAX_ARRAY_ELEMENTS:
            return {"not_a_number": f"{kind} of {array.size} elements"}
        return {"shape": [int(n) for n in array.shape], "data": [float(v) for v in array.ravel()]}
    except BaseException:
        return {"not_a_number": kind}


def run_array_one(module, api, composition, point, tracer=None, watch=()):
    """Build an array composition from one point (a flat list of numbers per input), run
    the reverse pass from its scalar loss, and read every node's value and gradient. With
    a ``tracer`` (``where`` on findings: :func:`trace_array_one`), the ops and the reverse
    pass run under it, the gradients of the nodes ``watch`` watched."""
    make = array_leaf_maker(module, api)
    nodes = [make(flat, spec["shape"]) for flat, spec in zip(point, composition["inputs"])]
    if not hasattr(nodes[0], api["backward"]):
        raise BuildError("missing", None, f"a {api['leaf']} has no {api['backward']}() method")
    if tracer is not None:
        tracer.start()
    try:
        for node in composition["nodes"]:
            nodes.append(apply_array_op(module, api, node, [nodes[a] for a in node["args"]]))
        for index in watch:
            if tracer is not None and index < len(nodes):
                tracer.watch(index, functools.partial(access, nodes[index], api["gradient"]))
        if tracer is not None:
            tracer.enter("backward")
        seeding = api if api["convert"] == "ndarray" else {**api, "convert": "ndarray"}
        run_backward(seeding, nodes[-1])
    finally:
        if tracer is not None:
            tracer.finish()
    graded = nodes[: len(point)] if api["gradients"] == "inputs" else nodes
    try:
        values = [array_value(access(n, api["value"])) for n in nodes]
        grads = [array_value(access(n, api["gradient"])) for n in graded]
    except BaseException as exc:
        raise BuildError("error", None, "reading results raised " + describe(exc)) from None
    return {"values": values, "grads": grads}


def trace_array_one(module, api, job, point):
    """``trace_one`` for an array composition (``job["arrays"]``): :func:`run_array_one`
    under the tracer, a watched gradient read as ``[shape, data]``; when the engine raised,
    ``{"error", "raised"}``: where in the submission (untraced when ``job["events"]`` is
    False: only that is wanted)."""
    # a node stored into a container (needle's lists of contributions): its value, as read
    tracer = Tracer(job["folder"], _array_number, item=functools.partial(_value_of, api["value"]))
    traced = tracer if job.get("events", True) else None
    try:
        outcome = run_array_one(module, api, job["trace"], point, traced, job.get("watch", ()))
    except BuildError as exc:  # an ``error`` finding's place: the line that raised
        tracer.raised(exc)
        return {"error": exc.info, "raised": tracer.failed}
    return {**outcome, "trace": tracer.result}


def _value_of(path, node):
    return _array_number(access(node, path))


def _array_number(value):
    found = array_value(value)
    return [found["shape"], found["data"]] if found and "shape" in found else None
