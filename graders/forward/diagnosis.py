"""Which chain-rule step a dual-number engine got wrong, from one op run alone.

An op alone (``graders.model.probes.isolated``: each argument a fresh dual number) is run
at one point under :func:`directions`: every input's tangent 0, then each input's tangent
1 and ``SCALE`` with the others 0. Forward mode's chain rule says the output's tangent is
``sum_i df/da_i * da_i``: 0 with no tangent flowing in, and linear in each ``da_i`` with
the local derivative as its slope. So the rows tell the steps apart:

* a dual number alone that does not hold the tangent it was made with: ``seed`` (the
  constructor); one that no longer holds it after the op: ``upstream`` (the op wrote into
  its input, so the next op gets the wrong tangent flowing in);
* a wrong value: ``forward``;
* a nonzero tangent with no tangent flowing in, and a slope of 0 in some argument whose
  derivative is not 0: ``upstream`` (the op's derivative not multiplied by the tangent);
* the same with every slope right, on an op written with a number: ``seed`` (the number
  entered with a tangent that is not 0);
* a wrong slope in some argument: ``local-derivative``, that argument named.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from graders.model import ops
from graders.model.composition import Composition, Const
from graders.results import Finding, number
from graders.tolerances import GRADING, close

#: The second tangent each argument is given alone: not 1, so a derivative that is not
#: multiplied by the tangent flowing in shows.
SCALE = -0.6


def directions(inputs: int) -> list[tuple[float, ...]]:
    """Every tangent 0; then per input, 1 and ``SCALE`` with the others 0."""
    rows = [(0.0,) * inputs]
    for i in range(inputs):
        for s in (1.0, SCALE):
            rows.append(tuple(s if j == i else 0.0 for j in range(inputs)))
    return rows


def _near(actual, expected, scale: float = 1.0) -> bool:
    atol = GRADING["atol"] * max(1.0, abs(scale))
    return type(actual) is float and close(actual, expected, GRADING["rtol"], atol)


def kept(value: float, tangent: float, got, got_value) -> bool:
    """Does a dual number made as ``leaf(value, tangent)`` still hold both?"""
    return _near(got, tangent) and _near(got_value, value)


def input_changed(probe: Composition, k: int, node: str, value, tangent, row) -> Finding:
    """``upstream`` for an op that wrote into the dual number it was given (``x.der =
    ...``): what flows into the next op is then not what it was."""
    op = ops.get(probe.nodes[0].op)
    position = _positions(probe)[k]
    x = probe.inputs[k]
    return Finding(
        "upstream",
        f"{node} changes its input {x}: made with value {number(float(value))} and tangent "
        f"{number(float(tangent))}, after {node} it holds {number(row['values'][k])} and "
        f"{number(row['grads'][k])}; an op must leave the dual numbers it is given as they "
        "are (an op that uses them next gets the wrong tangent flowing in)",
        op=op.name,
        argument=position,
        argument_name=op.arg_names[position],
        node=node,
        expected=float(tangent),
        actual=row["grads"][k] if isinstance(row["grads"][k], float) else str(row["grads"][k]),
    )


def leaf_finding(leaf: str, value: float, tangent: float, got, got_value) -> Finding | None:
    """``seed`` when a leaf made as ``leaf(value, tangent)`` does not hold both."""
    if kept(value, tangent, got, got_value):
        return None
    made = f"{leaf}({value!r}, {tangent!r})"
    if not _near(got_value, value):
        return Finding(
            "seed",
            f"{made} holds the value {number(got_value)}: a dual number must keep the value "
            "it is made with",
            expected=value,
            actual=got_value if isinstance(got_value, float) else str(got_value),
        )
    return Finding(
        "seed",
        f"{made} holds the tangent {number(got)}: a dual number must keep the tangent it is "
        "made with (an input is seeded with tangent 1 for the input differentiated and 0 "
        "for the others; a number's tangent is 0)",
        expected=tangent,
        actual=got if isinstance(got, float) else str(got),
    )


def op_finding(
    probe: Composition,
    point: Sequence[float],
    value: float,
    slopes: Sequence[float],
    rows: Sequence[tuple[tuple[float, ...], object, object]],
    node: str,
) -> Finding | None:
    """The finding for one op alone (``probe``, a single node on fresh leaves) at
    ``point``, or None: ``value`` and ``slopes`` are the trusted value and local
    derivatives (one per leaf), ``rows`` the engine's ``(direction, value, tangent)``
    under :func:`directions` (see the module docstring)."""
    op = ops.get(probe.nodes[0].op)
    at = dict(zip(probe.inputs, (float(v) for v in point)))
    texts = _texts(probe)
    base = _About(op=op.name, node=node, at=at)
    for _, got, _ in rows:
        if not _near(got, value):
            return Finding(
                "forward",
                f"{node} is {number(got)} at {_at(at)}, but it is {number(value)}",
                expected=value,
                actual=got if isinstance(got, float) else str(got),
                **base,
            )
    for _, _, t in rows:
        if not isinstance(t, float):
            return Finding(
                "local-derivative",
                f"the tangent of {node} is {number(t)}, not a number",
                actual=str(t),
                **base,
            )
    by_direction = {d: t for d, _, t in rows if isinstance(t, float)}  # each one is, by now
    inputs = len(probe.inputs)
    still = by_direction[(0.0,) * inputs]
    positions = _positions(probe)
    dropped, wrong = [], []
    for i in range(inputs):
        one = tuple(1.0 if j == i else 0.0 for j in range(inputs))
        scaled = tuple(SCALE if j == i else 0.0 for j in range(inputs))
        slope, other = by_direction[one] - still, (by_direction[scaled] - still) / SCALE
        if _near(slope, slopes[i], slopes[i]) and _near(other, slopes[i], slopes[i]):
            continue
        flat = _near(slope, 0.0) and _near(other, 0.0) and not _near(slopes[i], 0.0)
        (dropped if flat else wrong).append((i, slope if not _near(slope, slopes[i]) else other))
    names = probe.inputs
    if not _near(still, 0.0) and dropped:
        i, _ = dropped[0]
        return _argument_finding(
            "upstream",
            f"{node}'s tangent does not multiply the derivative by the tangent flowing in "
            f"from {names[i]}: with every input's tangent 0 it is {number(still)} (it must "
            f"be 0), and it does not change with d{names[i]}; forward mode's chain rule is "
            f"{_d(node)} = {_d(node)}/d{names[i]} * d{names[i]} (the tangent flowing in)",
            op,
            positions[i],
            texts,
            slopes[i],
            by_direction[tuple(1.0 if j == i else 0.0 for j in range(inputs))],
            base,
        )
    # A flat slope with nothing added is a derivative of 0 where it is not: a term missing.
    wrong = sorted(wrong + dropped)
    if wrong:
        i, slope = wrong[0]
        return _argument_finding(
            "local-derivative",
            f"the derivative of {node} with respect to {names[i]} is wrong: with "
            f"d{names[i]} = 1 and every other tangent 0, {_d(node)} changes by "
            f"{number(slope)} from its value with none, but {_d(node)}/d{names[i]} is "
            f"{number(slopes[i])}",
            op,
            positions[i],
            texts,
            slopes[i],
            slope,
            base,
        )
    if not _near(still, 0.0):
        constants = [a for a in probe.nodes[0].args if isinstance(a, Const)]
        if constants:
            c = number(float(constants[0].value))
            return Finding(
                "seed",
                f"in {node}, the number {c} enters with a tangent that is not 0: with every "
                f"input's tangent 0, {_d(node)} is {number(still)}, not 0 (a number is a "
                f"constant: its tangent is 0)",
                expected=0.0,
                actual=still,
                **_About(op=None, node=node, at=at),
            )
        return Finding(
            "upstream",
            f"with every input's tangent 0, {_d(node)} is {number(still)}, not 0: the "
            "derivative must be multiplied by the tangent flowing in",
            expected=0.0,
            actual=still,
            **base,
        )
    return None


class _About(TypedDict):
    """What every finding about one op alone names: the op, its node, the point."""

    op: str | None
    node: str
    at: dict[str, float]


def _argument_finding(
    step, message, op, position, texts, expected, actual, base: _About
) -> Finding:
    return Finding(
        step,
        message,
        rule=op.rule(position, texts),
        argument=position,
        argument_name=op.arg_names[position],
        expected=float(expected),
        actual=float(actual) if isinstance(actual, float | np.floating) else str(actual),
        **base,
    )


def _positions(probe: Composition) -> list[int]:
    """For each leaf of a probe, the position of the op's argument it is."""
    args = probe.nodes[0].args
    return [next(p for p, a in enumerate(args) if a == leaf) for leaf in range(len(probe.inputs))]


def _d(node: str) -> str:
    """The tangent of a node as written: ``da``, ``d(x + 2)``."""
    return f"d{node}" if node.isidentifier() else f"d({node})"


def _at(at: dict[str, float]) -> str:
    return ", ".join(f"{k} = {number(v)}" for k, v in at.items())


# --- functional engines: grad(f) ------------------------------------------------------


def partials_finding(
    probe: Composition,
    point: Sequence[float],
    value: float,
    slopes: Sequence[float],
    got_value,
    got_partials: Sequence,
    node: str,
) -> Finding | None:
    """The finding for one op alone (``probe``) handed to ``grad`` at ``point``, or None:
    ``value`` and ``slopes`` are the trusted value and partials; ``got_value`` is the
    engine's value (None where it cannot be read: not checked), ``got_partials`` what
    ``grad`` gave. ``grad`` seeds the output with 1, so a partial is the op's local
    derivative itself: a wrong one is ``local-derivative`` (an op that drops the gradient
    flowing into it shows only under another op: :func:`upstream_finding`)."""
    op = ops.get(probe.nodes[0].op)
    at = dict(zip(probe.inputs, (float(v) for v in point)))
    base = _About(op=op.name, node=node, at=at)
    if got_value is not None and not _near(got_value, value):
        return Finding(
            "forward",
            f"{node} is {number(got_value)} at {_at(at)}, but it is {number(value)}",
            expected=value,
            actual=got_value,
            **base,
        )
    positions = _positions(probe)
    for i, (got, want) in enumerate(zip(got_partials, slopes)):
        if _near(got, want, want):
            continue
        name = probe.inputs[i]
        return _argument_finding(
            "local-derivative",
            f"the derivative of {node} with respect to {name} is wrong: grad gives "
            f"{number(got)} at {_at(at)}, but d({node})/d{name} is {number(want)}",
            op,
            positions[i],
            _texts(probe),
            want,
            got,
            base,
        )
    return None


def upstream_finding(
    probe: Composition,
    scaled: Composition,
    point: Sequence[float],
    slopes: Sequence[float],
    got_partials: Sequence,
    node: str,
) -> Finding | None:
    """``upstream`` for an op right alone (``probe``) whose partials are wrong under one
    more op the engine gets right (``scaled``, its output times 3, say): the gradient
    flowing into the op is not multiplied in. None when every partial is right."""
    op = ops.get(probe.nodes[0].op)
    at = dict(zip(probe.inputs, (float(v) for v in point)))
    outer = scaled.expression(scaled.output)
    inner = scaled.all_names[probe.output]
    for i, (got, want) in enumerate(zip(got_partials, slopes)):
        if _near(got, want, want):
            continue
        name = probe.inputs[i]
        return _argument_finding(
            "upstream",
            f"{node} is right alone, but under {outer}, where {inner} = {node} (a gradient "
            f"other than 1 flows into it), grad gives d/d{name} = {number(got)} at {_at(at)}, not "
            f"{number(want)}: {node}'s backward does not multiply its local derivative by "
            "the gradient flowing into it",
            op,
            _positions(probe)[i],
            _texts(probe),
            want,
            got,
            _About(op=op.name, node=node, at=at),
        )
    return None


def _texts(probe: Composition) -> list[str]:
    """The op's arguments as written: an input's name, or the number."""
    return [
        probe.inputs[a] if not isinstance(a, Const) else ops.number_text(a.value)
        for a in probe.nodes[0].args
    ]
