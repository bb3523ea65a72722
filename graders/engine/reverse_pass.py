"""Which broken reverse pass made these numbers: an overwrite or a wrong order.

Given a composition, the trusted local derivative of every use ``(consumer, position)`` and
the gradients an engine gave, :func:`machinery_fits` simulates reverse passes that drop
some contributions (:func:`simulate`) and says whether an *overwrite* (``=`` for ``+=``)
explains the numbers and no wrong *order* does. Pure arithmetic on the graph: no worker,
no oracle (``graders.engine.diagnosis`` feeds it). :func:`own_overwrite` says an overwrite
found on a graph where only one op can overwrite as that op's.
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import combinations, product

from graders.model.composition import Composition
from graders.node_source import write_node
from graders.results import Finding, number
from graders.tolerances import GRADING, close

#: Most broken reverse passes tried per case when telling order from accumulation.
_MOST_MASKS = 4096


def chain_terms(comp: Composition, locals_: dict[tuple[int, int], float]) -> list[float]:
    """Per node, the sizes of the chain-rule terms its gradient sums: over every path to
    the output, the product of the local derivatives' absolute values."""
    terms = [0.0] * comp.size
    terms[-1] = 1.0
    for user in range(comp.size - 1, len(comp.inputs) - 1, -1):
        for pos, arg in comp.node(user).node_args():
            terms[arg] += terms[user] * abs(locals_[(user, pos)])
    return terms


def machinery_fits(
    comp: Composition, locals_: dict[tuple[int, int], float], observed: dict[int, float]
) -> tuple[int | None, bool]:
    """``(node, tied)``: the node an *overwrite* lost contributions at, if an overwrite
    explains the engine's gradients (``observed``: node -> gradient, for the nodes it
    keeps) and no wrong *order* does, else None (then the order is to blame); ``tied``
    when both explain them (from inputs' gradients alone they often do: the grader then
    runs a graph that tells them apart).

    Both are simulated with the trusted local derivatives, dropping some uses of a node:

    * overwrite: a node keeps (and passes on) only some of its contributions, at least one;
    * order: a node is handled after only some of its consumers (at least one, as any
      traversal that starts from the output finds a node through a consumer), so what it
      passes on is partial, though its own gradient ends complete. Only a node whose
      gradient can be incomplete when it is reached may do so: not the output, and not one
      whose single consumer is itself always complete (a chain up to the output).
    """
    uses = comp.consumers
    shared = [j for j in range(comp.size) if len(uses[j]) >= 2]
    late = [j for j in range(len(comp.inputs), comp.size) if not _complete_when_reached(comp, j)]
    overwrite = _first_fit(comp, locals_, observed, shared, keep_all=False)
    if overwrite is None:
        return None, False
    if _first_fit(comp, locals_, observed, late, keep_all=True) is not None:
        return None, True
    return overwrite, False


def _complete_when_reached(comp: Composition, j: int) -> bool:
    """Is node ``j``'s gradient complete whenever a traversal from the output reaches it?"""
    users = {u for u, _ in comp.consumers[j]}
    if not users:
        return True  # the output
    return len(users) == 1 and _complete_when_reached(comp, users.pop())


def _first_fit(comp, locals_, observed, nodes, *, keep_all: bool) -> int | None:
    """Some node of ``nodes`` at which dropping a proper, non-empty subset of uses (and
    perhaps at others of ``nodes`` too) reproduces ``observed``: the highest such node,
    or None. ``keep_all``: the node's own gradient keeps every contribution (order)."""
    choices = []
    for j in nodes:
        m = len(comp.consumers[j])
        options = [frozenset()]
        if keep_all:
            users = list(dict.fromkeys(u for u, _ in comp.consumers[j]))
            options += [
                frozenset(i for i, (u, _) in enumerate(comp.consumers[j]) if u in late)
                for size in range(1, len(users))
                for late in combinations(users, size)
            ]
        else:
            options += [frozenset(c) for size in range(1, m) for c in combinations(range(m), size)]
        choices.append(options)
    if not nodes or math.prod(len(c) for c in choices) > _MOST_MASKS:
        return None
    for masks in product(*choices):
        if not any(masks):
            continue
        dropped = dict(zip(nodes, masks))
        grads = simulate(comp, locals_, dropped, keep_all)
        if all(close(observed[k], grads[k], **GRADING) for k in observed):
            return max(j for j, m in dropped.items() if m)
    return None


def simulate(comp, locals_, dropped: dict[int, frozenset], keep_all: bool) -> list[float]:
    """Every node's gradient from a reverse pass that drops ``dropped[j]`` (indices into
    ``comp.consumers[j]``) from what node ``j`` passes on (and, unless ``keep_all``, from
    its own gradient too)."""
    grads = [0.0] * comp.size
    passed = [0.0] * comp.size
    grads[comp.output] = passed[comp.output] = 1.0
    for j in range(comp.size - 2, -1, -1):
        skip = dropped.get(j, frozenset())
        full = kept = 0.0
        for i, (u, pos) in enumerate(comp.consumers[j]):
            contribution = passed[u] * locals_[(u, pos)]
            full += contribution
            kept += 0.0 if i in skip else contribution
        grads[j] = full if keep_all else kept
        passed[j] = kept
    return grads


def own_overwrite(name: str, composition: Composition, finding: Finding, preset) -> Finding:
    """The reverse-pass finding of a shared-input check (``probes.shared_input_checks``),
    said of the op whose backward overwrote the gradient."""
    lines = [
        f"{composition.all_names[k]} = {write_node(composition, k, preset)}"
        for k in range(len(composition.inputs), composition.size)
    ]
    case = finding.case
    if case is None:  # the checks' findings always carry their case
        return finding
    pairs = zip(case["expected"]["grads"], case["actual"]["grads"][: len(composition.inputs)])
    wrong = [
        i for i, (w, g) in enumerate(pairs) if not (type(g) is float and close(g, w, **GRADING))
    ]
    leaf = wrong[0] if wrong else 0
    x = composition.inputs[leaf]
    message = (
        f"in {'; '.join(lines)}, {x} is used by {lines[0]} and again downstream, so "
        f"d(out)/d{x} is the sum of both contributions, {number(case['expected']['grads'][leaf])}"
        f", but your engine gives {number(case['actual']['grads'][leaf])}: {name}'s backward "
        f"overwrites its inputs' gradients (=) where it must add to them (+=)"
    )
    return replace(
        finding,
        step="accumulation",
        op=name,
        message=message,
        node=lines[0],
        expected=case["expected"]["grads"][leaf],
        actual=case["actual"]["grads"][leaf],
        rule=f"d(out)/d{x} = "
        + " + ".join(
            f"d(out)/d{composition.all_names[u]} * d{composition.all_names[u]}/d{x}"
            for u, _ in composition.consumers[leaf]
        ),
    )
