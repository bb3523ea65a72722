"""Diagnosis of array engines: which chain-rule step is wrong, for which op, along which axes.

Every node of a case is also built alone (``isolated``): fresh leaves holding its
arguments' values, the op, and ``loss = sum(out * w)`` with a non-uniform ``w``, so the
gradient flowing into the op is ``w`` (all ones would hide a transpose or a dropped
upstream). Each argument's gradient is then explained (:func:`explain`), first match wins:

1. right (the grading tolerance, scaled by the upstream);
2. ``unbroadcast``: the argument was broadcast, and the gradient is the broadcast one not
   summed back, or summed over other axes (the axes are named);
3. a known wrong rule of the op (its *mutants*: mean without 1/N, max spread to every
   element, a transpose not inverted or swapping the default axes, matmul without
   ``.T``, pow with out_grad as the base, a reduction's out_grad not put back along its
   axes), named in words a student can act on, with the rule's step whatever shape it
   happens to give (a transpose by the wrong axes is a wrong rule on a square array too);
4. ``upstream``: what an upstream of all ones gives (out_grad ignored);
5. ``shape`` (the gradient's shape is not the argument's), else ``local-derivative``.

Only when every node is right alone is the reverse pass blamed for a case: ``accumulation``
when some node used more than once holds exactly one of its contributions (``=`` for
``+=``), otherwise ``order``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graders.model import array_ops as ops
from graders.model import ops as scalar_ops
from graders.model.array_composition import ArrayComposition
from graders.tensor.syntax import write
from graders.tolerances import close_elementwise, grading

#: Significant digits of an isolated node's argument values (short reproducers).
DIGITS = 4


@dataclass(frozen=True)
class Verdict:
    step: str
    message: str
    axes: tuple[int, ...] | None = None


def array(raw) -> np.ndarray | None | str:
    """An outcome's array (``{"shape", "data"}`` as the runner rebuilt it), None, or
    the text of what the engine gave instead."""
    if raw is None:
        return None
    if "not_a_number" in raw:
        return raw["not_a_number"]
    return np.array(raw["data"], dtype=np.float64).reshape(raw["shape"])


def close(actual: np.ndarray, expected: np.ndarray, scale: float = 1.0) -> bool:
    """Same shape and every element within the grading tolerance (``atol`` scaled by the
    upstream gradient's size)."""
    if np.shape(actual) != np.shape(expected):
        return False
    return bool(np.all(close_elementwise(actual, expected, **grading(scale))))


def _shape_text(shape) -> str:
    return str(tuple(int(n) for n in shape))


def _axes_text(axes) -> str:
    axes = tuple(axes)
    return f"axis {axes[0]}" if len(axes) == 1 else "axes " + ", ".join(map(str, axes))


# --- isolated nodes ----------------------------------------------------------------------


def isolated(
    composition: ArrayComposition, k: int, values: Sequence[np.ndarray], *, rounded: bool = True
) -> tuple[ArrayComposition, list[np.ndarray]]:
    """Node ``k`` alone on fresh leaves (one per distinct argument, named as in the
    composition, values rounded to a few digits unless ``rounded`` is false), reduced by
    its own ``w``."""
    node = composition.node(k)
    distinct = list(dict.fromkeys(node.args))
    inputs = [(composition.name(a), composition.shapes[a], (-2.0, 2.0)) for a in distinct]
    args = [distinct.index(a) for a in node.args]
    probe = ArrayComposition.build(inputs, [(node.op, args, node.p)])
    probe = ArrayComposition(probe.inputs, probe.nodes, (composition.name(k), *probe.names[1:]))
    exact = (np.asarray(values[a], dtype=np.float64) for a in distinct)
    point = [_rounded(v) if rounded else v for v in exact]
    return probe, point


def _rounded(values: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.array([float(f"{v:.{DIGITS}g}") for v in values.ravel()]).reshape(values.shape)


# --- explaining one gradient ----------------------------------------------------------------


def explain(
    op_name: str,
    params: dict,
    arrays: Sequence[np.ndarray],
    upstream: np.ndarray,
    *,
    i: int,
    actual: np.ndarray,
    expected: np.ndarray,
    arg: str = "a",
    names: Sequence[str] = ("a", "b"),
) -> Verdict | None:
    """Why ``actual`` is not argument ``i``'s gradient ``expected`` (None: it is)."""
    scale = float(np.max(np.abs(upstream), initial=1.0))
    if close(actual, expected, scale):
        return None
    op = ops.get(op_name)
    shape = np.shape(arrays[i])
    full = np.asarray(op.full_vjp(arrays, params, upstream)[i])
    verdict = _unbroadcast(full, shape, actual, scale, arg)
    if verdict is not None:
        return verdict
    for step, message, candidate, axes in _mutants(
        op_name, params, arrays, upstream, i, arg, names
    ):
        for form in _with_unbroadcast(candidate, full.shape, shape):
            if close(actual, form, scale):
                return Verdict(step, message, axes)
    ones = np.ones_like(upstream)
    if close(actual, ops.get(op_name).vjp(arrays, params, ones)[i], scale) and not close(
        ones, upstream
    ):
        return Verdict(
            "upstream",
            f"the gradient of {arg} ignores the gradient flowing into the op (out_grad): it "
            f"is what an upstream of all ones would give; multiply by out_grad",
        )
    if np.shape(actual) != shape:
        return Verdict(
            "shape",
            f"the gradient of {arg} has shape {_shape_text(np.shape(actual))}, but {arg} has "
            f"shape {_shape_text(shape)}: a gradient always has its node's shape",
        )
    return Verdict("local-derivative", rule_in_words(op_name, params, shape, arg, i, names))


def _with_unbroadcast(candidate, full_shape, shape):
    """A wrong rule's gradient as it is, and summed back to ``shape`` where it can be."""
    yield candidate
    if np.shape(candidate) != tuple(shape):
        try:
            yield ops.unbroadcast(candidate, tuple(shape))
        except ValueError:  # no broadcast leads from shape to the candidate's
            pass


def _unbroadcast(full, shape, actual, scale, arg) -> Verdict | None:
    """A broadcast argument's gradient not summed back, or summed over other axes."""
    if full.shape == tuple(shape):
        return None
    wanted = ops.broadcast_axes(full.shape, tuple(shape))
    if close(actual, full, scale):
        return Verdict(
            "unbroadcast",
            f"{arg} (shape {_shape_text(shape)}) was broadcast to {_shape_text(full.shape)}, "
            f"and its gradient was not summed back: sum it over {_axes_text(wanted)} "
            f"(keepdims for stretched axes) to get back to {arg}'s shape",
            wanted,
        )
    averaged = np.mean(full, axis=wanted, keepdims=True)
    if averaged.size == np.size(actual) and close(
        actual, averaged.reshape(np.shape(actual)), scale
    ):
        return Verdict(
            "unbroadcast",
            f"{arg} (shape {_shape_text(shape)}) was broadcast to {_shape_text(full.shape)}, "
            f"and its gradient was averaged over {_axes_text(wanted)}; it must be summed "
            f"over them (every copy of an element of {arg} adds its own contribution)",
            wanted,
        )
    for count in range(1, full.ndim + 1):
        for axes in itertools.combinations(range(full.ndim), count):
            if axes == wanted:
                continue
            for keep in (False, True):
                summed = np.sum(full, axis=axes, keepdims=keep)
                if summed.size == np.size(actual) and close(
                    actual, summed.reshape(np.shape(actual)), scale
                ):
                    return Verdict(
                        "unbroadcast",
                        f"{arg} (shape {_shape_text(shape)}) was broadcast to "
                        f"{_shape_text(full.shape)}; its gradient was summed over "
                        f"{_axes_text(axes)}, but must be summed over {_axes_text(wanted)} "
                        "(new axes are added on the left, and stretched axes are those of "
                        "size 1)",
                        wanted,
                    )
    return None


def _mutants(op_name, params, arrays, g, i, arg, names=("a", "b")):
    """``(step, message, wrong gradient, axes)``: what known wrong rules of the op give."""
    a = arrays[0]
    shape = np.shape(arrays[i])
    if op_name in ("sum", "mean", "max"):
        axes = ops.reduced_axes(np.ndim(a), params)
        spread = ops.expand(g, np.shape(a), params)
        n = ops.reduced_count(np.shape(a), params)
        if op_name == "mean":
            yield (
                "local-derivative",
                f"mean's gradient is missing the factor 1/{n} (1 over the {n} elements "
                f"averaged along {_axes_text(axes)})",
                spread,
                axes,
            )
            if n != np.size(a):
                yield (
                    "local-derivative",
                    f"mean's gradient divides by {np.size(a)}, every element of {arg}; only "
                    f"the {n} averaged along {_axes_text(axes)} count",
                    spread / np.size(a),
                    axes,
                )
        if op_name == "max":
            yield (
                "local-derivative",
                f"max's gradient goes to every element along {_axes_text(axes)}; it belongs "
                "to the maximum alone (0 elsewhere)",
                spread,
                axes,
            )
            mask = ops.get("max").full_vjp(arrays, params, np.ones_like(g))[0]
            yield (
                "upstream",
                "max's gradient marks the maximum but does not multiply by out_grad",
                mask,
                axes,
            )
        return
    if op_name == "reshape":
        yield (
            "shape",
            f"reshape's gradient must be out_grad reshaped back to {arg}'s shape "
            f"{_shape_text(shape)}",
            g,
            None,
        )
        return
    if op_name == "transpose":
        perm = tuple(params["axes"])
        inverse = ops.inverse_permutation(perm)
        if perm != inverse:
            yield (
                "local-derivative",
                f"transpose's gradient is out_grad transposed by axes={perm} again; it must "
                f"be transposed by the inverse permutation {inverse}",
                np.transpose(g, perm),
                None,
            )
        yield (
            "local-derivative",
            f"transpose's gradient must be out_grad transposed back (by {inverse}), not "
            "out_grad as it is",
            g,
            None,
        )
        default = tuple(range(len(perm) - 2)) + (len(perm) - 1, len(perm) - 2)
        if len(perm) >= 2 and perm != default:
            yield (
                "local-derivative",
                f"transpose's gradient swaps the last two axes (transpose's default); it "
                f"must transpose out_grad back by the axes the op was given ({inverse})",
                np.transpose(g, default),
                None,
            )
        return
    if op_name == "matmul":
        b = arrays[1]
        bt, at = np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2)
        x, y = (list(names) + ["a", "b"])[:2]
        if i == 0:
            wrong = [
                (lambda: g @ b, f"out_grad @ {y}: {y} is not transposed; it is out_grad @ {y}.T"),
                (
                    lambda: bt @ g,
                    f"{y}.T @ out_grad: the factors are swapped; it is out_grad @ {y}.T",
                ),
                (lambda: b @ g, f"{y} @ out_grad; it is out_grad @ {y}.T"),
            ]
        else:
            wrong = [
                (lambda: a @ g, f"{x} @ out_grad: {x} is not transposed; it is {x}.T @ out_grad"),
                (
                    lambda: g @ at,
                    f"out_grad @ {x}.T: the factors are swapped; it is {x}.T @ out_grad",
                ),
                (lambda: g @ a, f"out_grad @ {x}; it is {x}.T @ out_grad"),
            ]
        for make, text in wrong:
            try:
                candidate = make()
            except ValueError:  # shapes that do not multiply: a student's code raised too
                continue
            yield (
                "local-derivative",
                f"the gradient of {arg} in {x} @ {y} is {text}",
                candidate,
                None,
            )
        return
    if op_name == "pow":
        c = float(params["exponent"])
        with np.errstate(all="ignore"):
            yield (
                "local-derivative",
                f"pow's gradient uses out_grad as the base: it is {c:g} * {arg}**{c - 1:g} * "
                f"out_grad, not {c:g} * out_grad**{c - 1:g}",
                c * g ** (c - 1),
                None,
            )


def wrong_value(text: str, value, wanted: np.ndarray) -> tuple[str, str]:
    """``(step, message)`` for a node built alone (``text``) whose value is not
    ``wanted``: ``shape`` when its numbers are right but not its shape (a reduction that
    keeps its axes), else ``forward``."""
    shape = tuple(np.shape(wanted))
    if (
        isinstance(value, np.ndarray)
        and value.size == wanted.size
        and close(value.reshape(shape), wanted)
    ):
        keeps = " (keeps the reduced axes: keepdims)" if value.ndim > wanted.ndim else ""
        return "shape", (
            f"{text} computes the right numbers in the wrong shape: {value.shape}{keeps}, "
            f"where it should be {shape}; a node's value has the shape the op gives"
        )
    shown = (
        value
        if not isinstance(value, np.ndarray)
        else f"shape {value.shape}: {np.round(value, 6).tolist()}"
    )
    return "forward", (
        f"{text} computes the wrong value: it should be {np.round(wanted, 6).tolist()} "
        f"(shape {shape}), your engine gives {shown}"
    )


# --- a backward that raised ----------------------------------------------------------------


def backward_raised(composition: ArrayComposition, message: str = ""):
    """``(step, advice, argument, axes)`` for a node alone whose backward raised: the
    unbroadcast of a broadcast argument, a reduction's or reshape's gradient not put
    back in its argument's shape, or (an elementwise op on equal shapes) an error."""
    k = len(composition.inputs)
    node = composition.node(k)
    op = ops.get(node.op)
    out = composition.shapes[k]
    name = composition.name(node.args[0])
    for position, a in enumerate(node.args):
        shape = composition.shapes[a]
        full = out if node.op != "matmul" else (*out[:-2], *shape[-2:])
        # matmul's backward raises for a missing transpose as well: only a gradient that
        # cannot be added to its leaf's (numpy's "non-broadcastable output operand") is
        # a batch that was not summed back.
        unsummed = "non-broadcastable output operand" in message
        if (
            op.shape_rule == "elementwise"
            or node.op == "broadcast_to"
            or (op.shape_rule == "matmul" and unsummed)
        ):
            if tuple(full) != tuple(shape) and ops.broadcast_axes(tuple(full), tuple(shape)):
                axes = ops.broadcast_axes(tuple(full), tuple(shape))
                arg = composition.name(a)
                advice = (
                    f"{arg} (shape {tuple(shape)}) was broadcast to {tuple(full)}; its gradient "
                    f"must be summed over {_axes_text(axes)} before it is added to {arg}'s "
                    "gradient"
                )
                return "unbroadcast", advice, position if op.arity > 1 else None, axes
    shape = composition.shapes[node.args[0]]
    if op.shape_rule == "reduction":
        axes = ops.reduced_axes(len(shape), node.p)
        return "local-derivative", rule_in_words(node.op, node.p, shape, name), None, axes
    if node.op == "reshape":
        advice = (
            f"reshape's gradient must be out_grad reshaped back to {name}'s shape {tuple(shape)}"
        )
        return "shape", advice, None, None
    if op.shape_rule in ("shape", "matmul"):
        return (
            "local-derivative",
            f"its gradient must follow the rule {'; '.join(op.rules)}",
            None,
            None,
        )
    return "error", "", None, None


def rule_in_words(
    op_name: str,
    params: dict,
    shape,
    arg: str,
    position: int = 0,
    names: Sequence[str] = (),
) -> str:
    """What a wrong gradient of an op must be, in words: the rule of argument
    ``position`` (the student's name for it is ``arg``), an elementwise op's written in
    its arguments' own ``names`` (``d/dx (a/x) = -a/x**2`` for ``b = a / x``: in the
    catalog's letters, ``d/db (a/b)``, its ``b`` would read as the output)."""
    op = ops.get(op_name)
    if op.shape_rule == "reduction":
        axes = ops.reduced_axes(len(shape), params)
        kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
        call = write(op_name, [arg], params)
        factor = " divided by the count" if op_name == "mean" else ""
        where = " at the maximum only" if op_name == "max" else ""
        return (
            f"the gradient of {call} must be out_grad broadcast back along "
            f"{_axes_text(axes)}{factor}{where}: reshape out_grad to {_shape_text(kept)}, "
            f"then broadcast it to {_shape_text(shape)}"
        )
    rule = op.rules[min(position, len(op.rules) - 1)]
    if op.scalar and len(names) == op.arity:
        rules = scalar_ops.get(op.scalar).rules
        letters = dict(zip("ab", names, strict=False))
        rule = rules[min(position, len(rules) - 1)].format(**letters)
    return f"the gradient of {arg} is wrong: {rule}"


# --- the reverse pass -----------------------------------------------------------------------


@dataclass(frozen=True)
class LocalChain:
    """Every node's gradient as the chain rule gives it from the engine's *own* local
    derivatives, each measured on its node alone (at the engine's own argument values,
    under the upstream gradient the nodes after it gave): what a right reverse pass over
    this engine's ops would produce, wrong ops included."""

    #: Node -> its gradient (the sum of its contributions).
    grads: dict[int, np.ndarray]
    #: Node -> what each use of it contributed.
    contributions: dict[int, list[np.ndarray]]


def reverse_groups(composition: ArrayComposition) -> list[list[int]]:
    """The op nodes of the composition's output (the last graded node) in groups, each node
    after every node that uses it: by the longest path from it to the output, output first.
    The nodes of one group use none of each other, so each group is one worker round trip."""
    out = composition.size - 3
    depth = {out: 0}
    for k in range(out - 1, len(composition.inputs) - 1, -1):
        later = [depth[j] for j in composition.consumers[k] if j in depth]
        if later:
            depth[k] = 1 + max(later)
    groups: dict[int, list[int]] = {}
    for k, d in depth.items():
        groups.setdefault(d, []).append(k)
    return [groups[d] for d in sorted(groups)]


def local_chain(composition: ArrayComposition, values: list, run) -> LocalChain | None:
    """The chain rule over the engine's own local derivatives (:class:`LocalChain`): each
    op node rebuilt alone on the values the engine computed (``values``), under the
    upstream gradient the nodes after it gave, run by ``run(plan)`` (the grader's
    requests: one round trip per :func:`reverse_groups` group). None when a value or a
    local derivative cannot be read as an array of its shape."""
    last = composition.size - 3
    for k in range(last + 1):
        if not (isinstance(values[k], np.ndarray) and values[k].shape == composition.shapes[k]):
            return None
    grads = {k: np.zeros(composition.shapes[k]) for k in range(last + 1)}
    grads[last] = composition.projection()
    contributions: dict[int, list[np.ndarray]] = {k: [] for k in range(last + 1)}
    for group in reverse_groups(composition):
        plan = [(*isolated(composition, k, values, rounded=False), grads[k]) for k in group]
        for k, outcome in zip(group, run(plan)):
            if outcome.get("error"):
                return None
            local = [array(g) for g in outcome["grads"]]
            for leaf, a in enumerate(dict.fromkeys(composition.node(k).args)):
                g = local[leaf] if leaf < len(local) else None
                if not (isinstance(g, np.ndarray) and g.shape == composition.shapes[a]):
                    return None
                grads[a] = grads[a] + g
                contributions[a].append(g)
    return LocalChain(grads, contributions)


def reverse_pass_verdict(
    composition: ArrayComposition, chain: LocalChain, grads: Sequence, checked: Sequence[int]
) -> tuple[str, int] | None:
    """``(step, node)`` when the engine's gradients are not what the chain rule over its own
    local derivatives gives: ``accumulation`` when the first node the reverse pass gets
    wrong (the one nearest the output) is used more than once and holds exactly one of its
    contributions (``=`` for ``+=``), otherwise ``order`` (a node handled before all its
    users are done, or handled more than once)."""
    wrong = [
        k
        for k in checked
        if not (isinstance(grads[k], np.ndarray) and close(grads[k], chain.grads[k]))
    ]
    if not wrong:
        return None
    first = max(wrong)
    held = grads[first]
    if len(composition.consumers[first]) >= 2 and isinstance(held, np.ndarray):
        if any(close(held, part) for part in chain.contributions.get(first, ())):
            return "accumulation", first
    return "order", first
