"""``where`` on the engine kind's findings: what to run traced for each, and the contrasts.

A finding of one op's number (``forward``, ``local-derivative``, ``upstream``) is run on
that op alone on fresh leaves at the finding's values (``probes.isolated``); an overwrite
(``accumulation``), the seed, a wrong traversal (``order``) and a raise (``error``, never
a crash or a hang) on the finding's own case. Beside them runs a contrast of every other
op the engine has (``probes.capability_probe``). :func:`graders.where.traced_places` runs
them all in one request and decides each place; how is said there.
"""

from __future__ import annotations

import math

from graders.model.composition import Composition, Const
from graders.model.oracles import reference
from graders.model.probes import capability_probe, isolated
from graders.results import Finding
from graders.tolerances import GRADING, close
from graders.where import RAISED, traced_places

#: Steps whose number one op computes alone: traced on that op alone.
OWN_NUMBER_STEPS = ("forward", "local-derivative", "upstream")


def locate(grader, findings: list[Finding]) -> list[Finding]:
    """``findings`` with ``where`` filled in wherever a place is certain (one request)."""
    return traced_places(grader, findings, _plan, _contrast, _contrasts(grader))


def _contrasts(grader) -> list[str]:
    """Every op the engine builds: what each runs tells the reverse pass and helpers all
    ops share from each op's own code."""
    return [op for op in grader.assignment.ops if op not in grader._unavailable]


def _contrast(op: str):
    probe = capability_probe(op)
    composition = probe[0]
    reflected = isinstance(composition.node(len(composition.inputs)).args[0], Const)
    return {"job": _job(*probe), "right": lambda run: _right(probe, run), "reflected": reflected}


def _right(probe: tuple[Composition, list], run: dict) -> bool:
    """Did a contrast run give every value and gradient right (by the reference)?"""
    composition, point = probe
    ref = reference(composition, point)
    if ref is None or "error" in run:
        return False
    pairs = [*zip(run.get("values", []), ref.values), *zip(run.get("grads", []), ref.grads)]
    return bool(pairs) and all(
        type(got) is float and close(got, float(want), **GRADING) for got, want in pairs
    )


def _job(composition: Composition, point) -> dict:
    return {"trace": composition.to_json(), "points": [[float(v) for v in point]]}


# --- what to trace -------------------------------------------------------------------------


def _plan(finding: Finding) -> dict | None:
    """What to run traced for a finding, and what to look for; None if no place applies."""
    case = finding.case
    if not case or not case.get("composition"):
        return None
    composition = Composition.from_json(case["composition"])
    point = [float(v) for v in case["point"]]
    if finding.step in OWN_NUMBER_STEPS and finding.op is not None:
        return _own_number(finding, composition, point, case)
    focus = case.get("focus") or {}
    if finding.step == "accumulation" and focus.get("kind") == "grad":
        node = focus["node"]
        contributions = _contributions(composition, point, node)
        if contributions is None:
            return None
        return {
            "step": "accumulation",
            "job": _job(composition, point),
            "watch": [node],
            "contributions": [contributions],
        }
    if finding.step == "seed":
        out = composition.output
        return {"step": "seed", "job": _job(composition, point), "watch": [out]}
    if finding.step == "order":  # the traversal's lines, from the case's reverse pass
        return {"step": "order", "job": _job(composition, point), "watch": []}
    if finding.step == "error" and case.get("error") in RAISED:  # never a crash or hang
        # Untraced: its traceback says where; a trace function under a recursion that
        # overflows the stack runs out of stack itself.
        return {"step": "error", "job": {**_job(composition, point), "events": False}}
    return None


def _own_number(finding: Finding, composition: Composition, point, case) -> dict | None:
    """The finding's op alone on fresh leaves at its argument values there."""
    at = next(
        (
            k
            for k in range(len(composition.inputs), composition.size)
            if composition.node(k).op == finding.op
        ),
        None,
    )
    if at is None:
        return None
    values = composition.evaluate(point)
    own = case.get("actual", {}).get("values") or []
    values = [o if type(o) is float and math.isfinite(o) else v for o, v in zip(own, values)]
    values += composition.evaluate(point)[len(values) :]
    probe, probe_point = isolated(composition, at, values)
    reflected = isinstance(composition.node(at).args[0], Const)
    plan = {
        "step": finding.step,
        "op": finding.op,
        "job": _job(probe, probe_point),
        "reflected": reflected,
    }
    if finding.step == "forward":
        return {**plan, "watch": []}
    args = composition.node(at).args
    # An upstream finding names no argument (every one misses it): the first one's line.
    argument = finding.argument
    if argument is None:
        argument = next((i for i, a in enumerate(args) if not isinstance(a, Const)), None)
    if argument is None or argument >= len(args) or isinstance(args[argument], Const):
        return None
    leaf = sum(1 for a in args[:argument] if not isinstance(a, Const))
    return {**plan, "watch": [leaf], "leaf": leaf}


def _contributions(composition: Composition, point, node: int) -> list[float] | None:
    """Each consumer's contribution to ``node``'s gradient, by the chain rule (trusted)."""
    whole = reference(composition, point)
    if whole is None:
        return None
    values = composition.evaluate(point)
    found = []
    for consumer, position in composition.consumers[node]:
        probe, probe_point = isolated(composition, consumer, values)
        alone = reference(probe, probe_point)
        if alone is None:
            return None
        args = composition.node(consumer).args
        leaf = sum(1 for a in args[:position] if not isinstance(a, Const))
        found.append(float(whole.grads[consumer]) * float(alone.grads[leaf]))
    return found
