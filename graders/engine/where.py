"""``where`` on the engine kind's findings: the student's own line that computed the number.

After a part is graded, each finding that names a number of one op (``forward``,
``local-derivative``, ``upstream``), an overwrite (``accumulation``) or the seed is run
once more in the worker, traced (``graders.sandbox.tracing``), all in one request; only
these few runs are traced, never the search. What the tracer saw decides the place:

* ``forward``, ``local-derivative``, ``upstream``: the op alone on fresh leaves at the
  finding's values (``probes.isolated``), beside a contrast run of every other op the
  engine has (``_not_own``): what ops of two entries or more run is shared (the reverse
  pass, minitorch's ``chain_rule``, a ``_unary`` helper) and never the place; another
  op's entry and its closures (``__pow__`` under ``__rpow__``) is that op's. The place is
  the first line where the number the engine ends with (the node's value; the argument's
  gradient) appeared: written into the argument's gradient (micrograd's ``self.grad +=
  ...``), returned (``Mul.backward``'s ``return b, a``), passed to a call
  (``Value(self.data * other.data, ...)``) or bound to a local; in shared code, the op's
  own caller. When the op's backward is all shared code (a helper, a tape), the line of
  its forward that worked the derivative out and handed it on last (``_unary(x, t, 1 -
  t)``); never when its own backward ran and the number was not seen there (NumPy's).
  A number worked out in another op's code is that op's line first when that op is wrong
  alone, else the op's own line (``_ordered``).
* ``accumulation``: the finding's own case, the node whose gradient is wrong watched: the
  first write that left one contribution (computed here from the reference, as the
  chain rule says) where the sum of the earlier ones and it belonged.
* ``seed``: the last write to the output's gradient during the reverse pass (a seed
  zeroed again after it is set: the zeroing); with none, the first line of the reverse
  pass (where it starts).

Anything unclear (tracing disturbed, the number never seen in the op's own code, a
contrast op the engine cannot build) leaves ``where`` empty: never a wrong place.
"""

from __future__ import annotations

import math
from dataclasses import replace

from graders.engine.probes import capability_probe, isolated
from graders.model.composition import Composition, Const
from graders.model.oracles import reference
from graders.places import Sources
from graders.results import Finding
from graders.tolerances import GRADING, close

#: Steps whose number one op computes alone: traced on that op alone.
OWN_NUMBER_STEPS = ("forward", "local-derivative", "upstream")


def locate(grader, findings: list[Finding]) -> list[Finding]:
    """``findings`` with ``where`` filled in wherever a place is certain (one request)."""
    plans = [(i, _plan(f)) for i, f in enumerate(findings) if not f.where]
    plans = [(i, p) for i, p in plans if p is not None]
    if not plans or grader.out_of_time() is not None:
        return findings
    runner = grader.runner
    folder = str(runner.home / "submission")
    contrasts = _contrasts(grader)
    jobs = [_job(p["composition"], p["point"], folder, p["watch"]) for _, p in plans]
    jobs += [_job(*capability_probe(op), folder, ()) for op in contrasts]
    outcomes = runner.run(jobs)
    if runner.violations or len(outcomes) != len(jobs):
        return findings
    traced = [o[0] if o else {} for o in outcomes]
    contrast_runs = {
        op: {**run, "right": _right(capability_probe(op), run)}
        for op, run in zip(contrasts, traced[len(plans) :])
    }
    sources = Sources(runner.handed_in, folder)
    located = list(findings)
    for (i, plan), outcome in zip(plans, traced):
        found = [sources.place(raw) for raw in _decide(plan, outcome, contrast_runs)]
        if found and None not in found:
            located[i] = replace(findings[i], where=tuple(found))
    return located


def _contrasts(grader) -> list[str]:
    """Every op the engine builds: what each runs tells the reverse pass and helpers all
    ops share from each op's own code."""
    return [op for op in grader.assignment.ops if op not in grader._unavailable]


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


def _job(composition: Composition, point, folder: str, watch) -> dict:
    return {
        "trace": composition.to_json(),
        "points": [[float(v) for v in point]],
        "folder": folder,
        "watch": list(watch),
    }


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
            "composition": composition,
            "point": point,
            "watch": [node],
            "contributions": contributions,
        }
    if finding.step == "seed":
        out = composition.output
        return {"step": "seed", "composition": composition, "point": point, "watch": [out]}
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
    plan = {"step": finding.step, "op": finding.op, "composition": probe, "point": probe_point}
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


# --- deciding --------------------------------------------------------------------------------


def _decide(plan: dict, outcome: dict, contrasts: dict[str, dict]):
    """The traced place (``[path, line, qualname, first line]``) for one plan, or None."""
    trace = outcome.get("trace") if isinstance(outcome, dict) else None
    if trace is None:
        return []
    step = plan["step"]
    if step == "seed":
        return _listed(_seed_place(trace))
    if step == "accumulation":
        return _listed(_overwrite_place(trace, plan["watch"][0], plan["contributions"]))
    # Contrasts that ran a reverse pass, traced, from a function other than this op's
    # (``x - y`` is a contrast for ``2 - x``): two at least, or the machinery is unknown.
    own = _entry(trace)
    others = {
        op: run["trace"]
        for op, run in contrasts.items()
        if run.get("trace")
        and _codes(run["trace"], "backward")
        and _entry(run["trace"]) not in (own, None)
    }
    if own is None or len(others) < 2:
        return []
    shared, elsewhere = _not_own(trace, others)
    forward = [n for n in trace["numbers"] if n["phase"] == "forward"]
    if step == "forward":
        values = outcome.get("values") or []
        target = values[-1] if values else None
        return _ordered(_first(forward, target, elsewhere, new_only=True), contrasts, others)
    grads = outcome.get("grads") or []
    leaf = plan["leaf"]
    target = grads[leaf] if leaf < len(grads) else None
    backward = [n for n in trace["numbers"] if n["phase"] == "backward"]
    backward += [w for w in trace["writes"] if w["phase"] == "backward" and w["index"] == leaf]
    # Any code but the shared is this op's in its reverse pass: the probe is this op alone,
    # and an op built on another (``2 ** x`` on ``__pow__``) runs that op's backward.
    found = _first(backward, target, shared, new_only=True)
    if found is not None:
        return [found[0][found[1]]]
    own_backward = [
        line
        for line in trace["lines"]
        if line["phase"] == "backward" and not shared(_code(line["place"][0]))
    ]
    if found is None and own_backward:
        return []  # its own backward ran, and the number is not seen there (NumPy's, say)
    if found is None:  # the op's backward is a helper every op shares (``_unary(x, v, d)``)
        # or a tape's: the derivative was worked out, and last handed on, in its forward code
        made = [n for n in forward if n["new"] and not elsewhere(_code(n["place"][0]))]
        if any(n["value"] == target for n in made):  # worked out there, not an input's
            found = _first(forward[::-1], target, elsewhere, new_only=False)
    return _ordered(found, contrasts, others)


def _listed(place) -> list:
    return [] if place is None else [place]


def _ordered(found, contrasts: dict, others: dict) -> list:
    """The places of a number the op's own line led to (``_first``): that line alone, or,
    computed in another op's code it is built on (``__rpow__`` on ``__pow__``), both: the
    other op's line first when that op is wrong on its own (the number is wrong there),
    else the op's own line (it asked the right op for the wrong thing)."""
    if found is None:
        return []
    places, own = found
    if own == 0:
        return [places[0]]
    built_on = [
        op
        for op, trace in others.items()
        if any(_inside(_code(p), _entry(trace)) for p in places[:own])
    ]
    if not built_on:  # computed in shared code: the op's own line is the place
        return [places[own]]
    if any(not contrasts[op]["right"] for op in built_on):
        return [places[0], places[own]]
    return [places[own], places[0]]


def _not_own(trace: dict, others: dict[str, dict]):
    """Two ``code key -> bool``: is a function ``shared`` (the reverse pass, a helper that
    ops of several entries run: ``_unary(x, value, derivative)``), and is it ``elsewhere``
    (shared, or another op's: its entry, the first function of the submission its forward
    ran, and the closures defined in it: ``__rpow__`` built on ``__pow__``)? The op's own
    entry and its closures are neither."""
    runs: dict[tuple, set] = {}
    for other in others.values():
        for code in _codes(other, "forward") | _codes(other, "backward"):
            runs.setdefault(code, set()).add(_entry(other))
    entries = {_entry(other) for other in others.values()}
    own = _entry(trace)

    def shared(code: tuple) -> bool:
        return not _inside(code, own) and len(runs.get(code, ())) >= 2

    def elsewhere(code: tuple) -> bool:
        return shared(code) or (
            not _inside(code, own) and any(_inside(code, entry) for entry in entries)
        )

    return shared, elsewhere


def _entry(trace: dict) -> tuple | None:
    lines = sorted((e for e in trace["lines"] if e["phase"] == "forward"), key=_seq)
    return _code(lines[0]["place"][0]) if lines else None


def _inside(code: tuple, entry: tuple) -> bool:
    """Is ``code`` the function ``entry`` or a function defined in it?"""
    name = code[2]
    return code[0] == entry[0] and (name == entry[2] or name.startswith(entry[2] + ".<locals>."))


def _seq(event: dict) -> int:
    return event["seq"]


def _first(events, target, elsewhere, new_only: bool):
    """The first event (in ``events``' order; by sequence when ``new_only``) that holds
    ``target`` with some place in the op's own code: ``(its places, innermost first, and
    the index of the first that is the op's own)``. In shared code, that is the caller
    that is the op's own (the line of the op that called into the helper)."""
    if target is None:
        return None
    ordered = sorted(events, key=_seq) if new_only else events
    for event in ordered:
        # A number returned is where it was produced, even one met before (minitorch's
        # ``Mul.backward`` returning ``b, a``); one only handed on is not.
        if new_only and not event.get("new", True) and event.get("how") != "return":
            continue
        if event["value"] != target:
            continue
        own = next((i for i, p in enumerate(event["place"]) if not elsewhere(_code(p))), None)
        if own is not None:
            return event["place"], own
    return None


def _seed_place(trace: dict):
    writes = sorted((w for w in trace["writes"] if w["phase"] == "backward"), key=_seq)
    if writes:  # the write that left the output's gradient as the engine ends with it
        return writes[-1]["place"][0]
    lines = [line for line in trace["lines"] if line["phase"] == "backward"]
    return min(lines, key=_seq)["place"][0] if lines else None


def _overwrite_place(trace: dict, node: int, contributions: list[float]):
    """The first write to ``node``'s gradient that left one contribution where the sum of
    the earlier gradient and it belonged: the line that overwrote."""

    def one_of(value):
        return any(_close(value, c) for c in contributions)

    writes = [w for w in trace["writes"] if w["phase"] == "backward" and w["index"] == node]
    for write in sorted(writes, key=lambda w: w["seq"]):
        new, was = write["value"], write["was"]
        if new is None or was is None or was == 0.0:
            continue
        if one_of(new) and not one_of(new - was):
            return write["place"][0]
    return None


def _codes(trace: dict, phase: str) -> set[tuple]:
    """The functions that ran in a phase, by code key."""
    return {_code(e["place"][0]) for e in trace["lines"] if e["phase"] == phase}


def _code(place) -> tuple:
    return (place[0], place[3], place[2])


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
