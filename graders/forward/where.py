"""``where`` on the forward kind's findings: the line of a dual-number engine that worked
out the wrong value or tangent, and the op it is built on when that op is the root cause.

A finding of one op's number (``forward``: its value; ``local-derivative``, ``upstream``:
its tangent) carries its case (:func:`case`): the composition it was found in, the point,
the node. The node's op is run once more alone on fresh dual numbers at the values flowing
into it (``probes.isolated``), traced in the worker (``sandbox/forward_jobs.trace_one``),
under tangents that show the wrong number: 0.6 below 0 on the argument named (a tangent
other than 1 shows a derivative not multiplied by it), none at all for a tangent that is
not 0 with none flowing in. Beside it runs a contrast of every op of the assignment on its
own (``probes.capability_probe``), checked against the trusted Jacobian. How a place is
decided from what was traced (the number's first line in the op's own code; an op it is
built on, wrong alone, as the root cause) is ``graders.where``'s, for every kind.

Not placed: an op that changes the dual number it was given (``x.der = ...``), a
constant entering with a tangent, a constructor that drops what it is made with, and
functional engines (``grad(f)``), whose cases are no dual numbers.
"""

from __future__ import annotations

import numpy as np

from graders.forward.diagnosis import SCALE
from graders.forward.oracle import safe_jacobian
from graders.model.composition import Composition, Const
from graders.model.probes import capability_probe, isolated
from graders.results import Finding
from graders.tolerances import GRADING, close
from graders.where import RAISED, traced_places

#: Steps whose number one op works out alone, and which of its numbers: the value or the
#: tangent.
OWN_NUMBER = {"forward": "values", "local-derivative": "grads", "upstream": "grads"}
#: The tangents a contrast's leaves are given (distinct, none 1: a number shows where it
#: was made).
CONTRAST_TANGENTS = (0.7, -1.3)


def case(composition: Composition, point, node: int, earlier: dict | None = None) -> dict:
    """``Finding.case`` of a forward finding: where it was found (no trusted numbers: it
    is not drawn), kept beside what the finding had (``earlier``): ``error``, the kind of
    an error; ``focus.input``, the input an op changed (no place is found for that)."""
    earlier = earlier or {}
    focus = {"node": int(node), **(earlier.get("focus") or {})}
    return {
        **earlier,
        "composition": composition.to_json(),
        "point": [float(v) for v in point],
        "focus": focus,
    }


def locate(grader, findings: list[Finding]) -> list[Finding]:
    """``findings`` with ``where`` filled in wherever a place is certain (one request)."""
    return traced_places(grader, findings, _plan, _contrast, list(grader.assignment.ops))


def _job(composition: Composition, point, tangents) -> dict:
    row = [float(v) for v in point] + [float(t) for t in tangents]
    return {"trace": composition.to_json(), "points": [row], "forward": True}


def _plan(finding: Finding) -> dict | None:
    """The finding's op alone, traced under tangents that show its wrong number; None
    where no place applies."""
    case = finding.case or {}
    focus = case.get("focus") or {}
    if "composition" not in case or set(focus) != {"node"} or finding.op is None:
        return None
    composition = Composition.from_json(case["composition"])
    point = [float(v) for v in case["point"]]
    node = focus["node"]
    if node < len(composition.inputs) or composition.node(node).op != finding.op:
        return None
    values = [float(v) for v in composition.evaluate(point)]
    probe, probe_point = isolated(composition, node, values)
    reflected = isinstance(composition.node(node).args[0], Const)
    plan = {"op": finding.op, "reflected": reflected, "dual": True, "node": probe.output}
    if finding.step == "error" and case.get("error") in RAISED:
        job = _job(probe, probe_point, [0.0] * len(probe.inputs))
        return {**plan, "step": "error", "job": {**job, "events": False}}
    if finding.step not in OWN_NUMBER:
        return None
    tangents = _tangents(finding, probe)
    if tangents is None:
        return None
    job = _job(probe, probe_point, tangents)
    return {**plan, "step": finding.step, "read": OWN_NUMBER[finding.step], "job": job}


def _tangents(finding: Finding, probe: Composition) -> list[float] | None:
    """Tangents that show the finding's number: ``SCALE`` on the argument it names (on the
    first leaf for a value); none at all for a tangent that is not 0 with none flowing in
    (an ``upstream`` that names no argument)."""
    inputs = len(probe.inputs)
    tangents = [0.0] * inputs
    if finding.step == "upstream" and finding.argument is None:
        return tangents
    leaves = [a for a in probe.nodes[0].args if not isinstance(a, Const)]
    position = finding.argument if finding.argument is not None else 0
    arg = probe.nodes[0].args[position] if position < len(probe.nodes[0].args) else None
    if isinstance(arg, int):
        tangents[arg] = SCALE
    elif leaves and finding.step == "forward":  # a value: any tangent shows it
        tangents[leaves[0]] = SCALE
    else:
        return None
    return tangents


# --- contrasts ---------------------------------------------------------------------------


def _contrast(op: str) -> dict:
    composition, point = capability_probe(op)
    tangents = CONTRAST_TANGENTS[: len(composition.inputs)]
    reflected = isinstance(composition.nodes[0].args[0], Const)
    truth = safe_jacobian(composition, [point])
    return {
        "job": _job(composition, point, tangents),
        "right": lambda run: _wrong(composition, truth, tangents, run) is None,
        "wrong": lambda run: _wrong(composition, truth, tangents, run),
        "reflected": reflected,
    }


def _wrong(composition: Composition, truth, tangents, run: dict):
    """``(which, the engine's number)`` for a contrast whose output's value (``"values"``)
    or else tangent (``"grads"``) is wrong; None when both are right, or when it cannot be
    told (no trusted numbers there, the run raised): never a root cause then."""
    if not truth.kept[0] or "error" in run:
        return None
    out = composition.output
    want = {
        "values": float(truth.values[out, 0]),
        "grads": float(truth.rows[out, :, 0] @ np.array(tangents, dtype=float)),
    }
    for which, expected in want.items():
        got = (run.get(which) or [None] * composition.size)[out]
        if type(got) is not float:
            return None
        if not close(got, expected, GRADING["rtol"], GRADING["atol"] * max(1.0, abs(expected))):
            return which, got
    return None
