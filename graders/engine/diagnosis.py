"""Diagnosis: compare a student's numbers with the oracles and name the wrong steps.

For one case (a composition at a point, plus an isolated and a scaled probe of every
node, see ``graders.model.probes``) the checks run in this order; the first layer that
finds anything gives the case's findings, one per identity (step, op, argument), so a
second bug of the same op (a dropped upstream beside a wrong denominator derivative) is
reported too:

1. ``error``/``missing``: the engine raised, crashed or lacks an op (the probes say which
   op, and the finding quotes the form that failed, as the student writes it; ``missing``
   only for an op asked for alone, whatever the worker called the error). A case that
   raised is tied to the node whose isolated probe raised, else whose scaled probe did,
   else to the op being built; otherwise to no op, ``composed`` when every node ran right
   alone (the reverse pass failed on the whole graph: ``Finding.composed``);
2. ``forward``: the first node, in topological order, whose value is wrong;
3. ``seed``: the output's own gradient is not 1 (where the engine keeps one);
4. per node, on its isolated probe: ``local-derivative`` for each argument whose leaf
   gradient is not the op's derivative; then on its scaled probe, ``upstream``: with a
   trusted gradient U flowing in (the scaler was checked on its own first), each leaf
   must get U times the engine's *own* local derivative, so a wrong rule is never
   charged twice and a dropped upstream is found beside it;
5. on the whole composition, the reverse pass. Every op is right in isolation by now.
   The engine's gradients are compared with what two kinds of broken reverse pass would
   produce on this graph (``reverse_pass.machinery_fits``): an *overwrite* (``=`` for ``+=``)
   keeps only some contributions to a node with several uses; a wrong *order* hands a
   node's gradient on before all its consumers were done, so only what it passes on is
   partial. ``accumulation`` is named only when an overwrite explains the numbers and no
   wrong order does (``x * x`` losing one of its two contributions); otherwise
   ``order``. So "use +=" is never said to an engine whose gradients are not partial
   sums. No verdict at all when some node's probe was discarded (no op is known right
   there), or when the engine's gradients follow by the chain rule from its *own* local
   derivatives, each measured alone at the engine's own argument values: then the
   reverse pass is right, and an op right alone only up to the tolerance (sigmoid's
   -3e-7 for 3e-7 far in its tail) is what the chain rule magnified.

Engines that keep gradients on their inputs only (``Preset.gradients == "inputs"``) are
diagnosed from those alone: values name ``forward``, the probes' leaves are inputs, the
gradient flowing into a scaled probe is the trusted one, and the reverse pass is judged
on the inputs' gradients. An unread gradient is never taken as 0 or as wrong.

``graders.engine.common_cause`` looks across ops: when the isolated probes of several ops
are wrong in one way no op explains (every leaf gets exactly the seed; every gradient off
by one factor), the reverse pass is blamed once instead of every op.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from graders.engine.reproducer import reproducer
from graders.engine.reverse_pass import chain_terms, machinery_fits, simulate
from graders.model import ops
from graders.model.composition import Composition
from graders.model.oracles import Reference, local_derivatives
from graders.model.probes import leaf_positions
from graders.node_source import write_node
from graders.presets import Preset
from graders.results import Finding, at_text, number, unique
from graders.tolerances import GRADING, close, grading, grading_sum
from graders.worker_numbers import NotANumber, read

#: A worker's outcome for one point (``sandbox.protocol.Outcome``, or one rebuilt from a
#: packed reply), read by key.
Outcome = Mapping[str, Any]


@dataclass(frozen=True)
class Run:
    """One composition at one point: the trusted reference (None if gated out) and the
    student's outcome as it came back from the worker."""

    composition: Composition
    point: tuple[float, ...]
    reference: Reference | None
    outcome: Outcome

    @property
    def trusted(self) -> Reference:
        """The reference of a run the gate kept (the only runs a finding is made on)."""
        if self.reference is None:
            raise ValueError("a run the gate discarded has no reference")
        return self.reference


@dataclass(frozen=True)
class Case:
    full: Run
    isolated: dict[int, Run]
    scaled: dict[int, Run]


class Diagnoser:
    def __init__(self, preset: Preset, module: str):
        self.preset = preset
        self.module = module
        #: Whose gradients the engine keeps: "all" nodes or its "inputs" only.
        self.gradients = getattr(preset, "gradients", "all")
        #: Whether the last ``order`` finding could as well have been an overwrite.
        self.tied = False

    def diagnose(self, case: Case) -> Finding | None:
        """The case's first finding (what a Hypothesis failure is named after), or None."""
        found = self.findings(case)
        return found[0] if found else None

    def findings(self, case: Case) -> list[Finding]:
        """Every finding of the first layer that finds anything, one per identity."""
        self.tied = False
        full = case.full
        if full.reference is None:
            return []
        if "error" in full.outcome:
            return [self._error(case)]
        first = self._forward(full) or self._seed(full)
        if first:
            return [first]
        return unique(self._probes(case)) or _listed(self._gradients(case))

    def right_alone(self, run: Run) -> bool:
        """Is a run right: no error, every value, every input's gradient? (A run the gate
        discards is no evidence either way: right.)"""
        if run.reference is None:
            return True
        if "error" in run.outcome:
            return False
        comp, ref = run.composition, run.reference
        values = any(self._wrong(run, "value", k, ref.values[k])[0] for k in range(comp.size))
        grads = any(self._wrong(run, "grad", k, ref.grads[k])[0] for k in range(len(comp.inputs)))
        return not (values or grads)

    def reads(self, run: Run, index: int) -> bool:
        """Does the engine keep a gradient for this node (all nodes, or inputs only)?"""
        return self.gradients != "inputs" or index < len(run.composition.inputs)

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
                "grads": self._all_grads(run),
            },
            "focus": focus,
            "api": self.preset.to_json(),
        }
        repro = reproducer(run.composition, run.point, self.preset, self.module, checks)
        return {"reproducer": repro, "case": case}

    def _all_grads(self, run: Run) -> list:
        """The student's gradients, one per node, None where the engine keeps none."""
        grads = list(run.outcome.get("grads", []))
        return grads + [None] * (run.composition.size - len(grads))

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

    def _close_sum(self, run: Run, k: int, expected: float, terms: float) -> bool:
        value, _ = self._actual(run, "grad", k)
        return value is not None and close(value, expected, **grading_sum(terms))

    def _text(self, comp: Composition, k: int) -> str:
        """Node ``k`` as the student writes it: ``b = a.exp()`` under a method API."""
        return f"{comp.all_names[k]} = {write_node(comp, k, self.preset)}"

    # --- 1. errors -------------------------------------------------------------

    def _error(self, case: Case) -> Finding:
        """The finding for a case that raised, tied to the op it can be tied to: a node whose
        isolated probe raised too, then one whose scaled probe raised (``composed``), then
        the op the engine was building when it raised, if the case has that op. Otherwise
        no op: ``composed`` when every node ran right alone and under the scaler (the
        reverse pass failed on the whole graph)."""
        comp = case.full.composition
        nodes = range(len(comp.inputs), comp.size)
        for k in nodes:
            probe = case.isolated.get(k)
            if probe is not None and "error" in probe.outcome:
                return self.error_finding(probe, probe.outcome["error"], comp.node(k).op)
        for k in nodes:
            scaled = self._scaled_error(case, k)
            if scaled is not None:
                return scaled
        error = case.full.outcome["error"]
        op = error.get("op")
        if op in {comp.node(k).op for k in nodes}:
            return self.error_finding(case.full, error, op)
        probes = [case.isolated.get(k) for k in nodes]
        probes += [case.scaled.get(k) for k in nodes] if case.scaled else []
        ran_alone = all(p is not None and "error" not in p.outcome for p in probes)
        return replace(self.error_finding(case.full, error, None), composed=ran_alone)

    def _scaled_error(self, case: Case, k: int) -> Finding | None:
        """``error`` for node ``k`` when its op ran right alone but raised with the scaler
        on its output: the op's backward fails under a gradient other than 1, so its
        upstream step cannot be checked (the scaler was checked alone first)."""
        probe = case.scaled.get(k)
        if probe is None or probe.reference is None or "error" not in probe.outcome:
            return None  # a point the gate discards is never charged
        op = case.full.composition.node(k).op
        finding = self.error_finding(probe, probe.outcome["error"], op)
        comp = probe.composition
        raised = str(probe.outcome["error"].get("message", ""))[:500]
        message = (
            f"{self._text(comp, comp.size - 2)} works alone, but with "
            f"{self._text(comp, comp.size - 1)} on its output your engine raised: {raised}. "
            f"{op}'s backward must take any gradient flowing into it, and the reverse pass "
            f"must go on through every op"
        )
        return replace(finding, step="error", message=message, composed=True)

    def error_finding(
        self, run: Run, error: Mapping[str, Any], op: str | None, *, missing: bool | None = None
    ) -> Finding:
        """``missing`` or ``error`` for what the engine raised; about an op, it quotes the
        node that failed as the student writes it (``x + 2``, not ``x + y``).

        What is missing is the grader's call, not the reply's: an op asked for alone (the
        run is that one node) that the engine could not build; ``missing`` overrides
        that (True when no op could be built at all: no leaf constructor, no backward).
        Anything else the engine raised is an ``error``."""
        kind = str(error.get("kind", "error"))
        message = str(error.get("message", ""))[:500]
        comp = run.composition
        alone = op is not None and comp.size - len(comp.inputs) == 1 and comp.nodes[0].op == op
        if missing is None:
            missing = kind == "missing" and alone
        step = "missing" if missing else "error"
        at = [k for k in range(len(comp.inputs), comp.size) if comp.node(k).op == op]
        node = write_node(comp, at[0], self.preset) if at else None
        if node and step == "missing":
            message = f"your engine cannot do {node}: {message}"
        elif node:
            message = f"{node} raised: {message}"
        focus = [(at[0], "value", run.reference.values[at[0]])] if at and run.reference else []
        evidence = self._evidence(run, focus)
        # Its kind (``error``: the student's code raised; ``crash``, ``timeout``): ``where``
        # runs a raise again to find its line, never a case that crashed or hung the worker.
        evidence["case"]["error"] = kind
        return Finding(
            step,
            message,
            op=op,
            node=self._text(comp, at[0]) if at else None,
            **evidence,
        )

    # --- 2. forward, 3. seed -----------------------------------------------------------

    def _forward(self, run: Run) -> Finding | None:
        comp, ref = run.composition, run.trusted
        own = None
        for k in range(comp.size):
            wrong, shown = self._wrong(run, "value", k, ref.values[k])
            if not wrong:
                continue
            own = own or self._own_reference(run)
            if own is not None and not self._wrong(run, "value", k, own.values[k])[0]:
                continue  # right from its own arguments: an error within tolerance upstream
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
                f"{self._text(comp, k)} should be {number(ref.values[k])} at {at_text(at)}, "
                f"your engine gives {shown}",
                op=comp.node(k).op,
                node=self._text(comp, k),
                expected=ref.values[k],
                actual=self._number_or_text(run, "value", k),
                **evidence,
                at=at,
            )
        return None

    def _seed(self, run: Run) -> Finding | None:
        out = run.composition.output
        if not self.reads(run, out):
            return None  # judged across ops instead (common_cause)
        wrong, shown = self._wrong(run, "grad", out, 1.0)
        if not wrong:
            return None
        name = run.composition.all_names[out]
        return Finding(
            "seed",
            f"after {name}.{self.preset.backward}(), {name}.{self.preset.gradient} should be 1 "
            f"(d{name}/d{name}), your engine gives {shown}{self._seed_hint(run)}",
            node=self._text(run.composition, out),
            expected=1.0,
            actual=self._number_or_text(run, "grad", out),
            rule=f"d{name}/d{name} = 1",
            **self._evidence(run, [(out, "grad", 1.0)]),
        )

    def _seed_hint(self, run: Run) -> str:
        """For an output gradient never set: the API of an engine seeded by its caller."""
        value, _ = self._actual(run, "grad", run.composition.output)
        if self.preset.seed != "auto" or value not in (None, 0.0):
            return ""
        out = f"out.{self.preset.gradient_attribute} = 1"
        return (
            f". If your engine leaves the seed to its caller ({out} before "
            f"{self.preset.backward}()), grade it with "
            f"--api '{self.preset.option(seed='attribute')}'"
        )

    # --- 4. probes: local derivatives and upstream ---------------------------------------

    def _probes(self, case: Case) -> list[Finding]:
        comp = case.full.composition
        found: list[Finding] = []
        for k in range(len(comp.inputs), comp.size):
            local = self._local(case, k)
            found += local
            if not any(f.step in ("error", "missing", "forward", "seed") for f in local):
                found += _listed(self._scaled_error(case, k) or self._upstream(case, k))
        return found

    def _local(self, case: Case, k: int) -> list[Finding]:
        probe = case.isolated.get(k)
        if probe is None or probe.reference is None:
            return []
        if "error" in probe.outcome:
            op = case.full.composition.node(k).op
            return [self.error_finding(probe, probe.outcome["error"], op)]
        found = self._forward(probe) or self._seed(probe)
        if found:
            return [found]
        comp = case.full.composition
        op = ops.get(comp.node(k).op)
        arg_texts = [comp.arg_text(a) for a in comp.node(k).args]
        findings = []
        for leaf, pos, expected, shown in self._wrong_leaves(probe, comp, k):
            at = self._at(comp, case.full.trusted, k)
            rule = op.rule(pos, arg_texts)
            findings.append(
                Finding(
                    "local-derivative",
                    f"{rule_is(rule, expected)} at {at_text(at)}, your engine gives {shown}",
                    op=op.name,
                    argument=pos,
                    argument_name=op.arg_names[pos],
                    node=self._text(comp, k),
                    expected=expected,
                    actual=self._number_or_text(probe, "grad", leaf),
                    rule=rule,
                    **self._evidence(probe, [(leaf, "grad", expected)]),
                    at=at,
                )
            )
        return findings

    def _upstream(self, case: Case, k: int) -> Finding | None:
        """With a trusted gradient U flowing into node ``k`` (its scaled probe), each leaf
        must get U times the engine's own local derivative (from the isolated probe)."""
        probe, alone = case.scaled.get(k), case.isolated.get(k)
        if probe is None or probe.reference is None or "error" in probe.outcome:
            return None
        if alone is None or "error" in alone.outcome:
            return None
        top = len(probe.composition.inputs)  # the op's own node in the scaled probe
        upstream = probe.reference.grads[top]
        if self.reads(probe, top) and self._wrong(probe, "grad", top, upstream)[0]:
            return None  # the scaler did not send the trusted gradient in here: no verdict
        comp = case.full.composition
        op = ops.get(comp.node(k).op)
        arg_texts = [comp.arg_text(a) for a in comp.node(k).args]
        for leaf, pos in enumerate(leaf_positions(comp, k)):
            own, _ = self._actual(alone, "grad", leaf)
            if own is None:
                continue
            right = alone.trusted.grads[leaf]
            expected = upstream * own
            wrong, shown = self._wrong(probe, "grad", leaf, expected, upstream)
            if not wrong:
                continue
            name, arg = comp.all_names[k], comp.arg_text(comp.node(k).args[pos])
            out = probe.composition.names[-1]
            local = (
                number(own)
                if close(own, right, **GRADING)
                else f"(your own d{name}/d{arg}, {number(own)})"
            )
            return Finding(
                "upstream",
                f"with d{out}/d{name} = {number(upstream)} flowing into {self._text(comp, k)}, "
                f"d{out}/d{arg} should be {number(upstream)} * {local} = {number(expected)}, "
                f"your engine gives {shown}: {op.name}'s backward must multiply its local "
                f"derivative by the gradient flowing into it",
                op=op.name,
                node=self._text(comp, k),
                expected=expected,
                actual=self._number_or_text(probe, "grad", leaf),
                rule=f"d(out)/d{arg} = d(out)/d{name} * {op.rule(pos, arg_texts)}",
                **self._evidence(probe, [(leaf, "grad", expected)]),
                at=self._at(comp, case.full.trusted, k),
            )
        return None

    def _wrong_leaves(self, probe: Run, comp: Composition, k: int):
        """``(leaf, argument position, expected, shown)`` for each probe leaf whose gradient
        is wrong (each leaf of a probe stands for one argument of node ``k``)."""
        for leaf, pos in enumerate(leaf_positions(comp, k)):
            expected = probe.trusted.grads[leaf]
            wrong, shown = self._wrong(probe, "grad", leaf, expected)
            if wrong:
                yield leaf, pos, expected, shown

    # --- 5. the machinery --------------------------------------------------------------

    def _gradients(self, case: Case) -> Finding | None:
        run = case.full
        comp, ref = run.composition, run.trusted
        read_nodes = [k for k in range(comp.size) if self.reads(run, k)]
        wrong = [k for k in read_nodes if self._wrong(run, "grad", k, ref.grads[k])[0]]
        own = self._own_reference(run) if wrong else None
        if own is not None:  # right at the engine's own values (an epsilon guard upstream)
            wrong = [k for k in wrong if self._wrong(run, "grad", k, own.grads[k])[0]]
        if not wrong:
            return None
        # The reverse pass is blamed only when every op of the case is known right at these
        # very argument values (the engine's own: see ``jobs.plan``): a probe the gate
        # discarded vouches for nothing, so there is no verdict on this case.
        locals_ = self._locals(case)
        if locals_ is None:
            return None
        terms = chain_terms(comp, locals_)  # right up to the rounding of the terms it sums
        wrong = [k for k in wrong if not self._close_sum(run, k, ref.grads[k], terms[k])]
        if not wrong or self._own_chain_rule(case, terms):
            return None
        k = max(wrong)  # in "all" mode every consumer of it has a larger index: all right
        actual, shown = self._actual(run, "grad", k)
        name = comp.all_names[k]
        about: dict[str, Any] = dict(
            node=self._text(comp, k) if k >= len(comp.inputs) else name,
            expected=ref.grads[k],
            actual=shown if actual is None else actual,
            **self._evidence(run, [(k, "grad", ref.grads[k])]),
        )
        locals_ = self._locals(case)
        read = {j: self._actual(run, "grad", j)[0] for j in read_nodes}
        observed = {j: v for j, v in read.items() if v is not None}
        overwritten = None
        if locals_ is not None and len(observed) == len(read):
            overwritten, self.tied = machinery_fits(comp, locals_, observed)
        if overwritten is not None:
            j = overwritten
            shared = comp.all_names[j]
            uses = comp.consumers[j]
            users = ", ".join(self._text(comp, u) for u in dict.fromkeys(u for u, _ in uses))
            full = ref.grads[j]
            return Finding(
                "accumulation",
                f"{shared} is used {len(uses)} times ({users}); d(out)/d{shared} must be the "
                f"sum of all {len(uses)} contributions, {number(full)}, but your engine "
                f"keeps only part of them (d(out)/d{name} should be {number(ref.grads[k])}, "
                f"your engine gives {shown}): add to .{self.preset.gradient_attribute} (+=), never "
                f"overwrite it (=)",
                rule=f"d(out)/d{shared} = "
                + " + ".join(
                    f"d(out)/d{comp.all_names[u]} * d{comp.all_names[u]}/d{shared}" for u, _ in uses
                ),
                **about,
            )
        checked = "every op's derivative is right in isolation"
        if self.gradients != "inputs":
            uses = comp.consumers[k]
            users = ", ".join(comp.all_names[u] for u in dict.fromkeys(u for u, _ in uses))
            checked += f" and {users} got the right gradient"
        return Finding(
            "order",
            f"d(out)/d{name} should be {number(ref.grads[k])}, your engine gives {shown}, though "
            f"{checked}: the reverse pass passed a gradient on before it was complete (visit "
            f"nodes in reverse topological order, each exactly once)",
            **about,
        )

    def _own_reference(self, run: Run) -> Reference | None:
        """Trusted numbers at the engine's own values: each node's op applied to the values
        the engine gave its arguments, and the chain rule over the local derivatives there.

        A correct engine whose values differ from MyGrad's within the tolerance (an epsilon
        guard, ``log(x + 1e-6)``) may see that difference grow downstream (``log(x) * 10``
        near x = 1); judged at its own values, no op is charged for another's rounding."""
        comp = run.composition
        read = [self._actual(run, "value", k)[0] for k in range(comp.size)]
        values = [v for v in read if v is not None and math.isfinite(v)]
        if len(values) < len(read):
            return None
        try:
            outputs, locals_ = local_derivatives(comp, values)
        except (ArithmeticError, ValueError):
            return None
        own_values = [*values[: len(comp.inputs)], *outputs]
        grads = simulate(comp, locals_, {}, keep_all=False)
        if not all(math.isfinite(v) for v in own_values + grads):
            return None
        return Reference(tuple(own_values), tuple(grads))

    def _own_chain_rule(self, case: Case, terms: list[float]) -> bool:
        """Do the engine's gradients follow from its *own* local derivatives (each node's
        isolated probe, at the engine's own argument values) by the chain rule? Then its
        reverse pass is right, and what is wrong is some op's derivative, right alone up to
        the tolerance but not once the chain rule multiplies it (sigmoid's derivative
        -3e-7 for 3e-7 far in its tail, under exp): that op's own checks charge it."""
        comp = case.full.composition
        own = {}
        for user in range(len(comp.inputs), comp.size):
            probe = case.isolated[user]
            for leaf, pos in enumerate(leaf_positions(comp, user)):
                value, _ = self._actual(probe, "grad", leaf)
                if value is None or not math.isfinite(value):
                    return False
                own[(user, pos)] = value
        chained = simulate(comp, own, {}, keep_all=False)
        run = case.full
        return all(
            self._close_sum(run, k, chained[k], terms[k])
            for k in range(comp.size)
            if self.reads(run, k)
        )

    def _locals(self, case: Case) -> dict[tuple[int, int], float] | None:
        """The trusted local derivative of every use ``(consumer, position)``."""
        comp = case.full.composition
        found = {}
        for user in range(len(comp.inputs), comp.size):
            probe = case.isolated.get(user)
            if probe is None or probe.reference is None:
                return None
            for leaf, pos in enumerate(leaf_positions(comp, user)):
                found[(user, pos)] = probe.reference.grads[leaf]
        return found

    # --- small utilities ---------------------------------------------------------------

    def _at(self, comp: Composition, ref: Reference, k: int) -> dict[str, float]:
        return {comp.all_names[a]: ref.values[a] for _, a in comp.node(k).node_args()}

    def _number_or_text(self, run: Run, kind: str, index: int) -> float | str:
        value, shown = self._actual(run, kind, index)
        return shown if value is None else value


def _listed(finding: Finding | None) -> list[Finding]:
    return [] if finding is None else [finding]


def rule_is(rule: str, value: float) -> str:
    """``rule = value``, the value said once where the rule already ends in it
    (``d/dy (x - y) = -1``, not ``d/dy (x - y) = -1 = -1``)."""
    shown = number(value)
    return rule if rule.rpartition(" = ")[2] == shown else f"{rule} = {shown}"
