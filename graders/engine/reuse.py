"""A second graph on the nodes of a first: state an engine keeps between reverse passes.

A training loop builds a graph, runs the reverse pass, then builds more on the same
nodes and runs it again. An engine that leaves a visited mark on its nodes, or caches a
topological order at class level, skips (or re-walks) the first graph's nodes the second
time. Every other check builds a fresh graph and runs one pass, so this one reuses::

    a = sin(x); b = a * y; c = tanh(b)   c.backward()
    d = b * a                            d.backward()

built from whatever ops the engine has (``probes.machinery_roles``: ``relu(x)`` and
``x * 2`` stand in when it has no ``sin``). The grader never writes into a student's
node: the first pass's gradients stay where the engine left them, and a correct engine
may treat them in one of three ways, each node judged alone: it starts every pass from
zero (the node holds the second pass's gradient), it adds the second pass's to what the
first left on the node (the sum), or it also passes that leftover on, as micrograd's
``+=`` does (the leftover goes through the second graph's chain rule). A gradient none of
these explains is the reverse pass's fault.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from graders.engine.jobs import job_of
from graders.engine.probes import build, machinery_roles
from graders.engine.reproducer import reproducer
from graders.model.composition import Composition
from graders.model.oracles import Reference, local_derivatives, reference
from graders.presets import Preset
from graders.results import Finding, number
from graders.sandbox.protocol import ErrorInfo, Outcome
from graders.sandbox.runner import Runner
from graders.tolerances import close, grading

#: The two graphs as one shape (``probes.MACHINERY_SHAPES``' notation): the first graph's
#: output is node ``FIRST`` (c), the second's the last (d).
_SHAPE = (("U", 0), ("B", 2, 1), ("V", 3), ("B", 3, 2))
_POINTS = ((0.7, 1.3), (-0.6, 0.4), (1.3, 0.4))
#: Where the first graph's output is: the reverse pass runs there first.
FIRST = 4


def reuse_cases(available: Sequence[str]) -> Iterator[tuple[Composition, list[float]]]:
    """``(composition, point)``: the two graphs as one composition whose node ``FIRST``
    is the first graph's output and whose last node is the second's, at up to two fair
    points."""
    binary, unary = machinery_roles(available)
    if not binary or not unary:
        return
    composition = build(2, _SHAPE, {"B": (binary[0],), "U": unary[0], "V": unary[-1]})
    if composition is None:
        return
    fair = [list(p) for p in _POINTS if composition.fair(p)]
    yield from ((composition, point) for point in fair[:2])


@dataclass(frozen=True, kw_only=True)
class _Reused:
    """One case of this check, as its findings tell it: the two graphs as one composition,
    the point, the student's API and module."""

    composition: Composition
    point: list[float]
    preset: Preset
    module: str

    @property
    def names(self) -> tuple[str, str]:
        """The two graphs' outputs: the first (node ``FIRST``) and the second (the last)."""
        names = self.composition.all_names
        return names[FIRST], names[-1]


def check_reuse(runner: Runner, preset: Preset, available: Sequence[str]) -> Finding | None:
    """The finding if the engine's second reverse pass is wrong, else None (also when the
    case cannot be judged: an error, or a first pass already wrong, which other checks
    charge)."""
    for composition, point in reuse_cases(available):
        first_graph = Composition(composition.inputs, composition.nodes[:3], composition.names[:3])
        before, after = reference(first_graph, point), reference(composition, point)
        if before is None or after is None:
            continue
        job = job_of(composition, [point])
        job["backward_at"] = [FIRST]
        outcome = runner.run([job])[0][0]
        case = _Reused(
            composition=composition, point=point, preset=preset, module=runner.module_name
        )
        if "error" in outcome:
            return _raised(case, outcome["error"])
        finding = _judge(case, first=before.grads, after=after, outcome=outcome)
        if finding is not None:
            return finding
    return None


def _judge(case: _Reused, *, first, after: Reference, outcome: Outcome) -> Finding | None:
    """The finding for the first node whose gradient none of the three ways explains."""
    composition, preset = case.composition, case.preset
    earlier_grads, grads = outcome.get("earlier_grads"), outcome.get("grads")
    if not earlier_grads or grads is None:  # never, once validated: nothing to judge
        return None
    earlier, second = earlier_grads[0], after.grads
    read = range(len(grads))  # every node, or the inputs alone
    if not all(_close(earlier[k], first[k]) for k in read if k <= FIRST):
        return None  # the first pass is already wrong: the other checks say why
    left = [first[k] if k <= FIRST else 0.0 for k in range(composition.size)]
    passed_on = _passing_leftovers_on(composition, after.values, left)
    for k in read:
        if k == FIRST:  # not in the second graph
            continue
        allowed = (second[k], left[k] + second[k], passed_on[k])
        if not any(_close(grads[k], want) for want in allowed):
            finding = _finding(case, k, expected=second[k], actual=grads[k])
            drawn = {
                "composition": composition.to_json(),
                "point": list(case.point),
                "expected": {"values": list(after.values), "grads": list(second)},
                "actual": {
                    "values": outcome.get("values"),
                    "grads": _padded(grads, len(second)),
                },
                "focus": {"node": k, "kind": "grad"},
                "api": preset.to_json(),
            }
            return replace(finding, case=drawn)
    return None


def _passing_leftovers_on(composition: Composition, values, left) -> list[float]:
    """Every node's gradient after a second pass that starts from what the first left on
    each node (``left``) and passes it on with the rest (micrograd's ``+=``): the chain
    rule over the second graph, each node's leftover added where it is handed on."""
    _, locals_ = local_derivatives(composition, values)
    grads = list(left)
    grads[-1] = 1.0  # the second graph's output: the seed
    for u in range(composition.size - 1, len(composition.inputs) - 1, -1):
        if u == FIRST:
            continue
        for pos, arg in composition.node(u).node_args():
            grads[arg] += grads[u] * locals_[(u, pos)]
    return grads


def _padded(grads: list, size: int) -> list:
    """One gradient per node, None where the engine keeps none (inputs-only engines)."""
    return list(grads) + [None] * (size - len(grads))


def _raised(case: _Reused, error: ErrorInfo) -> Finding:
    """The finding for an engine that raised (or died) on the second graph, where one
    graph at a time works: a training loop would stop there too."""
    (first, second), preset = case.names, case.preset
    return Finding(
        "error",
        f"after {first}.{preset.backward}(), a second graph {second} reused nodes of the first "
        f"and your engine failed: {str(error.get('message', ''))[:300]}. A graph may be "
        f"extended and {preset.backward}() run again once gradients are zeroed, as a training "
        f"loop does: keep no marks on nodes or in the class between {preset.backward}() calls",
        reproducer=_reproducer(case, checks=[]),
    )


def _close(actual, expected: float) -> bool:
    return isinstance(actual, float) and close(actual, expected, **grading())


def _finding(case: _Reused, k: int, *, expected: float, actual) -> Finding:
    """The finding for node ``k``'s gradient after the second pass: ``actual`` where
    ``expected`` (or one of the other two ways) was due."""
    composition, preset = case.composition, case.preset
    (first, second), node = case.names, composition.all_names[k]
    shown = number(actual) if isinstance(actual, float) else str(actual)
    return Finding(
        "order",
        f"after {first}.{preset.backward}(), a second graph {second} reused nodes of the first "
        f"and {second}.{preset.backward}() ran: d{second}/d{node} should be "
        f"{number(expected)} (or that plus what the first pass left on {node}), your "
        f"engine gives {shown}. The second reverse pass skipped or re-walked "
        f"nodes the first had visited: keep no marks on nodes or in the class between "
        f"{preset.backward}() calls (build the topological order afresh, with a visited "
        f"set local to {preset.backward}())",
        node=composition.line(k) if k >= len(composition.inputs) else node,
        expected=expected,
        actual=actual if isinstance(actual, float) else shown,
        rule=f"d{second}/d{node}, whatever {first}.{preset.backward}() did before",
        reproducer=_reproducer(case, checks=[(k, "grad", expected)]),
    )


def _reproducer(case: _Reused, *, checks: list) -> str:
    """The two graphs as the student would run them: the first pass before the second
    graph is built."""
    composition, point, preset, module = case.composition, case.point, case.preset, case.module
    text = reproducer(composition, point, preset, module, checks)
    first_graph = Composition(composition.inputs, composition.nodes[:3], composition.names[:3])
    first_pass = [
        line
        for line in reproducer(first_graph, point, preset, module, []).splitlines()
        if line.startswith(f"{composition.all_names[FIRST]}.")
    ]
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{composition.names[-1]} = "))
    return "\n".join(lines[:at] + first_pass + lines[at:]) + "\n"
