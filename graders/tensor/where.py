"""``where`` on the tensor kind's findings: the student's own line, for array engines.

A finding made on one op alone (``forward``, ``local-derivative``, ``upstream``, ``shape``,
``unbroadcast``) carries its case (:func:`case`: the probe and its numbers, ``w``
included); it is run once more in the worker, traced, beside one fixed case of every other
op the engine has, and decided as the engine kind decides (``graders.where``): the
tracer follows NumPy arrays as it follows floats. A ``shape`` finding whose value has the
wrong shape is the line that computed the value; any other, the line that produced the
gradient. ``shape`` and ``unbroadcast`` run at distinct numbers of the case's shapes (a
shrunk case of zeros says nothing about where a number was made). An ``error`` the
student's code raised is run again on its case, untraced: the line that raised, from the
traceback (``graders.where``). A wrong traversal (``order``) is its case's reverse pass,
traced: the traversal's lines (``graders.where``). An ``accumulation`` is its case's
reverse pass, every node used more than once watched, each with its consumers'
contributions (MyGrad's, :func:`_contributions`): the first write or store that left one
of them where the sum belonged. A ``seed`` (the projection's check) is its case's reverse
pass, the loss's gradient watched: where it is set last, or where the reverse pass starts.
"""

from __future__ import annotations

import functools

import numpy as np

from graders.model import array_ops as ops
from graders.model.array_composition import ArrayComposition
from graders.model.array_oracles import reference
from graders.places import same
from graders.presets import Preset
from graders.results import Finding
from graders.tensor import projection
from graders.tensor.probes import fixed_cases, values
from graders.tolerances import TRACED_GRADIENT
from graders.where import RAISED, traced_places

#: Steps whose number one op computes alone.
ONE_OP_STEPS = ("forward", "local-derivative", "upstream", "shape", "unbroadcast")
#: Steps about shapes, which any numbers show: traced at distinct numbers of the case's
#: shapes (``probes.values``), as a search shrinks its case to zeros, which say nothing
#: about where they were made.
STRUCTURAL_STEPS = ("shape", "unbroadcast")


def case(composition: ArrayComposition, point, preset: Preset | None = None) -> dict:
    """``Finding.case`` for an array finding: the composition and every input's numbers,
    ``w`` (the projection) last, as the worker is handed them; and the student API's
    fields (``preset``), so the feedback page writes each node as the student does."""
    inputs = [*point, composition.projection()]
    flat = [np.asarray(v, dtype=np.float64).ravel().tolist() for v in inputs]
    found = {"array_composition": composition.to_json(), "points": flat}
    return found if preset is None else {**found, "api": preset.to_json()}


def locate(grader, findings: list[Finding]) -> list[Finding]:
    """``findings`` with ``where`` filled in wherever a place is certain (one request)."""
    contrast = functools.partial(_contrast, grader.preset)
    return traced_places(grader, findings, _plan, contrast, list(grader.assignment.ops))


def _job(composition: ArrayComposition, flat) -> dict:
    return {"trace": composition.to_json(), "arrays": True, "points": [flat]}


def _plan(finding: Finding) -> dict | None:
    given = finding.case or {}
    if finding.step == "seed" and "array_composition" not in given:
        given = case(*projection.CASE)  # the projection's check: a leaf, projected
    if "array_composition" not in given:
        return None
    composition = ArrayComposition.from_json(given["array_composition"])
    if finding.step == "error" and given.get("error") in RAISED:  # never a crash or hang
        # Untraced: the traceback says where (a tracer under a deep recursion overflows).
        return {"step": "error", "job": {**_job(composition, given["points"]), "events": False}}
    if finding.step == "order":  # the traversal's lines, from the case's reverse pass
        return {"step": "order", "job": _job(composition, given["points"]), "watch": []}
    if finding.step == "seed":  # the loss's gradient: where it is set, or left unset
        watch = [composition.size - 1]
        return {"step": "seed", "job": _job(composition, given["points"]), "watch": watch}
    if finding.step == "accumulation":
        return _accumulation(composition, given["points"])
    if finding.step not in ONE_OP_STEPS:
        return None
    k = len(composition.inputs)  # the op's node, right after its leaves and ``w``
    if composition.size != k + 3 or composition.node(k).op != finding.op:
        return None  # not one op alone
    points = given["points"]
    if finding.step in STRUCTURAL_STEPS:  # any numbers show it: distinct ones, never zeros
        leaves = composition.inputs[:-1]  # positive (a denominator, a log), each its own
        spread = [
            values(i.shape, (0.5 + n, 2.0 + n)).ravel().tolist() for n, i in enumerate(leaves)
        ]
        points = [*spread, points[-1]]
    plan = {
        "step": finding.step,
        "op": finding.op,
        "job": _job(composition, points),
        "node": k,
        "value_shape": composition.shapes[k],
        # the op's output is multiplied by ``w`` alone: its upstream gradient
        "upstream": (composition.shapes[k], tuple(points[-1])),
    }
    args = composition.node(k).args
    position = finding.argument if finding.argument is not None else 0
    if position >= len(args):
        return None
    leaf = list(dict.fromkeys(args)).index(args[position])
    return {**plan, "watch": [leaf, k], "leaf": leaf, "output": k}


def _accumulation(composition: ArrayComposition, flat) -> dict | None:
    """Every node used more than once watched, with what each use contributes to its
    gradient: the engine keeps one of them somewhere."""
    arrays = [
        np.asarray(v, dtype=np.float64).reshape(i.shape)
        for v, i in zip(flat, composition.inputs[:-1])
    ]
    ref = reference(composition, arrays)
    if ref is None:
        return None
    used = [k for k in range(composition.size) if len(composition.consumers[k]) >= 2]
    parts = [_contributions(composition, ref, k) for k in used]
    if not used or None in parts:
        return None
    return {
        "step": "accumulation",
        "job": _job(composition, flat),
        "watch": used,
        "contributions": parts,
    }


def _contributions(composition: ArrayComposition, ref, k: int) -> list | None:
    """What each use of node ``k`` adds to its gradient (trusted): the vector-Jacobian
    product of the consumer, at its own gradient, with respect to that argument (MyGrad)."""
    from mygrad.tensor_base import Tensor, tensor

    found = []
    for consumer in dict.fromkeys(composition.consumers[k]):
        node = composition.node(consumer)
        args = [tensor(ref.values[a]) for a in node.args]
        with np.errstate(all="ignore"):
            out = ops.get(node.op).reference(args, node.p)
            if not isinstance(out, Tensor):  # the catalog's references are MyGrad's
                return None
            out.backward(ref.grads[consumer])
        for a, arg in zip(node.args, args):
            if a == k:
                if arg.grad is None:
                    return None
                found.append(np.array(arg.grad, dtype=np.float64).tolist())
    return found


def _contrast(preset, op: str):
    cases = fixed_cases(
        op,
        keepdims=bool(preset.keepdims),
        swap_only=preset.transpose == "swap",
        broadcast=preset.broadcast,
    )
    composition, point = next(iter(cases), (None, None))
    if composition is None:
        return None
    flat = case(composition, point)["points"]
    right = functools.partial(_right, composition, point)
    return {"job": _job(composition, flat), "right": right, "reflected": False}


def _right(composition: ArrayComposition, point, run: dict) -> bool:
    """Did a contrast run give every value and gradient exactly right (by the reference)?"""
    ref = reference(composition, point)
    if ref is None or "error" in run:
        return False
    pairs = [*zip(run.get("values", []), ref.values), *zip(run.get("grads", []), ref.grads)]
    return bool(pairs) and all(_close(got, want) for got, want in pairs)


def _close(got, want) -> bool:
    want = np.asarray(want, dtype=np.float64)
    if not isinstance(got, tuple) or tuple(got[0]) != want.shape:
        return same(got, float(want)) if want.size == 1 and type(got) is float else False
    got = np.array(got[1]).reshape(want.shape)
    return bool(np.allclose(got, want, rtol=TRACED_GRADIENT["rtol"], atol=TRACED_GRADIENT["atol"]))
