"""``--api auto``: which API fits the submission's engine, found by its shape.

``worker.serve`` calls :func:`detect` on the imported submission when the runner sends
``--api '{"auto": true, "arrays": BOOL}'``, and says what it found in its first reply
(``"api": {fields}``).
It tries leaf constructors by name (``engine_calls.LEAF_NAMES``) on a number, else each
class the submission defines, by its shape (one that makes a node with a backward method
from a number: a ``ValueTensor``), reads where
values and gradients are after one small reverse pass, and how ops and reductions are
called; never the engine's numbers, so a wrong engine gets the same mapping as a right
one. No reverse-mode leaf fits: a function transform then, a module function ``jvp`` or
``grad`` (``functional_jobs.detect``), else a dual-number engine (``forward_jobs.detect``).
A reverse-mode engine with a ``grad`` helper stays a reverse-mode engine; a functional
engine whose tracer is a node with a backward method needs ``--api grad`` (or
``autograd``, ``jvp``).

Standard library only: the supervisor loads this with the worker, by path, before the
guard goes up (``inspect`` is imported when it runs).
"""

import functools

from . import engine_calls, forward_jobs, functional_jobs
from .engine_calls import (
    LEAF_NAMES,
    access,
    converter,
    has_operators,
    is_numpy,
    leaf_maker,
    number,
    run_backward,
)

BACKWARD_NAMES = ("backward", "backwards", "backprop", "back_prop")


GRADIENT_NAMES = ("grad", "derivative", "gradient", "adjoint")


VALUE_NAMES = ("data", "value", "val")


UNARY_NAMES = ("exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid", "relu")


class NoFit(Exception):
    """``--api auto`` found no mapping, or more than one: the message says which."""


def detect(module, arrays=False):
    """The API fields that fit ``module``'s engine, found by its shape, not its numbers: a
    wrong engine gets the same mapping as a right one. NoFit says why none or which fit.
    ``arrays``: the assignment is on arrays, so of two engines in one hand-in the one whose
    nodes reduce arrays is meant (else the other)."""
    fits = {}
    for name in LEAF_NAMES:
        found = _leaf_fit(module, name)
        if found is not None and type(found[1]) not in {type(x) for _, x in fits.values()}:
            fits[name] = found
    if not fits:
        fits = _fits_by_shape(module)
    if len(fits) > 1:
        fits = _for_the_kind(fits, arrays)
    if not fits:
        # No reverse-mode node: a function transform (grad, jvp), else a dual number (the
        # forward kind)? A transform first: jvp's engine may well hold dual numbers.
        functional = functional_jobs.detect(module, engine_calls)
        if functional is not None:
            return functional
        try:
            dual = forward_jobs.detect(module, engine_calls)
        except ValueError as exc:
            raise NoFit(str(exc)) from None
        if dual is not None:
            return dual
        raise NoFit(
            "no leaf constructor found: none of " + ", ".join(LEAF_NAMES) + ", nor any class "
            "the submission defines, makes a node with a "
            + "/".join(BACKWARD_NAMES)
            + " method from a number"
        )
    if len(fits) > 1:
        raise NoFit("more than one engine fits: leaves " + ", ".join(f"{n}()" for n in fits))
    ((leaf, (convert, node)),) = fits.items()
    fields = {"leaf": leaf, "convert": convert}
    fields["backward"] = next(n for n in BACKWARD_NAMES if callable(getattr(node, n, None)))
    functions = sum(callable(getattr(module, n, None)) for n in UNARY_NAMES)
    methods = sum(callable(getattr(node, n, None)) for n in UNARY_NAMES)
    fields["unary"] = "method" if methods > functions else "function"
    fields.update(_binary_fields(module, node, fields["unary"]))
    fields["seed"] = "argument" if _needs_argument(getattr(node, fields["backward"])) else "auto"
    fields["value"] = _value_path(node)
    fields.update(_gradient_fields(module, fields, node))
    fields.update(_array_fields(module, fields["unary"], node))
    if fields.get("reduce") == "dim":  # no 0-d arrays: read it all again on 1-d leaves
        fields.update(_one_element_fields(module, fields, node))
    return fields


#: Other names array engines give ``sum`` (needle: ``summation``).
SUM_NAMES = ("sum", "summation", "reduce_sum")


def _for_the_kind(fits, arrays):
    """Two engines in one hand-in (minitorch Module 2 keeps Module 1's ``Scalar`` beside
    its ``tensor``): the one whose nodes have a reduction method when the assignment is
    on arrays, the one whose nodes have none when it is on numbers; all of them when that
    singles out none."""
    kept = {
        name: fit
        for name, fit in fits.items()
        if any(callable(getattr(fit[1], n, None)) for n in SUM_NAMES) == arrays
    }
    return kept if len(kept) == 1 else fits


def _array_fields(module, unary, node):
    """For array engines: the name of ``sum`` when it is not ``sum``, and the keywords a
    reduction takes (``axis`` or needle's ``axes``, ``keepdims`` or none), read from its
    signature; needle's ``summation`` family also swaps two axes in ``transpose`` and
    never broadcasts implicitly (``broadcast_to`` is a node of its own). Empty when the
    engine has no reduction (a scalar engine)."""
    import inspect

    owner = node if unary == "method" else module
    name = next((n for n in SUM_NAMES if callable(getattr(owner, n, None))), None)
    if name is None:
        return {}
    try:
        keywords = set(inspect.signature(getattr(owner, name)).parameters)
    except (TypeError, ValueError):
        return {}
    found = {}
    if name != "sum":
        found["names"] = {"sum": name}
    axis = next((k for k in ("axis", "axes", "dim") if k in keywords), None)
    if axis is not None:
        found["axis"] = axis
    found["keepdims"] = next((k for k in ("keepdims", "keepdim") if k in keywords), "")
    if name == "summation":
        found["transpose"] = "swap"
        found["broadcast"] = "explicit"
    if axis == "dim" and not found["keepdims"] and unary == "method":
        found.update(_minitorch_fields(node))
    return found


def _minitorch_fields(node):
    """minitorch's family (``x.sum(dim=None)``, no keepdim): one int axis reduced and
    kept, no 0-d array; ``view`` and ``permute`` for reshape and transpose where it has no
    ``reshape`` or ``transpose``, their axes unpacked when they take ``*shape``; and never
    a reshape of a transpose's output when nodes have ``contiguous()`` (a view needs it)."""
    import inspect

    found = {"reduce": "dim", "names": {}}
    for op, other in (("reshape", "view"), ("transpose", "permute")):
        if not callable(getattr(node, op, None)) and callable(getattr(node, other, None)):
            found["names"][op] = other
    shaping = getattr(node, found["names"].get("reshape", "reshape"), None)
    try:
        parameters = inspect.signature(shaping).parameters if shaping is not None else {}
        kinds = {p.kind for p in parameters.values()}
    except (TypeError, ValueError):
        kinds = set()
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        found["shape_args"] = "unpacked"
    if callable(getattr(node, "contiguous", None)):
        found["views"] = "contiguous"
    return found


def _one_element_fields(module, fields, node):
    """For a course with no 0-d arrays (minitorch): how a leaf takes an array (nested
    lists when an ndarray does not keep its shape), and where values and gradients read,
    as arrays of the leaf's own shape (gradients after a reverse pass from one element)."""
    import numpy

    leaf, found = getattr(module, fields["leaf"]), {}
    column = numpy.array([[0.5], [1.5]])
    for convert in ("ndarray", "list"):
        try:
            made = leaf(column.tolist() if convert == "list" else column)
        except BaseException:
            continue
        value = _array_path(made, (*VALUE_NAMES, "numpy()", "to_numpy()"), (2, 1))
        if value is not None:
            found.update(convert=convert, value=value)
            break
    if "convert" not in found:
        return found

    def make(x):
        one = numpy.array([x])
        return leaf(one.tolist() if found["convert"] == "list" else one)

    shaped = functools.partial(_array_path, shape=(1,))
    found.update(_gradient_fields(module, fields, node, make=make, path=shaped))
    return found


def _array_path(node, names, shape):
    """The first of ``names`` that reads as an array of ``shape``, directly or through
    ``.data``, ``.numpy()`` or ``.to_numpy()`` (``to_numpy()``, ``grad.to_numpy()``)."""
    for name in names:
        for suffix in ("", ".data", ".numpy()", ".to_numpy()"):
            try:
                value = access(node, name + suffix)
            except BaseException:  # a student's property or method may raise anything
                continue
            if value is not None and is_numpy(value) and value.shape == shape:
                return name + suffix
    return None


def _fits_by_shape(module):
    """Leaves under a name no list holds (``ValueTensor``, ``Number``): each class the
    submission defines (in ``module`` or its package's modules) that makes a node with a
    backward method from a number, by name; a subclass of another that fits (a
    ``Parameter(Tensor)``) is the same engine, so only the base is kept."""
    fits = {}
    for name in sorted(vars(module)):
        value = vars(module)[name]
        try:
            defined = getattr(value, "__module__", "") or ""
        except BaseException:  # a student's metaclass may raise anything
            continue
        own = defined == module.__name__ or defined.startswith(module.__name__ + ".")
        if name.startswith("_") or not isinstance(value, type) or not own:
            continue
        found = _leaf_fit(module, name)
        if found is not None:
            fits[name] = found
    classes = {name: type(node) for name, (_, node) in fits.items()}
    return {
        name: fit
        for name, fit in fits.items()
        if not any(
            other != name
            and classes[other] is not classes[name]
            and issubclass(classes[name], classes[other])
            for other in classes
        )
    }


def _leaf_fit(module, name):
    """``(convert, a leaf)`` if ``module.name`` makes a node from a float or a 0-d array."""
    make = getattr(module, name, None)
    if not callable(make):
        return None
    for convert in ("float", "ndarray"):
        try:
            node = make(converter({"convert": convert})(0.5))
        except BaseException:
            continue
        if any(callable(getattr(node, b, None)) for b in BACKWARD_NAMES):
            return convert, node
    return None


def _needs_argument(method):
    import inspect

    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in parameters
    )


def _path(node, names):
    """The first of ``names`` the node has, read as a number directly, through ``.data``
    or through ``.numpy()`` (``data``, ``grad.data``, ``grad.numpy()``); None if none reads."""
    for name in names:
        value = getattr(node, name, None)
        for suffix, inner in (("", value), (".data", getattr(value, "data", None))):
            if isinstance(number(inner), float):
                return name + suffix
        if callable(getattr(value, "numpy", None)):
            return name + ".numpy()"
    return None


def _value_path(node):
    """Where a node's value reads as a number: an attribute, else the node's own
    ``numpy()`` (needle's ``data`` is a detached node), else through an attribute."""
    for name in VALUE_NAMES:
        if isinstance(number(getattr(node, name, None)), float):
            return name
    try:
        if isinstance(number(node.numpy()), float):
            return "numpy()"
    except BaseException:  # no numpy(), or one that raises: not this shape
        pass
    return _path(node, VALUE_NAMES) or "data"


def _binary_fields(module, node, unary):
    """How binary ops are called: operators if a node has them; else the module's
    functions (DeZero up to step 19: ``add``, ``mul``), with numbers made leaves when
    ``add(x, 2.0)`` fails (they take Variables only); and ``square`` for ``x ** 2`` when
    the engine has a ``square`` but no power of its own."""
    functions = [getattr(module, n, None) for n in ("add", "mul")]
    functions = [f for f in functions if callable(f)]
    found: dict[str, object] = {
        "binary": "function" if functions and not has_operators(node) else "operator"
    }
    if found["binary"] == "function":
        try:
            functions[0](node, 2.0)
        except BaseException:  # a number is no node to this engine: give it a leaf
            found["constants"] = "leaf"
    owner = module if unary == "function" else node
    power = hasattr(type(node), "__pow__") or callable(getattr(module, "pow", None))
    if callable(getattr(owner, "square", None)) and not power:
        found["aliases"] = {"square": "x ** 2"}
    return found


def _gradient_fields(module, fields, leaf, make=None, path=None):
    """``gradient`` and ``gradients``, read after a reverse pass through ``x * y + x``:
    where a leaf's gradient is, and whether the intermediate ``x * y`` has one at all.
    ``make`` makes the leaves (the API's leaf from a float by default), ``path`` finds
    where a gradient reads (``_path``: as a number)."""
    api = {**fields, "constants": "number", "gradients": "all"}
    path = path or _path
    try:
        make = make or leaf_maker(module, api)
        x, y = make(0.5), make(1.5)
        if fields["binary"] == "operator":
            product = x * y
            out = product + x
        else:  # whichever of mul and add the engine has (DeZero's step 16 has add only)
            times = getattr(module, "mul", None) or module.add
            plus = getattr(module, "add", None) or module.mul
            product = times(x, y)
            out = plus(product, x)
        run_backward({**api, "gradient": "grad"}, out)
    except BaseException:  # a broken engine: the attribute it has is the best guess
        name = next((n for n in GRADIENT_NAMES if hasattr(leaf, n)), "grad")
        return {"gradient": name}
    gradient = path(x, GRADIENT_NAMES) or "grad"
    has = path(product, GRADIENT_NAMES) is not None
    return {"gradient": gradient, "gradients": "all" if has else "inputs"}
