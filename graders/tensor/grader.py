"""The tensor grader: one part of a ``tensor`` assignment, on a worker of its own.

1. The projection every case ends in, ``loss = sum(a * w)``, on a leaf alone
   (``projection``): if the engine gets its gradient wrong (a seed that is not 1, a broken
   ``sum`` or ``*``), no other gradient can be read, and the part stops there with that
   one finding.
2. Each op of the part alone: a Hypothesis search over one-op compositions of it (shapes
   from ``hypothesis.extra.numpy``, broadcasting included, shrunk to the smallest case),
   then the op's fixed cases (``probes.fixed_cases``: sides 2, 3, 4, every kind of axis,
   square matmuls first; all in one round trip), every finding of both kept. An op found
   wrong is charged and left out of what follows. A node whose backward *raised* is
   charged to the step its op's backward gets wrong (``diagnosis.backward_raised``:
   numpy's "non-broadcastable output operand" is a gradient not summed back), not to
   ``error``.
3. The reverse-pass part first runs small fixed graphs with reused nodes
   (``probes.machinery_cases``) built from every op the engine has, charged ones included:
   there the whole graph's gradients are compared with what the chain rule gives from the
   engine's *own* local derivatives, each measured on its node alone
   (``diagnosis.local_chain``), so a wrong op never hides the reverse pass, nor is blamed
   on it.
4. A Hypothesis search over compositions of the ops not yet charged (the reverse-pass
   part: of every op the engine has). Each example is the composition at a few points,
   and (op parts) every node isolated under a non-uniform upstream gradient
   (``diagnosis.isolated``). The search's examples are drawn first and run a few
   compositions per worker round trip (``drawn_first``); only when one gives a finding
   does the search run again, one example per round trip, to shrink it (it draws the
   same examples, so it finds what it always found). The trusted process computes both
   oracles and the gate on the points stacked (``stacked``; the isolated nodes' while the
   worker runs), diagnoses, and raises a failure whose class is the finding's identity
   (step, op, argument), so Hypothesis shrinks each bug on its own, toward small shapes
   and few ops.
   A gradient that is wrong in the whole graph while every node is right alone is the
   reverse pass's only if the chain rule over the engine's own local derivatives does not
   explain it.
5. Score: an op part earns the share of its ops with no finding; the machinery part
   (``machinery = true``) earns nothing once a seed, accumulation or order finding is
   made, or when no composition with a shared node could be built. An error no op explains
   (a ``backward()`` that raises on a composition, a reply that says something is missing
   without naming an op the grader asked for) costs the whole part it happens in: what is
   missing is decided from what was asked, never from the label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import cast

import numpy as np

from graders.assignment import Part
from graders.grading import BaseGrader, reverse_pass_untested
from graders.model import array_ops as ops
from graders.model.array_composition import ArrayComposition
from graders.model.array_oracles import reference
from graders.presets import Preset
from graders.results import MACHINERY_STEPS, Finding, PartResult, unique
from graders.sandbox.protocol import Job, JobArrayComposition, Outcome
from graders.tensor import projection, syntax
from graders.tensor import where as places
from graders.tensor.diagnosis import (
    array,
    close,
    explain,
    local_chain,
    reverse_pass_verdict,
)
from graders.tensor.drawn_first import drawn, in_trips
from graders.tensor.findings import Findings
from graders.tensor.probes import fixed_cases, machinery_cases
from graders.tensor.ready import ReadyCase, count_example, ready
from graders.tensor.reproducer import write as reproducer
from graders.tensor.syntax import write
from strategies.arrays import array_compositions, array_points

#: Share of the assignment's examples each op gets alone (at least ``_MIN_ALONE``).
_ALONE_SHARE = 0.5
_MIN_ALONE = 8


class TensorGrader(BaseGrader):
    """Grades an array autodiff engine (assignments of kind ``tensor``), one part at a time."""

    policy_advice = "compute the gradients with your own engine"
    on_arrays = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Cases the gate discarded and cases checked, for the benchmarks.
        self.discarded = 0
        self.checked = 0
        #: The ops charged so far in the part being graded.
        self._charged: frozenset[str] = frozenset()

    @property
    def preset(self) -> Preset:
        preset = self.runner.preset
        if not isinstance(preset, Preset):  # a started worker has found the API, if auto
            raise RuntimeError(f"the worker started without an API: {preset!r}")
        return preset

    @property
    def findings(self) -> Findings:
        """How this grading writes a finding (its reproducers import the student's module)."""
        return Findings(self.preset, self.runner.module_name)

    def grade_part(self, part: Part) -> PartResult:
        names = part.ops
        result = PartResult(part, 0.0)
        broken = self._check_projection()
        if broken is not None:
            result.findings = [broken]
            return result
        charged: dict[str, Finding] = {}
        self._charged = frozenset()
        alone = max(_MIN_ALONE, int(self.examples * _ALONE_SHARE))
        if part.machinery:  # its ops' own parts check them: a screen is enough here
            alone = _MIN_ALONE // 2
        for name in names:
            found = self._run(
                part,
                [name],
                min_ops=1,
                max_ops=1,
                sharing=0.0,
                examples=alone,
                label=f"{part.name}/{name}",
            )
            found = _most_specific(unique(found + self._fixed(name)))
            result.findings = unique(result.findings + found)
            for finding in found:
                charged.setdefault(finding.op or name, finding)
            if any(f.stops_everything for f in found):
                return self._scored(result, charged)
        available = [n for n in names if n not in charged]
        if part.machinery:
            # The reverse pass is judged on every op the engine has, charged ones included.
            self._charged = frozenset(charged)
            available = [n for n in names if charged.get(n) is None or _has_op(charged[n])]
            cases = [(c, [p]) for c, p in machinery_cases(available, **self.preset.conventions())]
            result.examples += len(cases)
            result.shared_examples += len(cases)
            finding = self.check_cases(cases, reverse_pass=True)
            if finding is not None:
                result.findings.append(finding)

        def search(names_: list[str]) -> list[Finding]:
            return self._run(
                part,
                names_,
                min_ops=part.min_ops,
                max_ops=part.max_ops,
                sharing=part.sharing,
                examples=self.examples,
                label=part.name,
                result=result,
                reverse_pass=part.machinery,
            )

        self.search_ops(result, available, search)
        return self._scored(result, charged)

    def _scored(self, result: PartResult, charged: dict[str, Finding]) -> PartResult:
        """The part's score (``BaseGrader.score``): an op part is charged the ops its
        findings name; the reverse-pass part is broken by a seed, accumulation or order
        finding, or when no composition with a shared node was checked. A fatal finding
        (a crash, a hang, time) leaves nothing earned."""
        fatal = any(f.stops_everything for f in result.findings)
        reverse_pass = any(f.step in MACHINERY_STEPS for f in result.findings)
        if result.part.machinery:
            result.findings = [
                f for f in result.findings if f.step in MACHINERY_STEPS or f.op is None
            ]
            untested = reverse_pass_untested(result)
            self.score(result, charged=(), broken=reverse_pass or fatal or untested)
        else:
            named = {f.op for f in result.findings if f.op is not None} | set(charged)
            self.score(result, charged=named, broken=fatal or reverse_pass)
        return result

    def located(self, findings: list[Finding]) -> list[Finding]:
        """Each finding's place in the student's code (``graders.tensor.where``)."""
        return places.locate(self, findings)

    def _fixed(self, name: str) -> list[Finding]:
        """The first finding of ``name``'s fixed cases (``probes.fixed_cases``), if any."""
        cases = fixed_cases(name, **self.preset.conventions())
        finding = self.check_cases([(composition, [point]) for composition, point in cases])
        return [] if finding is None else [finding]

    # --- the projection -------------------------------------------------------------------

    def _check_projection(self) -> Finding | None:
        """``loss = sum(a * w)`` on a leaf (``projection``): the finding that stops the
        part, or None."""
        composition, point = projection.CASE
        outcome = self._request([projection.CASE])[0]
        error = outcome.get("error")
        if error:
            source = syntax.source(composition, self.preset).replace("\n", "; ")
            found = self.findings.error(error, composition, where=f"`{source}`")
            return dataclasses.replace(found, message=found.message + projection.FIRST)
        found = reference(composition, point)
        if found is None:  # a fixed case of plain numbers: the gate always keeps it
            raise RuntimeError("the oracles disagree on the projection's own case")
        shown = {"a": found.grads[0]}
        return projection.finding(
            outcome,
            self.preset,
            lambda: reproducer(composition, point, self.preset, self.runner.module_name, shown),
        )

    # --- searching --------------------------------------------------------------------------

    def _run(
        self,
        part: Part,
        names: list[str],
        *,
        min_ops: int,
        max_ops: int,
        sharing: float,
        examples: int,
        label: str,
        result: PartResult | None = None,
        reverse_pass: bool = False,
    ) -> list[Finding]:
        """One Hypothesis run over compositions of ``names``: the findings it raised.
        ``reverse_pass``: the reverse-pass part's search (``check_case``); its screen of
        each op alone judges the op's node alone, as its fixed cases do, so an op whose
        backward raises there is charged to that op, never to the reverse pass."""
        strategy = array_compositions(
            names,
            min_ops=min_ops,
            max_ops=max_ops,
            sharing=sharing,
            **self.preset.conventions(),
        )

        def draw(data) -> tuple[ArrayComposition, list]:
            composition = data.draw(strategy, label="composition")
            case_points = [
                data.draw(array_points(composition), label="point")
                for _ in range(self.assignment.inputs_per_case)
            ]
            return composition, case_points

        def judge(case: tuple[ArrayComposition, list]) -> Finding | None:
            count_example(result, case[0])
            return self.check_case(*case, reverse_pass=reverse_pass)

        if self._all_right(draw, label, examples, result, reverse_pass):
            return []
        return self.search_findings(
            label, draw, judge, stops=lambda f: f.stops_everything, examples=examples
        )

    def _all_right(self, draw, label, examples, result, reverse_pass) -> bool:
        """Whether every example the search would judge is right, checked a few per round
        trip (``drawn_first``): then they count as judged, and the search need not run."""
        cases = drawn(draw, seed=self.seed, label=label, examples=examples)
        pending: list[ReadyCase] = []
        for trip in in_trips(cases):
            if self.check_cases(trip, reverse_pass, pending=pending) is not None:
                return False  # the search runs, and counts what it judges itself
        self._count(pending)
        for composition, _ in cases:
            count_example(result, composition)
        return True

    # --- one case ---------------------------------------------------------------------------

    def check_case(
        self, composition: ArrayComposition, case_points: list, reverse_pass: bool = False
    ) -> Finding | None:
        """Run one composition at some points, and every node alone (one round trip): the
        first finding, or None. ``reverse_pass``: the reverse-pass part, which leaves the
        ops to their parts and runs the composition only."""
        return self.check_cases([(composition, case_points)], reverse_pass)

    def check_cases(
        self, cases: list, reverse_pass: bool = False, pending: list | None = None
    ) -> Finding | None:
        """``(composition, points)`` cases in one round trip: the first finding, in their
        order. The oracles take each composition's points stacked (``stacked``); the
        isolated nodes' references are worked out while the worker runs. A case that
        stopped the worker stops those after it too: then each runs again on its own, so
        the finding is the one that case alone gives. ``pending``: where the cases go
        instead of being counted and recorded at once (``_all_right`` counts them once
        all are right)."""
        late = self.out_of_time()
        if late is not None:
            return late
        prepared = [ready(composition, points, reverse_pass) for composition, points in cases]
        if pending is None:
            self._count(prepared)
        else:
            pending.extend(prepared)
        prepared = [case for case in prepared if case.kept]
        if not prepared:
            return None
        plan = [job for case in prepared for job in case.plan]
        outcomes = self._request(plan, meanwhile=lambda: [c.probe_references() for c in prepared])
        if self.runner.violations:
            return self.policy_finding(self.runner.violations)
        if len(prepared) > 1 and any(_stopped(o) for o in outcomes):
            for case in prepared:
                alone = self._request(case.plan)
                if self.runner.violations:
                    return self.policy_finding(self.runner.violations)
                finding = self._judge(case, alone, reverse_pass)
                if finding is not None:
                    return finding
            return None
        for case in prepared:
            finding = self._judge(case, outcomes[: len(case.plan)], reverse_pass)
            outcomes = outcomes[len(case.plan) :]
            if finding is not None:
                return finding
        return None

    def _count(self, cases: list[ReadyCase]) -> None:
        """Count the points drawn and discarded, and add each case the gate kept points
        of to the part's digest."""
        for case in cases:
            self.checked += case.drawn
            self.discarded += case.drawn - len(case.kept)
            if case.kept:
                self.record_case(case.text)

    def _judge(self, case: ReadyCase, outcomes: list, reverse_pass: bool) -> Finding | None:
        replies = iter(outcomes)
        expected = case.probe_references()
        for i, (point, found) in enumerate(case.kept):
            whole = next(replies)
            for k, probes in case.probes.items():
                probe, probe_point = probes[i]
                finding = self._judge_alone(probe, probe_point, next(replies), expected[k][i])
                if finding is not None:
                    return finding
            finding = self._judge_whole(case.composition, point, found, whole, reverse_pass)
            if finding is not None:
                return finding
        return None

    def _request(self, plan, meanwhile=None) -> list[Outcome]:
        """Each ``(composition, point[, w])`` run by the engine (``w``: the upstream
        gradient its loss gives the output, the composition's own by default);
        ``meanwhile``: work for this process while the worker runs (``Runner.run``)."""
        # to_json() writes the protocol's form (the model layer cannot name the protocol)
        jobs: list[Job] = [
            {
                "array_composition": cast(JobArrayComposition, job[0].to_json()),
                "points": [_flat(*job)],
            }
            for job in plan
        ]
        return [job[0] for job in self.runner.run(jobs, meanwhile)]

    def _judge_alone(self, probe: ArrayComposition, point, outcome, expected) -> Finding | None:
        """One node built alone on fresh leaves, under the upstream gradient ``w``
        (``expected``: the oracles' numbers, None where the gate discarded the case)."""
        k = len(probe.inputs)  # the op's node
        node = probe.node(k)
        op = ops.get(node.op)
        names = [probe.name(a) for a in node.args]
        text = f"{probe.name(k)} = {write(node.op, names, node.p, self.preset)}"
        error = outcome.get("error")
        if error:
            return self.findings.error(error, probe, where=f"`{text}`", op=node.op, point=point)
        if expected is None:  # the gate discarded the isolated case (a rounding made a tie)
            return None
        values = [array(v) for v in outcome["values"]]
        value, wanted = values[k], np.asarray(expected.values[k])
        if not (isinstance(value, np.ndarray) and close(value, wanted)):
            return self.findings.wrong_value(
                probe, point, k=k, text=text, value=value, wanted=wanted
            )
        grads = [array(g) for g in outcome["grads"]]
        arrays = [np.asarray(expected.values[a]) for a in node.args]
        upstream = expected.grads[k]
        for position, a in enumerate(node.args):
            if a in node.args[:position]:
                continue  # x * x: one leaf, one gradient (judged at its first position)
            actual = grads[a] if a < len(grads) else None
            wanted = expected.grads[a]
            arg = probe.name(a)
            holds = False  # True: not an array of gradients (what it holds is said, no rule)
            if node.args.count(a) > 1:  # both positions feed one leaf
                if isinstance(actual, np.ndarray) and close(actual, wanted):
                    continue
                step, said, axes = (
                    "local-derivative",
                    f"{text}: the gradient of {arg} is wrong",
                    None,
                )
            elif actual is None or isinstance(actual, str):
                holds = True
                step = "local-derivative" if actual is None else "error"
                actual = "no gradient" if actual is None else actual
                said = (
                    f"after {text} and loss.{self.preset.backward}(), {arg} holds {actual}, "
                    "not an array of its gradients"
                )
                axes = None
            else:
                verdict = explain(
                    node.op,
                    node.p,
                    arrays,
                    upstream,
                    i=position,
                    actual=actual,
                    expected=wanted,
                    arg=arg,
                    names=names,
                )
                if verdict is None:
                    continue
                step, said, axes = verdict.step, f"{text}: {verdict.message}", verdict.axes
            return self.findings.finding(
                step,
                said,
                composition=probe,
                point=point,
                op=node.op,
                argument=position if op.arity > 1 else None,
                node=text,
                show={arg: wanted},
                expected=wanted,
                actual=actual,
                axes=axes,
                rule=None if holds else op.rules[min(position, len(op.rules) - 1)],
            )
        return None

    def _judge_whole(self, composition, point, found, outcome, reverse_pass) -> Finding | None:
        """The whole composition, once every node is right alone: an error, and (in the
        reverse-pass part, or in every part of an assignment that has none) the reverse
        pass, judged against the chain rule over the engine's own local derivatives."""
        error = outcome.get("error")
        if error:
            if self._charged & composition.ops and not error.get("op"):
                return None  # a charged op's backward may raise here: no one else's fault
            if error.get("op") in self._charged:
                return None
            return self.findings.error(
                error, composition, where="the composition", op=error.get("op"), point=point
            )
        if not (reverse_pass or not any(p.machinery for p in self.assignment.parts)):
            return None  # the reverse-pass part judges it, and charges it there alone
        grads = [array(g) for g in outcome["grads"]]
        n = len(composition.inputs) - 1  # the inputs but w
        checked = (
            range(n) if self.preset.gradients == "inputs" else [*range(n), *composition.graded]
        )
        checked = [k for k in checked if k < len(grads)]
        grads_full = grads + [None] * (composition.size - len(grads))
        right = [
            isinstance(grads_full[k], np.ndarray) and close(grads_full[k], found.grads[k])
            for k in checked
        ]
        if all(right):
            return None
        chain = local_chain(composition, [array(v) for v in outcome["values"]], self._request)
        if chain is None:
            return None
        verdict = reverse_pass_verdict(composition, chain, grads_full, checked)
        if verdict is None:
            return None
        step, k = verdict
        name = composition.name(k)
        uses = len(composition.consumers[k])
        if step == "accumulation":
            message = (
                f"{name} is used {uses} times, and its gradient must be the sum of every "
                "use's contribution; your engine keeps only one of them (add to the "
                "gradient, never overwrite it)"
            )
        else:
            message = (
                f"{name}'s gradient in the whole graph is not what the chain rule gives from "
                "your engine's own ops (each measured alone, at the values your engine "
                "computed): the reverse pass must handle a node only after every node that "
                "uses it (reverse topological order), and each node once"
            )
        return self.findings.finding(
            step,
            message,
            composition=composition,
            point=point,
            show={name: chain.grads[k]},
            expected=chain.grads[k],
            actual=grads_full[k],
        )


def _has_op(finding: Finding) -> bool:
    """Whether a charged op is still one the engine has (built and run, if wrongly)."""
    return finding.step not in ("missing", "error")


def _most_specific(findings: list[Finding]) -> list[Finding]:
    """Without a finding about no argument in particular (a backward that raised) when a
    finding of the same step and op names the argument."""
    named = {(f.step, f.op) for f in findings if f.argument is not None}
    return [f for f in findings if f.argument is not None or (f.step, f.op) not in named]


def _flat(composition: ArrayComposition, point, w=None) -> list[list[float]]:
    values = [*point, composition.projection() if w is None else w]
    return [np.asarray(v, dtype=np.float64).ravel().tolist() for v in values]


def _stopped(outcome: Mapping) -> bool:
    """Whether the worker crashed or hung on a job (every later job is lost with it)."""
    return (outcome.get("error") or {}).get("kind") in ("crash", "timeout")
