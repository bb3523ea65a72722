"""One case of the engine kind as worker jobs, and its numbers read back against the
oracles.

:func:`plan` turns a composition at some points into its jobs (the composition, then per
node its isolated and scaled probes); :func:`expected_arrays` computes the gated
references of a job at every point at once (:func:`expected_of`: of a plan's jobs, the
jobs of one composition together); :func:`right_at` says per point whether every
number of an outcome agrees with them (all points at once where the reply is packed).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from graders.engine.diagnosis import Outcome, Run
from graders.model.composition import Composition, Const
from graders.model.oracles import Reference, reference, reference_arrays, references
from graders.model.probes import SCALERS, Scaler, isolated, scaled
from graders.sandbox.protocol import CompositionJob, JobComposition
from graders.tolerances import GRADING, close, close_elementwise


def job_of(composition: Composition, points: list, *, packed: bool = False) -> CompositionJob:
    """The worker job that runs ``composition`` at ``points`` (``packed``: its numbers come
    back as one array, ``protocol.Packed``)."""
    # to_json() writes the protocol's form of a composition (the model layer cannot name
    # the sandbox's TypedDict without importing upward).
    wire = cast(JobComposition, composition.to_json())
    if packed:
        return {"composition": wire, "points": points, "packed": True}
    return {"composition": wire, "points": points}


def plan(
    composition: Composition,
    case_points: list,
    *,
    scaler: Scaler | None = SCALERS[0],
    own: np.ndarray | None = None,
) -> list[tuple[Composition, list]]:
    """The jobs of one case, each at every point: the composition, then per node its
    isolated and (given a scaler) its scaled probe, in the order ``check_case_all`` reads
    them back. A probe is the same composition at every point, with the node's argument
    values of that point, so each is one job and both oracles run once per job.

    ``own``: the engine's own value of every node at every point (nodes by points; NaN
    where it gave none), from a run of the composition alone. Each probe gets the values
    the engine itself gave its arguments where it gave them: an op right at our values but
    wrong at the engine's (a branch at x >= 3 that the engine's x = 3 - 1e-16 misses) is
    then charged to that op, never to the reverse pass."""
    columns = np.array([[float(v) for v in p] for p in case_points], dtype=np.float64).T
    values = np.array(composition.evaluate(list(columns)), dtype=np.float64)
    if own is not None:  # every node at every point at once: the engine's where finite
        values = np.where(np.isfinite(own), own, values)
    plan = [(composition, [list(p) for p in case_points])]
    for k in range(len(composition.inputs), composition.size):
        probe, _ = isolated(composition, k, [float(v[0]) for v in values])
        args = [a for a in composition.node(k).args if not isinstance(a, Const)]
        probe_points = [[float(values[a][i]) for a in args] for i in range(len(case_points))]
        plan.append((probe, probe_points))
        if scaler is not None:
            scaled_probe, extra = scaled(probe, scaler)
            plan.append((scaled_probe, [point + extra for point in probe_points]))
    return plan


def own_values(composition: Composition, outcomes, at) -> np.ndarray:
    """The engine's value of every node at the points ``at`` (nodes by points), from the
    outcomes of the composition alone; NaN where it gave no number."""
    own = np.full((composition.size, len(at)), np.nan)
    for j, i in enumerate(at):
        row = outcome_at(composition, outcomes, int(i)).get("values", [])
        for k, value in enumerate(row[: composition.size]):
            if type(value) is float:
                own[k, j] = value
    return own


def expected_arrays(composition: Composition, case_points: list):
    """The gated references at every point as arrays (``oracles.reference_arrays``), or
    None where some point breaks an op (then ``right_at`` goes point by point)."""
    try:
        return reference_arrays(composition, case_points)
    except (ArithmeticError, ValueError):
        return None


def expected_of(jobs: list[tuple[Composition, list]]) -> list:
    """``expected_arrays`` of each ``(composition, points)`` job, the jobs of one
    composition computed together: a case's probes are few compositions (an op alone, at
    each node's arguments, named after the node), each the job of many nodes. Every
    oracle is elementwise over the points, so each job's columns are what it alone gives;
    where some point breaks an op, each job of that composition is computed alone, as it
    would be."""
    together: dict[tuple, list[int]] = {}
    for index, (composition, _) in enumerate(jobs):  # its nodes, not the names it shows
        together.setdefault((len(composition.inputs), composition.nodes), []).append(index)
    expected: list = [None] * len(jobs)
    for indices in together.values():
        if len(indices) == 1:
            expected[indices[0]] = expected_arrays(*jobs[indices[0]])
            continue
        composition = jobs[indices[0]][0]
        arrays = expected_arrays(composition, [p for i in indices for p in jobs[i][1]])
        if arrays is None:  # which job's point broke it: each alone, as it would be
            for i in indices:
                expected[i] = expected_arrays(*jobs[i])
            continue
        start = 0
        for i in indices:
            end = start + len(jobs[i][1])
            expected[i] = tuple(a[..., start:end] for a in arrays)
            start = end
    return expected


def right_at(composition: Composition, case_points: list, expected, outcomes) -> np.ndarray:
    """Per point, does every number of its outcome agree with the reference (``_agrees``)?
    All points at once where every outcome is numbers only (a packed reply is an array of
    them already); point by point otherwise."""
    numbers = outcomes if isinstance(outcomes, np.ndarray) else _numbers_only(outcomes)
    if expected is not None and numbers is not None:
        values, grads, kept = expected
        want = np.concatenate([values, grads[: numbers.shape[1] - len(values)]]).T
        return close_elementwise(numbers, want, **GRADING).all(axis=1) & kept
    refs = references(composition, case_points)
    return np.array(
        [_agrees(ref, outcome_at(composition, outcomes, i)) for i, ref in enumerate(refs)],
        dtype=bool,
    )


def outcome_at(composition: Composition, outcomes, i: int) -> Outcome:
    """Point ``i``'s outcome, from a packed array (values, then gradients) or a list."""
    if not isinstance(outcomes, np.ndarray):
        return outcomes[i]
    row = outcomes[i].tolist()
    return {"values": row[: composition.size], "grads": row[composition.size :]}


def _numbers_only(outcomes: list):
    """Outcomes that hold only numbers as a points-by-numbers array, else None."""
    try:
        return np.array([o["values"] + o["grads"] for o in outcomes], dtype=np.float64)
    except (KeyError, TypeError, ValueError):  # an error, or something not a number
        return None


def _agrees(ref: Reference | None, outcome: Outcome) -> bool:
    """Is every number of one outcome within the grading tolerance of the gated reference
    (with no gradient flowing in: the strictest)? A fast path past the diagnosis for the
    common case; a discarded point, an error or any doubt says no, and is diagnosed."""
    if ref is None or "error" in outcome:
        return False
    pairs = (*zip(outcome["values"], ref.values), *zip(outcome["grads"], ref.grads))
    return all(type(got) is float and close(got, want, **GRADING) for got, want in pairs)


def died(outcome: Outcome) -> bool:
    """Did the worker crash or hang (rather than the student's code raise)?"""
    return outcome.get("error", {}).get("kind") in ("crash", "timeout")


def run_of(composition: Composition, point, outcome: Outcome) -> Run:
    point = tuple(float(v) for v in point)
    return Run(composition, point, reference(composition, point), outcome)
