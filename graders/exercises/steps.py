"""The steps of an exercise a student answers, and their values from MyGrad.

Two kinds of step, each a function of the exercise's inputs the student writes:

* a **local** partial derivative of each named intermediate with respect to each of its
  direct dependencies, the other named intermediates held fixed as variables: for
  ``g = p**2 - q**3`` these are ``dg_dp`` (``2*p``) and ``dg_dq`` (``-3*q**2``);
* a **total** derivative of the output with respect to each input: the chain rule, a sum
  over every path from the input up to the output of the product of the local steps
  along it, ``dg/dx = dg/dp*dp/dx + dg/dq*dq/dx``. For a chain ``f(g(h(x)))`` there is
  one path and the total is the product of the links.

Locals come first, from the output inwards (the order the chain rule is applied in),
then the totals in the inputs' order::

    >>> from graders.exercises.parse import parse
    >>> [s.function for s in derive(parse("p = y * x**2\\nq = 2*x + y\\ng = p**2 - q**3"))]
    ['dg_dp', 'dg_dq', 'dp_dx', 'dp_dy', 'dq_dx', 'dq_dy', 'dg_dx', 'dg_dy']

When the output uses an input directly and along other paths too (``g = p * x``), the
direct local step is named ``dg_dx_direct`` so that ``dg_dx`` stays the total. When the
direct use is the only path, the local step *is* the total and is asked for once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graders.exercises.parse import Exercise
from graders.model.oracles import reference


@dataclass(frozen=True)
class Step:
    """One derivative a student writes as a function ``function(*inputs)``."""

    function: str
    of: str
    wrt: str
    #: Leibniz notation as reports show it, e.g. ``"dg/dp"``.
    leibniz: str
    #: For a total: each path from the output down to the input, as the functions of its
    #: local steps, outermost first. Empty for a local step.
    paths: tuple[tuple[str, ...], ...] = ()

    @property
    def is_total(self) -> bool:
        return bool(self.paths)


def derive(exercise: Exercise, prefix: str = "") -> tuple[Step, ...]:
    """The exercise's steps; ``prefix`` is put before every function name (``first_dg_dp``)."""
    output = exercise.output
    paths = {x: _paths(exercise, output, x) for x in exercise.inputs}
    locals_: dict[tuple[str, str], Step] = {}
    for name in _outside_in(exercise):
        for dep in exercise.dependencies[name]:
            function, leibniz = f"{prefix}d{name}_d{dep}", f"d{name}/d{dep}"
            if name == output and dep in paths and paths[dep] != [[(name, dep)]]:
                function, leibniz = function + "_direct", leibniz + " (direct)"
            locals_[name, dep] = Step(function, name, dep, leibniz)
    totals = [
        Step(
            f"{prefix}d{output}_d{x}",
            output,
            x,
            f"d{output}/d{x}",
            tuple(tuple(locals_[edge].function for edge in path) for path in paths[x]),
        )
        for x in exercise.inputs
        if paths[x] != [[(output, x)]]
    ]
    return (*locals_.values(), *totals)


def formula(step: Step, steps: Sequence[Step]) -> str:
    """A total's chain rule in Leibniz notation: ``dg/dx = dg/dp*dp/dx + dg/dq*dq/dx``."""
    leibniz = {s.function: s.leibniz for s in steps}
    terms = ["*".join(leibniz[f] for f in path) for path in step.paths]
    return f"{step.leibniz} = {' + '.join(terms)}"


def expected(
    exercise: Exercise, steps: Sequence[Step], point: Sequence[float]
) -> dict[str, float] | None:
    """Every step's value at ``point`` from MyGrad, or ``None`` if the point is not fair or
    MyGrad and the numerical oracle disagree anywhere (such a point is never charged).

    A local step comes from the intermediate's own right-hand side built on leaf tensors
    (its dependencies at their values at ``point``); a total from the whole exercise.
    """
    composition = exercise.composition
    point = tuple(float(v) for v in point)
    if not composition.fair(point):
        return None
    whole = reference(composition, point)
    if whole is None:
        return None
    values = dict(zip(composition.all_names, whole.values))
    grads = dict(zip(composition.all_names, whole.grads))
    local_grads: dict[str, dict[str, float]] = {}
    for name in exercise.named:
        local = exercise.local[name]
        found = reference(local, [values[d] for d in local.inputs])
        if found is None:
            return None
        local_grads[name] = dict(zip(local.inputs, found.grads))
    return {s.function: grads[s.wrt] if s.is_total else local_grads[s.of][s.wrt] for s in steps}


def _outside_in(exercise: Exercise) -> list[str]:
    """The named intermediates by their longest distance from the output, then file order."""
    depth = {exercise.output: 0}
    for name in reversed(exercise.named):
        for dep in exercise.dependencies[name]:
            depth[dep] = max(depth.get(dep, 0), depth[name] + 1)
    return sorted(exercise.named, key=lambda n: (depth[n], exercise.named.index(n)))


def _paths(exercise: Exercise, name: str, target: str) -> list[list[tuple[str, str]]]:
    """Every path from ``name`` down to ``target`` as a list of (node, dependency) edges."""
    if name == target:
        return [[]]
    return [
        [(name, dep), *rest]
        for dep in exercise.dependencies.get(name, ())
        for rest in _paths(exercise, dep, target)
    ]
