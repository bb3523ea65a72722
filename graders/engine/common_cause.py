"""One cause for many wrong probes: the reverse pass, blamed once instead of every op.

:func:`common_cause` looks across the ops of a part checked alone: when their isolated or
scaled probes are wrong in one way no op explains (every leaf gets exactly the seed;
every gradient off by one factor; every scaled probe gives its leaves 0; every op raises
only in compositions), one reverse-pass finding says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graders.engine.diagnosis import rule_is
from graders.presets import Preset
from graders.results import Finding, number
from graders.tolerances import GRADING, close
from graders.worker_numbers import NotANumber, read


def common_cause(
    findings: Sequence[Finding], working: Sequence[str], preset: Preset
) -> Finding | None:
    """One reverse-pass finding for many ops' wrong isolated probes, if they are all
    wrong in one way no op explains, or None.

    ``findings`` are the ops' findings when checked alone; ``working`` the ops that some
    form of worked (did not raise): an op among them without the pattern's finding
    contradicts it. The patterns, each needing at least two ops that show it and no op that
    contradicts it: every op's scaled probe gives its leaves 0 (``order``); every leaf of
    every probe gets exactly the seed, 1 (the reverse pass hands a gradient on without any local
    derivative; only ``+`` passes); or every gradient is the right one times one factor c
    (c = 0: nothing reaches the leaves, ``seed``).
    """

    def passed(step: str) -> set[str]:
        return set(working) - {f.op for f in findings if f.step == step}

    composed = [f for f in findings if f.step == "error" and f.composed and f.op]
    if len({f.op for f in composed}) >= 2 and not set(working) - {f.op for f in composed}:
        return _composed_cause(composed)

    upstream = [f for f in findings if f.step == "upstream" and f.op]
    if len({f.op for f in upstream}) >= 2 and not passed("upstream"):
        found = _upstream_cause(upstream, preset)
        if found is not None:
            return found
    local = [f for f in findings if f.step == "local-derivative" and f.op and f.case]
    pairs = [(f, _leaf_pairs(f)) for f in local]
    pairs = [(f, p) for f, p in pairs if p]
    ops_seen = {f.op for f, _ in pairs}
    if len(ops_seen) < 2:
        return None
    if all(close(a, 1.0, **GRADING) for _, p in pairs for _, a in p):
        return _seed_passed_on(pairs, preset) if passed("local-derivative") <= {"add"} else None
    factor = _common_factor([x for _, p in pairs for x in p])
    if factor is None or passed("local-derivative"):
        return None
    return _factor_finding(factor, pairs, preset)


def _composed_cause(composed: Sequence[Finding]) -> Finding:
    """One finding for every op raising once another op is put on its output: the
    reverse pass cannot go through a composition at all."""
    first = composed[0]
    ops_named = ", ".join(sorted({f.op for f in composed if f.op}))
    return Finding(
        "error",
        f"every op works alone but raises once another op uses its result, whatever the op "
        f"({ops_named}): {first.message.split('. ')[0]}. The reverse pass must apply the "
        f"chain rule through every node of a graph",
        node=first.node,
        reproducer=first.reproducer,
        case=first.case,
        composed=True,
    )


def _upstream_cause(upstream: Sequence[Finding], preset: Preset) -> Finding | None:
    """One finding for every op's scaled probe wrong the same way: its leaves get 0 (the
    op was handled before the op put on its output passed a gradient down: ``order``)."""
    numbers = [
        (f.expected, f.actual)
        for f in upstream
        if isinstance(f.expected, float) and isinstance(f.actual, float)
    ]
    if len(numbers) < len(upstream):
        return None
    first = upstream[0]
    evidence: dict[str, Any] = dict(
        node=first.node,
        expected=first.expected,
        actual=first.actual,
        reproducer=first.reproducer,
        case=first.case,
        at=first.at,
    )
    ops_named = ", ".join(sorted({f.op for f in upstream if f.op}))
    if all(close(a, 0.0, **GRADING) for _, a in numbers):
        return Finding(
            "order",
            f"once another op uses an op's result, the op's inputs get no gradient, whatever "
            f"the op ({ops_named}): {_what_was_asked(first)}, your engine gives 0. Your "
            f"reverse pass handles a node before the node that uses it has passed its "
            f"gradient down: visit nodes in reverse topological order, each exactly once",
            **evidence,
        )
    # Ops dropping their upstream gradient the same way are not taken for the reverse
    # pass: ops sharing one implementation (``**`` for pow, pow_var and rpow; a helper of
    # the unary ops) do that, and their own code is where the fix goes.
    return None


def _what_was_asked(finding: Finding) -> str:
    """A finding's message up to what the engine gave (said again by the caller)."""
    return finding.message.split(", your engine gives")[0].split(":")[0]


def _leaf_pairs(finding: Finding) -> list[tuple[float, float]]:
    """``(expected, actual)`` gradient of each leaf of the probe a finding was made on."""
    case = finding.case
    if case is None:
        return []
    n = len(case["composition"]["inputs"])
    pairs = []
    for e, a in zip(case["expected"]["grads"][:n], case["actual"]["grads"][:n]):
        try:
            pairs.append((float(e), read(a, missing_is_zero=True)))
        except (NotANumber, TypeError, ValueError):
            return []
    return pairs


def _common_factor(pairs: list[tuple[float, float]]) -> float | None:
    usable = [(e, a) for e, a in pairs if abs(e) > 1e-3]
    if not usable:
        return None
    factor = usable[0][1] / usable[0][0]
    if close(factor, 1.0, **GRADING):
        return None
    if all(close(a, factor * e, **GRADING) for e, a in pairs):
        return factor
    return None


def _examples(pairs, limit: int = 3) -> str:
    shown = []
    for f, _ in pairs[:limit]:
        shown.append(f"{rule_is(f.rule, f.expected)}, your engine gives {number(f.actual)}")
    return "; ".join(shown)


def _seed_passed_on(pairs, preset: Preset) -> Finding:
    ops_named = ", ".join(sorted({f.op for f, _ in pairs}))
    first = pairs[0][0]
    return Finding(
        "local-derivative",
        f"every leaf gets exactly the seed, 1, whatever the op ({ops_named}): "
        f"{_examples(pairs)}. Your reverse pass hands each node's gradient on unchanged: "
        f"it must multiply it by the op's local derivative (call each node's own backward, "
        f"which does), so this is one bug in the reverse pass, not in each op",
        node=first.node,
        expected=first.expected,
        actual=first.actual,
        reproducer=first.reproducer,
        case=first.case,
        at=first.at,
    )


def _output_seeded(finding: Finding) -> bool:
    """Does the probe a finding was made on show its output's own gradient as 1 (the seed
    was set; an engine that keeps its inputs' gradients only shows none)?"""
    case = finding.case
    if case is None:
        return False
    out = len(case["composition"]["inputs"]) + len(case["composition"]["nodes"]) - 1
    grads = case["actual"]["grads"]
    try:
        return len(grads) > out and close(read(grads[out], missing_is_zero=False), 1.0, **GRADING)
    except NotANumber:
        return False


def _factor_finding(factor: float, pairs, preset: Preset) -> Finding:
    ops_named = ", ".join(sorted({f.op for f, _ in pairs}))
    first = pairs[0][0]
    evidence: dict[str, Any] = dict(
        node=first.node,
        expected=first.expected,
        actual=first.actual,
        reproducer=first.reproducer,
        case=first.case,
        at=first.at,
    )
    examples = _examples(pairs)
    if close(factor, 0.0, **GRADING) and all(_output_seeded(f) for f, _ in pairs):
        return Finding(
            "order",
            f"no gradient reaches any leaf, whatever the op ({ops_named}), though the output's "
            f"own gradient is 1: {examples}. The reverse pass never calls the backward of the "
            f"nodes below the output: look for a visited mark or set kept from an earlier "
            f"{preset.backward}() (keep it local to {preset.backward}()), or a topological "
            f"order that comes back empty",
            **evidence,
        )
    if close(factor, 0.0, **GRADING):
        return Finding(
            "seed",
            f"no gradient reaches any leaf, whatever the op ({ops_named}): {examples}. "
            f"{preset.backward}() must start the reverse pass from d(out)/d(out) = 1 and "
            f"call the backward of every node it reaches (a topological order that comes "
            f"back empty does neither)",
            **evidence,
        )
    c = number(factor)
    keeps_output = getattr(preset, "gradients", "all") != "inputs"
    if keeps_output and float(factor).is_integer() and factor >= 2:
        return Finding(
            "order",
            f"every gradient comes out {c} times the right one, whatever the op "
            f"({ops_named}): {examples}. The reverse pass runs each node's backward {c} "
            f"times: visit nodes in reverse topological order, each exactly once",
            **evidence,
        )
    if not keeps_output:
        return Finding(
            "seed",
            f"every gradient is {c} times the right one, whatever the op ({ops_named}): "
            f"{examples}. The reverse pass must start from d(out)/d(out) = 1 (and run each "
            f"node's backward once)",
            **evidence,
        )
    return Finding(
        "local-derivative",
        f"every gradient is {c} times the right one, whatever the op ({ops_named}): "
        f"{examples}. That is one factor in the reverse pass's shared code, not a bug in "
        f"each op",
        **evidence,
    )
