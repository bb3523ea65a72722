"""Diagnosis: compare a student's numbers with the oracles and name the first wrong step.

For one case (a composition at a point, plus an isolated and a scaled probe of every
node, see ``graders.engine.probes``) the checks run in this order, and the first that fails
is the finding:

1. ``error``/``missing``: the engine raised, crashed or lacks an op (the probes say which op);
2. ``forward``: the first node, in topological order, whose value is wrong;
3. ``seed``: the output's own gradient is not 1;
4. per node, in topological order, on its isolated probe: ``local-derivative`` (a leaf's
   gradient is not the op's derivative for that argument), then on its scaled probe:
   ``upstream`` (right with gradient 1 flowing in, wrong with gradient 3);
5. on the whole composition: the last node (closest to the output) whose gradient is
   wrong while all its consumers' gradients are right. Every op is right in isolation
   by now, so the machinery is to blame: ``accumulation`` when the gradient is a
   proper part of the sum of its contributions, otherwise ``order`` (a gradient was
   passed on before it was complete, or a node was processed twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from graders import ops
from graders.composition import Composition
from graders.engine.probes import UPSTREAM_SCALE, capability_probe, leaf_positions
from graders.engine.reproducer import reproducer
from graders.oracles import Reference
from graders.presets import Preset
from graders.results import Finding, at_text, number
from graders.tolerances import GRADING, close, grading


@dataclass(frozen=True)
class Run:
    """One composition at one point: the trusted reference (None if gated out) and the
    student's outcome as it came back from the worker."""

    composition: Composition
    point: tuple[float, ...]
    reference: Reference | None
    outcome: dict


@dataclass(frozen=True)
class Case:
    full: Run
    isolated: dict[int, Run]
    scaled: dict[int, Run]


class NotANumber(Exception):
    pass


def read(raw, *, missing_is_zero: bool) -> float:
    """A number from the worker's reply, type-checked: plain int/float only."""
    if raw is None and missing_is_zero:
        return 0.0
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise NotANumber(_describe(raw))
    return float(raw)


def _describe(raw) -> str:
    if isinstance(raw, dict) and "not_a_number" in raw:
        return f"a {str(raw['not_a_number'])[:60]} (not a number)"
    return "None" if raw is None else f"{type(raw).__name__} (not a number)"


class Diagnoser:
    def __init__(self, preset: Preset, module: str):
        self.preset = preset
        self.module = module

    def diagnose(self, case: Case) -> Finding | None:
        full = case.full
        if full.reference is None:
            return None
        if "error" in full.outcome:
            return self._error(case)
        return (
            self._forward(full) or self._seed(full) or self._probes(case) or self._gradients(case)
        )

    # --- helpers ---------------------------------------------------------------

    def _evidence(self, run: Run, checks: Sequence[tuple[int, str, float]]) -> dict:
        """A finding's reproducer and ``case`` (see ``Finding.case``): the run it was made
        on, the first of ``checks`` (node, "value" or "grad", expected) as its focus."""
        ref = run.reference
        focus = {"node": checks[0][0], "kind": checks[0][1]} if checks else None
        case = {
            "composition": run.composition.to_json(),
            "point": list(run.point),
            "expected": {"values": list(ref.values), "grads": list(ref.grads)} if ref else None,
            "actual": {
                "values": list(run.outcome.get("values", [])),
                "grads": list(run.outcome.get("grads", [])),
            },
            "focus": focus,
        }
        repro = reproducer(run.composition, run.point, self.preset, self.module, checks)
        return {"reproducer": repro, "case": case}

    def _actual(self, run: Run, kind: str, index: int) -> tuple[float | None, str]:
        """The student's value or gradient of a node, and how to show it."""
        raw = (
            run.outcome[kind + "s"][index]
            if len(run.outcome.get(kind + "s", [])) > index
            else "missing"
        )
        try:
            value = read(raw, missing_is_zero=(kind == "grad"))
        except NotANumber as e:
            return None, str(e)
        return value, number(value)

    def _wrong(
        self, run: Run, kind: str, index: int, expected: float, upstream: float = 1.0
    ) -> tuple[bool, str]:
        value, shown = self._actual(run, kind, index)
        return value is None or not close(value, expected, **grading(upstream)), shown

    # --- 1. errors -------------------------------------------------------------

    def _error(self, case: Case) -> Finding:
        for k in range(len(case.full.composition.inputs), case.full.composition.size):
            probe = case.isolated.get(k)
            if probe is not None and "error" in probe.outcome:
                op = case.full.composition.node(k).op
                return self.error_finding(probe, probe.outcome["error"], op)
        error = case.full.outcome["error"]
        return self.error_finding(case.full, error, error.get("op"))

    def error_finding(self, run: Run, error: dict, op: str | None) -> Finding:
        kind = str(error.get("kind", "error"))
        message = str(error.get("message", ""))[:500]
        step = "missing" if kind == "missing" else "error"
        if step == "missing" and op:
            example = capability_probe(op)[0]
            message = f"your engine cannot do {example.expression(example.output)}: {message}"
        return Finding(step, message, op=op, **self._evidence(run, []))

    # --- 2. forward, 3. seed -----------------------------------------------------------

    def _forward(self, run: Run) -> Finding | None:
        comp, ref = run.composition, run.reference
        for k in range(comp.size):
            wrong, shown = self._wrong(run, "value", k, ref.values[k])
            if not wrong:
                continue
            evidence = self._evidence(run, [(k, "value", ref.values[k])])
            if k < len(comp.inputs):
                return Finding(
                    "forward",
                    f"{self.preset.leaf}({run.point[k]!r}).{self.preset.value} should be "
                    f"{number(ref.values[k])}, your engine gives {shown}",
                    node=f"{comp.inputs[k]} = {self.preset.leaf}({run.point[k]!r})",
                    expected=ref.values[k],
                    actual=shown,
                    **evidence,
                )
            at = self._at(comp, ref, k)
            return Finding(
                "forward",
                f"{comp.line(k)} should be {number(ref.values[k])} at {at_text(at)}, "
                f"your engine gives {shown}",
                op=comp.node(k).op,
                node=comp.line(k),
                expected=ref.values[k],
                actual=self._number_or_text(run, "value", k),
                **evidence,
                at=at,
            )
        return None

    def _seed(self, run: Run) -> Finding | None:
        out = run.composition.output
        wrong, shown = self._wrong(run, "grad", out, 1.0)
        if not wrong:
            return None
        name = run.composition.all_names[out]
        return Finding(
            "seed",
            f"after {name}.{self.preset.backward}(), {name}.{self.preset.gradient} should be 1 "
            f"(d{name}/d{name}), your engine gives {shown}",
            node=run.composition.line(out),
            expected=1.0,
            actual=self._number_or_text(run, "grad", out),
            rule=f"d{name}/d{name} = 1",
            **self._evidence(run, [(out, "grad", 1.0)]),
        )

    # --- 4. probes: local derivatives and upstream ---------------------------------------

    def _probes(self, case: Case) -> Finding | None:
        comp = case.full.composition
        for k in range(len(comp.inputs), comp.size):
            finding = self._local(case, k) or self._upstream(case, k)
            if finding:
                return finding
        return None

    def _local(self, case: Case, k: int) -> Finding | None:
        probe = case.isolated.get(k)
        if probe is None or probe.reference is None:
            return None
        if "error" in probe.outcome:
            op = case.full.composition.node(k).op
            return self.error_finding(probe, probe.outcome["error"], op)
        found = self._forward(probe) or self._seed(probe)
        if found:
            return found
        comp = case.full.composition
        op = ops.get(comp.node(k).op)
        arg_texts = [comp.arg_text(a) for a in comp.node(k).args]
        for leaf, pos, expected, shown in self._wrong_leaves(probe, comp, k):
            at = self._at(comp, case.full.reference, k)
            rule = op.rule(pos, arg_texts)
            return Finding(
                "local-derivative",
                f"{rule} = {number(expected)} at {at_text(at)}, your engine gives {shown}",
                op=op.name,
                argument=pos,
                argument_name=op.arg_names[pos],
                node=comp.line(k),
                expected=expected,
                actual=self._number_or_text(probe, "grad", leaf),
                rule=rule,
                **self._evidence(probe, [(leaf, "grad", expected)]),
                at=at,
            )
        return None

    def _upstream(self, case: Case, k: int) -> Finding | None:
        probe = case.scaled.get(k)
        if probe is None or probe.reference is None or "error" in probe.outcome:
            return None
        # The op must multiply by whatever gradient the student's own `* 3` sent into it:
        # 3 if their `*` is right; if it is wrong, that is charged to mul on its own.
        upstream, _ = self._actual(probe, "grad", probe.composition.output - 1)
        if upstream is None:
            return None
        comp = case.full.composition
        op = ops.get(comp.node(k).op)
        arg_texts = [comp.arg_text(a) for a in comp.node(k).args]
        for leaf, pos in enumerate(leaf_positions(comp, k)):
            local = probe.reference.grads[leaf] / UPSTREAM_SCALE
            expected = upstream * local
            wrong, shown = self._wrong(probe, "grad", leaf, expected, upstream)
            if not wrong:
                continue
            name, arg = comp.all_names[k], comp.arg_text(comp.node(k).args[pos])
            return Finding(
                "upstream",
                f"with d{probe.composition.names[-1]}/d{name} = {number(upstream)} flowing into "
                f"{comp.line(k)}, d{probe.composition.names[-1]}/d{arg} should be "
                f"{number(upstream)} * {number(local)} = {number(expected)}, your engine gives "
                f"{shown}: {op.name}'s backward must multiply its local derivative by the "
                f"gradient flowing into it",
                op=op.name,
                node=comp.line(k),
                expected=expected,
                actual=self._number_or_text(probe, "grad", leaf),
                rule=f"d(out)/d{arg} = d(out)/d{name} * {op.rule(pos, arg_texts)}",
                **self._evidence(probe, [(leaf, "grad", expected)]),
                at=self._at(comp, case.full.reference, k),
            )
        return None

    def _wrong_leaves(self, probe: Run, comp: Composition, k: int):
        """``(leaf, argument position, expected, shown)`` for each probe leaf whose gradient
        is wrong (each leaf of a probe stands for one argument of node ``k``)."""
        for leaf, pos in enumerate(leaf_positions(comp, k)):
            expected = probe.reference.grads[leaf]
            wrong, shown = self._wrong(probe, "grad", leaf, expected)
            if wrong:
                yield leaf, pos, expected, shown

    # --- 5. the machinery --------------------------------------------------------------

    def _gradients(self, case: Case) -> Finding | None:
        run = case.full
        comp, ref = run.composition, run.reference
        wrong = [k for k in range(comp.size) if self._wrong(run, "grad", k, ref.grads[k])[0]]
        if not wrong:
            return None
        k = max(wrong)  # every consumer of the last wrong node has a larger index: all right
        actual, shown = self._actual(run, "grad", k)
        name = comp.all_names[k]
        uses = comp.consumers[k]
        # What both machinery findings say about node k.
        about = dict(
            node=comp.line(k) if k >= len(comp.inputs) else name,
            expected=ref.grads[k],
            actual=shown if actual is None else actual,
            **self._evidence(run, [(k, "grad", ref.grads[k])]),
        )
        contributions = self._contributions(case, k)
        if actual is not None and contributions and _partial_sum(actual, contributions):
            users = ", ".join(comp.line(u) for u in dict.fromkeys(u for u, _ in uses))
            return Finding(
                "accumulation",
                f"{name} is used {len(uses)} times ({users}); d(out)/d{name} must be the sum "
                f"of all {len(uses)} contributions, {number(ref.grads[k])}, your engine gives "
                f"{shown}, only part of them: add to .{self.preset.gradient} (+=), never "
                f"overwrite it (=)",
                rule=f"d(out)/d{name} = "
                + " + ".join(
                    f"d(out)/d{comp.all_names[u]} * d{comp.all_names[u]}/d{name}" for u, _ in uses
                ),
                **about,
            )
        users = ", ".join(comp.all_names[u] for u in dict.fromkeys(u for u, _ in uses))
        return Finding(
            "order",
            f"d(out)/d{name} should be {number(ref.grads[k])}, your engine gives {shown}, though "
            f"every op's derivative is right in isolation and {users} got the right gradient: "
            f"the reverse pass passed a gradient on before it was complete (visit nodes in "
            f"reverse topological order, each exactly once)",
            **about,
        )

    def _contributions(self, case: Case, k: int) -> list[float]:
        """d(out)/d(user) * d(user)/d(node) for each use of node ``k``, from the references."""
        comp, ref = case.full.composition, case.full.reference
        parts = []
        for user, pos in comp.consumers[k]:
            probe = case.isolated.get(user)
            if probe is None or probe.reference is None:
                return []
            leaf = leaf_positions(comp, user).index(pos)
            parts.append(ref.grads[user] * probe.reference.grads[leaf])
        return parts

    # --- small utilities ---------------------------------------------------------------

    def _at(self, comp: Composition, ref: Reference, k: int) -> dict[str, float]:
        return {comp.all_names[a]: ref.values[a] for _, a in comp.node(k).node_args()}

    def _number_or_text(self, run: Run, kind: str, index: int) -> float | str:
        value, shown = self._actual(run, kind, index)
        return shown if value is None else value


def _partial_sum(actual: float, contributions: list[float]) -> bool:
    """Is ``actual`` the sum of a proper, non-empty subset of the contributions?"""
    n = len(contributions)
    if n < 2:
        return False
    for size in range(1, n):
        for subset in combinations(contributions, size):
            if close(actual, sum(subset), **GRADING):
                return True
    return False
