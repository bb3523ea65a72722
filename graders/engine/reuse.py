"""A second graph on the nodes of a first: state an engine keeps between reverse passes.

A training loop builds a graph, runs the reverse pass, then builds more on the same
nodes and runs it again. An engine that leaves a visited mark on its nodes, or caches a
topological order at class level, skips (or re-walks) the first graph's nodes the second
time. Every other check builds a fresh graph and runs one pass, so this one reuses::

    a = sin(x); b = a * y; c = tanh(b)   c.backward()
    d = b * a                            d.backward()

Between the passes the worker gives every node back the gradient it was made with (a
copy of its ``grad`` attribute from before the first pass), as a training loop zeroes
gradients, in whatever form the engine uses (0, None, an array). After the second pass
each node of ``d``'s graph must then hold exactly what that pass gives it; anything else
is the reverse pass's fault.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from graders.composition import Composition, Node
from graders.engine.reproducer import reproducer
from graders.oracles import reference
from graders.presets import Preset
from graders.results import Finding, number
from graders.sandbox.runner import Runner
from graders.tolerances import close, grading

#: Ops the check is built from, in order of preference (defined everywhere, derivatives
#: far from 0 at the points below).
_BINARY = ("mul", "add", "sub")
_UNARY = ("sin", "tanh", "exp", "cos", "sigmoid", "neg")
_POINTS = ((0.7, 1.3), (-0.6, 0.4))
#: Where the first graph's output is: the reverse pass runs there first.
FIRST = 4


def reuse_cases(available: Sequence[str]) -> Iterator[tuple[Composition, list[float]]]:
    """``(composition, point)``: the two graphs as one composition whose node ``FIRST``
    is the first graph's output and whose last node is the second's."""
    binary = next((op for op in _BINARY if op in available), None)
    unary = [op for op in _UNARY if op in available][:2]
    if binary is None or not unary:
        return
    u, v = unary[0], unary[-1]
    composition = Composition(
        ("x", "y"),
        (Node(u, (0,)), Node(binary, (2, 1)), Node(v, (3,)), Node(binary, (3, 2))),
        ("a", "b", "c", "d"),
    )
    for point in _POINTS:
        if composition.fair(point):
            yield composition, list(point)


def check_reuse(runner: Runner, preset: Preset, available: Sequence[str]) -> Finding | None:
    """The finding if the engine's second reverse pass is wrong, else None (also when the
    case cannot be judged: an error, or a first pass already wrong, which other checks
    charge)."""
    for composition, point in reuse_cases(available):
        first_graph = Composition(composition.inputs, composition.nodes[:3], composition.names[:3])
        before, after = reference(first_graph, point), reference(composition, point)
        if before is None or after is None:
            continue
        job = {"composition": composition.to_json(), "points": [point], "backward_at": [FIRST]}
        outcome = runner.run([job])[0][0]
        if "error" in outcome:
            return _raised(composition, point, outcome["error"], preset, runner)
        finding = _judge(composition, point, before.grads, after, outcome, preset, runner)
        if finding is not None:
            return finding
    return None


def _judge(composition, point, first, after, outcome, preset, runner) -> Finding | None:
    earlier, grads, second = outcome["earlier_grads"][0], outcome["grads"], after.grads
    read = range(len(grads))  # every node, or the inputs alone
    if not all(_close(earlier[k], first[k]) for k in read if k <= FIRST):
        return None  # the first pass is already wrong: the other checks say why
    for k in read:
        if k != FIRST and not _close(grads[k], second[k]):  # FIRST: not in the second graph
            finding = _finding(composition, point, k, second[k], grads[k], preset, runner)
            case = {
                "composition": composition.to_json(),
                "point": list(point),
                "expected": {"values": list(after.values), "grads": list(second)},
                "actual": {"values": outcome["values"], "grads": _padded(grads, len(second))},
                "focus": {"node": k, "kind": "grad"},
                "api": preset.to_json(),
            }
            return replace(finding, case=case)
    return None


def _padded(grads: list, size: int) -> list:
    """One gradient per node, None where the engine keeps none (inputs-only engines)."""
    return list(grads) + [None] * (size - len(grads))


def _raised(composition, point, error: dict, preset, runner) -> Finding:
    """The finding for an engine that raised (or died) on the second graph, where one
    graph at a time works: a training loop would stop there too."""
    names = composition.all_names
    first, second = names[FIRST], names[-1]
    return Finding(
        "error",
        f"after {first}.{preset.backward}(), a second graph {second} reused nodes of the first "
        f"and your engine failed: {str(error.get('message', ''))[:300]}. A graph may be "
        f"extended and {preset.backward}() run again once gradients are zeroed, as a training "
        f"loop does: keep no marks on nodes or in the class between {preset.backward}() calls",
        reproducer=_reproducer(composition, point, preset, runner.module_name, []),
    )


def _close(actual, expected: float) -> bool:
    return isinstance(actual, float) and close(actual, expected, **grading())


def _finding(composition, point, k, expected, actual, preset, runner) -> Finding:
    names = composition.all_names
    first, second, node = names[FIRST], names[-1], names[k]
    shown = number(actual) if isinstance(actual, float) else str(actual)
    return Finding(
        "order",
        f"after {first}.{preset.backward}(), a second graph {second} reused nodes of the first "
        f"and {second}.{preset.backward}() ran (with every gradient set back as it was "
        f"before the first pass): d{second}/d{node} should be {number(expected)}, your "
        f"engine gives {shown}. The second reverse pass skipped or re-walked "
        f"nodes the first had visited: keep no marks on nodes or in the class between "
        f"{preset.backward}() calls (build the topological order afresh, with a visited "
        f"set local to {preset.backward}())",
        node=composition.line(k) if k >= len(composition.inputs) else node,
        expected=expected,
        actual=actual if isinstance(actual, float) else shown,
        rule=f"d{second}/d{node}, whatever {first}.{preset.backward}() did before",
        reproducer=_reproducer(
            composition, point, preset, runner.module_name, [(k, "grad", expected)]
        ),
    )


def _reproducer(composition, point, preset, module, checks) -> str:
    """The two graphs as the student would run them: the first pass before the second
    graph is built."""
    text = reproducer(composition, point, preset, module, checks)
    first_graph = Composition(composition.inputs, composition.nodes[:3], composition.names[:3])
    first_pass = [
        line
        for line in reproducer(first_graph, point, preset, module, []).splitlines()
        if line.startswith(f"{composition.all_names[FIRST]}.")
    ]
    attribute = preset.gradient_attribute
    zero = "np.array(0.0)" if preset.convert == "ndarray" else "0.0"
    built = composition.all_names[: FIRST + 1]
    reset = " = ".join(f"{name}.{attribute}" for name in built) + f" = {zero}  # zero gradients"
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{composition.names[-1]} = "))
    return "\n".join(lines[:at] + first_pass + [reset] + lines[at:]) + "\n"
