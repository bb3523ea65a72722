"""The forward grader: one part of a ``forward`` assignment (dual-number engines).

0. A dual number alone keeps the value and tangent it is made with, or nothing can be
   graded (``seed``; every part scores 0).
1. Each op of the part alone, every way it can be written, at the fixed values of the
   scalar kind (``graders.model.probes.fixed_checks``), each point under the tangents
   of ``diagnosis.directions`` (one request per form). The first finding of an op charges
   it and leaves it out of the compositions; a finding about no op (a constructor that
   drops its tangent, a number entering with a tangent) is said once.
2. A Hypothesis search over ``compositions()`` of the ops not charged, at
   ``inputs_per_case`` points (``strategies.point_sets``), each point with every input's
   one-hot tangent and a drawn direction: one round trip per example. Every node's value
   and tangent is compared with the trusted ones (``oracle``: MyGrad's gradients, gated
   by numerical differentiation). Where one is wrong, the first wrong node is run again
   alone on the values and tangents flowing into it, and ``diagnosis`` names the step.
   A search that charges ops is repeated without them.
3. Score (``BaseGrader.score``, as every kind): an op part earns the share of its ops
   with no finding; the machinery part
   (``machinery = true``: compositions of many ops) earns nothing once a finding about
   no op is made, or while none of its ops whose derivative depends on its input works.
   A dual number that does not keep the tangent it is made with hides every op's
   derivative: every part scores 0.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import strategies as st

from graders.assignment import Part
from graders.forward import diagnosis
from graders.forward import where as places
from graders.forward.oracle import safe_jacobian
from graders.forward.reproducer import reproducer
from graders.grading import BaseGrader
from graders.model import ops
from graders.model.composition import Composition
from graders.model.probes import capability_probe, fixed_checks, isolated
from graders.node_source import write_node
from graders.presets import AUTO, Preset
from graders.results import Finding, PartResult, unique
from graders.tolerances import close_elementwise, grading_sum
from strategies import compositions, point_sets

#: Tangents a generated case gives its inputs besides the one-hot ones (never 1 alone,
#: so a derivative not multiplied by the tangent flowing in shows).
DIRECTION_VALUES = (0.7, -1.3, 0.4, 2.0, -0.5, 1.6)
#: Ops whose derivatives are constants: compositions of them alone test no chain rule.
_LINEAR = {"add", "sub", "neg"}
#: Where a dual number alone is made, to see that it keeps its value and tangent.
_LEAF_POINTS = [(0.5,), (-1.3,)]
#: Points per fixed check when the machinery part screens its ops.
_SCREEN_POINTS = 3


class ForwardGrader(BaseGrader):
    """Grades a dual-number engine (assignments of kind ``forward``), one part at a time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: A finding that hides every derivative (a leaf that drops its tangent), if any.
        self._fatal: Finding | None = None

    @property
    def preset(self) -> Preset:
        """The engine's API, resolved: a started worker has found it under ``--api auto``
        (and the functional grader's has a transform)."""
        preset = self.runner.preset
        assert isinstance(preset, Preset)
        return preset

    def sweep(self) -> None:
        """Every op of the assignment once, in one request (see ``BaseGrader.sweep``): what
        an op does at run time (a lazy forbidden import) is seen in every part's worker.
        What the ops give is not read here: each part checks its own."""
        probes = [capability_probe(name) for name in self.assignment.ops]
        self._run_many([(c, [p], self._directions(len(c.inputs))[-1:]) for c, p in probes])

    def grade_part(self, part: Part) -> PartResult:
        self._fatal = self._check_constructor()
        if self._fatal is not None:
            return PartResult(part, 0.0, [self._fatal])
        charged, general = self._check_ops_alone(part)
        result = PartResult(part, 0.0, unique([*general, *charged.values()]))
        if self._fatal is None and not any(f.stops_everything for f in general):
            self._search(part, charged, general, result)
        self._score(result, charged)
        return result

    def _notes(self) -> list[str]:
        notes = super()._notes()
        if self.assignment.api == AUTO and isinstance(self.api, Preset):
            notes = [n for n in notes if not n.startswith("--api auto found")]
            notes.append(
                f"--api auto found your engine's API: {describe(self.api)}; if that is not "
                "how your engine is called, give --api (README: Forward mode)"
            )
        return notes

    # --- ops alone ---------------------------------------------------------------------

    def _check_ops_alone(self, part: Part) -> tuple[dict[str, Finding], list[Finding]]:
        """Each op alone, every form: the finding charging each op, and those about no op."""
        charged: dict[str, Finding] = {}
        general: list[Finding] = []
        most = _SCREEN_POINTS if part.machinery else None
        for name in part.ops:
            checks = list(fixed_checks(name, most))
            late = self.out_of_time()
            if late is not None:
                return charged, unique([*general, late])
            # Every form of the op in one request (a crash names this op alone).
            ran, stop = self._run_many(
                [(c, ps, self._directions(len(c.inputs))) for c, ps in checks]
            )
            if stop is not None:
                return charged, unique([*general, stop])
            for (composition, fixed_points), outcomes in zip(checks, ran):
                finding = self._judge_alone(composition, fixed_points, outcomes)
                if finding is None:
                    continue
                if finding.op is None:
                    general = unique([*general, finding])
                    if self._fatal is not None or finding.stops_everything:
                        return charged, general
                    continue
                charged[name] = finding
                break
        return charged, general

    def _check_constructor(self) -> Finding | None:
        """A dual number alone, made under tangents 0, 1 and -0.6: the finding when it
        cannot be made, or does not keep its value and tangent (``seed``), which hides
        every op's derivative."""
        alone = Composition(("x",), (), ())
        dirs = self._directions(1)
        ran, stop = self._run_many([(alone, _LEAF_POINTS, dirs)])
        if stop is not None:
            return stop
        leaf = self.preset.leaf
        for i, (x,) in enumerate(_LEAF_POINTS):
            for (t,), row in zip(dirs, ran[0][i * len(dirs) : (i + 1) * len(dirs)]):
                if "error" in row:
                    return self._error(row["error"], None)
                found = diagnosis.leaf_finding(leaf, x, t, row["grads"][0], row["values"][0])
                if found is not None:
                    return found
        return None

    def _alone(
        self, probe: Composition, probe_points: list, case: tuple | None = None
    ) -> Finding | None:
        """One op alone (``probe``) at every point under ``diagnosis.directions``: the
        first finding, with a reproducer (of ``case``, ``(composition, point, direction,
        node)``, when the op was found wrong in one)."""
        late = self.out_of_time()
        if late is not None:
            return late
        dirs = self._directions(len(probe.inputs))
        outcomes, stop = self._run(probe, probe_points, dirs)
        if stop is not None:
            return stop
        return self._judge_alone(probe, probe_points, outcomes, case)

    def _judge_alone(self, probe, probe_points, outcomes, case=None) -> Finding | None:
        """The first finding of one op alone, from its outcomes under
        ``diagnosis.directions`` (see ``_alone``)."""
        dirs = self._directions(len(probe.inputs))
        truth = safe_jacobian(probe, probe_points)
        for i, point in enumerate(probe_points):
            if not truth.kept[i]:
                continue
            rows = outcomes[i * len(dirs) : (i + 1) * len(dirs)]
            finding = self._alone_at(probe, point, dirs, rows, truth, i)
            if finding is not None:
                if case is None:
                    # Shown under the last wrong tangents: a scaled one reads best.
                    pairs = reversed(list(zip(dirs, rows)))
                    direction = next(
                        (d for d, r in pairs if self._wrong_row(probe, r, truth, i, d)), dirs[0]
                    )
                    case = (probe, point, direction, probe.output)
                # case: the rest of _with_case's arguments (4, or 6 with truth and i)
                return self._with_case(finding, *case)  # pyright: ignore[reportArgumentType]
        return None

    def _alone_at(self, probe, point, dirs, rows, truth, i) -> Finding | None:
        name = probe.nodes[0].op
        for row in rows:
            if "error" in row:
                return self._error(row["error"], name)
        node = self._written(probe)
        for d, row in zip(dirs, rows):
            for k, (x, t) in enumerate(zip(point, d)):
                if not diagnosis.kept(float(x), t, row["grads"][k], row["values"][k]):
                    # Dual numbers keep what they are made with (``_check_constructor``):
                    # this op wrote into the one it was given.
                    changed = diagnosis.input_changed(probe, k, node, x, t, row)
                    return replace(changed, case={"focus": {"input": k}})  # no place
        out = probe.output
        return diagnosis.op_finding(
            probe,
            point,
            float(truth.values[out, i]),
            [float(g) for g in truth.rows[out, :, i]],
            [(d, row["values"][out], row["grads"][out]) for d, row in zip(dirs, rows)],
            node,
        )

    def _error(self, error: dict, name: str | None) -> Finding:
        """The finding for an error outcome: the op's when it names one (or crashed or
        hung alone); else no op's, and no dual number can be built or read at all (a
        constructor that is not there or raises), which hides every op (``_fatal``)."""
        kind = error.get("kind")
        message = error.get("message", "")
        op = name if (error.get("op") or kind in ("crash", "timeout")) else None
        if op is not None and kind == "missing":
            return Finding(
                "missing", f"your engine has no {op} as the API calls it: {message}", op=op
            )
        if op is not None:  # its kind: only an error it raised is run again for its line
            return Finding("error", f"building {op} raised: {message}", op=op, case={"error": kind})
        if kind == "missing":
            self._fatal = Finding(
                "missing",
                f"no dual number can be made as the API says: {message} (is your engine's API "
                "another? --api auto finds dual numbers: README, Forward mode)",
            )
        else:
            self._fatal = Finding("error", f"no dual number can be made or read: {message}")
        return self._fatal

    def located(self, findings: list[Finding]) -> list[Finding]:
        """Each finding's place in the student's code (``graders.forward.where``)."""
        return places.locate(self, findings)

    # --- compositions ------------------------------------------------------------------

    def _search(self, part: Part, charged: dict, general: list[Finding], result) -> None:
        available = [op for op in part.ops if op not in charged]
        # A number entering with a tangent is said once: the cases write numbers no more.
        forms = None
        if any(f.step == "seed" for f in general):
            forms = {op: {("node", "node")} for op in available if _either(op)}
        self.search_ops(result, available, lambda ops_: self._run_part(part, ops_, forms, result))

    def _run_part(self, part: Part, available: list[str], forms, result) -> list[Finding]:
        strategy = compositions(
            ops=available,
            min_ops=part.min_ops,
            max_ops=part.max_ops,
            sharing=part.sharing,
            forms=forms,
        )

        def draw(data):
            composition = data.draw(strategy, label="composition")
            case_points = data.draw(
                point_sets(composition, self.assignment.inputs_per_case), label="points"
            )
            n = len(composition.inputs)
            direction = data.draw(
                st.tuples(*[st.sampled_from(DIRECTION_VALUES)] * n), label="direction"
            )
            return composition, case_points, direction

        def judge(case) -> Finding | None:
            composition, case_points, direction = case
            result.examples += 1
            if any(len(uses) >= 2 for uses in composition.consumers):
                result.shared_examples += 1
            return self._case(composition, case_points, direction)

        def stops(finding: Finding) -> bool:  # a crash, a hang, a fault that hides every op
            return finding.stops_everything or self._fatal is not None

        return self.search_findings(part.name, draw, judge, stops=stops)

    def _case(self, composition: Composition, case_points: list, direction) -> Finding | None:
        """One generated case: every node right at every point and direction, or the
        finding of its first wrong node (run again alone)."""
        dirs = self._case_directions(len(composition.inputs), direction)
        outcomes, stop = self._run(composition, case_points, dirs)
        if stop is not None:
            return stop
        truth = safe_jacobian(composition, case_points)
        for i, point in enumerate(case_points):
            if not truth.kept[i]:
                continue
            for j, d in enumerate(dirs):
                row = outcomes[i * len(dirs) + j]
                if "error" in row:
                    return self._error(row["error"], row["error"].get("op"))
                wrong = self._wrong_nodes(composition, row, truth, i, d)
                if len(wrong):
                    return self._diagnose(composition, point, d, truth, i, int(wrong[0]))
        return None

    def _diagnose(self, composition, point, direction, truth, i, k) -> Finding:
        """Node ``k`` is the first wrong one: its op alone, on the values and tangents
        flowing into it."""
        if k < len(composition.inputs):  # a leaf every op alone kept: changed by an op
            return self._composed(composition, point, direction, truth, i, k)
        probe, probe_point = isolated(composition, k, [float(v) for v in truth.values[:, i]])
        case = (composition, point, direction, k)
        found = self._alone(probe, [probe_point], case)
        return found or self._composed(composition, point, direction, truth, i, k)

    def _composed(self, composition, point, direction, truth, i, k) -> Finding:
        names = composition.all_names
        finding = Finding(
            "upstream",
            f"every op is right alone, but in {composition.source().strip()} the value or "
            f"tangent of {names[k]} is not what the op gives the numbers flowing into it: "
            "look for code that changes a dual number after it is made (x.der = ...), or "
            "state kept between calls",
            composed=True,
        )
        return self._with_case(finding, composition, point, direction, k, truth, i)

    # --- shared -------------------------------------------------------------------------

    def _directions(self, inputs: int) -> list[tuple[float, ...]]:
        """The tangents an op alone is run under (``diagnosis.directions``)."""
        return diagnosis.directions(inputs)

    def _case_directions(self, inputs: int, drawn) -> list[tuple[float, ...]]:
        """The tangents a generated case is run under: each input's one-hot, and the drawn
        direction."""
        dirs = [tuple(1.0 if j == i else 0.0 for j in range(inputs)) for i in range(inputs)]
        return [*dirs, tuple(float(d) for d in drawn)]

    def _run(
        self, composition: Composition, points: list, dirs: list
    ) -> tuple[list, Finding | None]:
        """Every point under every direction, one request: ``(rows, stop)``, one outcome
        per point and direction (``{"values", "grads"}`` or ``{"error"}``), and the finding
        that stops the case (a policy violation), if any (then no rows)."""
        ran, stop = self._run_many([(composition, points, dirs)])
        return ([], stop) if stop is not None else (ran[0], None)

    def _run_many(self, cases: list) -> tuple[list, Finding | None]:
        """``_run`` for several ``(composition, points, directions)`` in one request
        (no rows when a finding stops them)."""
        jobs = []
        for composition, points, dirs in cases:
            rows = [[float(v) for v in p] + list(d) for p in points for d in dirs]
            self.record_case(f"{composition.source()}|{rows}\n")
            job = {"composition": composition.to_json(), "points": rows, "forward": True}
            jobs.append({**job, "packed": True})
        ran = self.runner.run(jobs)
        if self.runner.violations:
            return [], self.policy_finding(self.runner.violations)
        return [_as_rows(c, outcomes) for (c, _, _), outcomes in zip(cases, ran)], None

    def _wrong_nodes(self, composition, row, truth, i, d) -> np.ndarray:
        """The nodes whose value or tangent is wrong in one outcome (in order)."""
        values = np.array([_float(v) for v in row["values"]])
        tangents = np.array([_float(t) for t in row["grads"]])
        want = truth.values[:, i]
        want_t = truth.rows[:, :, i] @ np.array(d)
        terms = np.abs(truth.rows[:, :, i]) @ np.abs(np.array(d))
        right_v = close_elementwise(values, want, **grading_sum(0.0))
        right_t = np.array(
            [
                close_elementwise(tangents[k : k + 1], want_t[k : k + 1], **grading_sum(terms[k]))[
                    0
                ]
                for k in range(composition.size)
            ]
        )
        return np.flatnonzero(~(right_v & right_t))

    def _wrong_row(self, probe, row, truth, i, d) -> bool:
        return "error" in row or len(self._wrong_nodes(probe, row, truth, i, d)) > 0

    def _with_case(self, finding, composition, point, direction, k, truth=None, i=0) -> Finding:
        """``finding`` with a reproducer of node ``k`` in ``composition`` at ``point``, its
        inputs' tangents ``direction``."""
        if truth is None:
            truth = safe_jacobian(composition, [point])
            i = 0
        value = float(truth.values[k, i])
        tangent = float(truth.rows[k, :, i] @ np.array(direction, dtype=float))
        checks = [(k, "value", value), (k, "tangent", tangent)]
        code = reproducer(
            composition,
            point,
            direction,
            self.preset,
            self.runner.module_name,
            checks,
        )
        at = dict(zip(composition.inputs, (float(v) for v in point)))
        at.update({f"d{x}": float(d) for x, d in zip(composition.inputs, direction)})
        case = places.case(composition, point, k, finding.case)
        return replace(finding, reproducer=code, at=finding.at or at, case=case)

    def _written(self, probe: Composition) -> str:
        return write_node(probe, probe.output, self.preset)

    # --- scores -------------------------------------------------------------------------

    def _score(self, result: PartResult, charged: dict[str, Finding]) -> None:
        """See the module docstring, 3."""
        part = result.part
        fatal = self._fatal is not None or any(f.stops_everything for f in result.findings)
        machinery_elsewhere = not part.machinery and any(p.machinery for p in self.assignment.parts)
        if part.machinery:
            result.findings = [f for f in result.findings if f.op is None or f.composed]
            working = [op for op in part.ops if op not in charged]
            if not fatal and not result.findings and set(working) <= _LINEAR:
                # Tangents that only add up test no chain rule: untested is not passed.
                result.findings = [
                    Finding(
                        "missing",
                        "the chain rule could not be tested: no op whose derivative depends "
                        "on its input works yet (fix the ops above first)",
                    )
                ]
            # all or nothing: the machinery part has no items (``kinds.op_items``)
            self.score(result, charged=(), broken=fatal or bool(result.findings))
        else:
            if machinery_elsewhere and not fatal:  # the machinery part's to charge
                result.findings = [f for f in result.findings if f.op is not None]
            named = {f.op for f in result.findings if f.op is not None} | set(charged)
            unverifiable = fatal or any(f.op is None for f in result.findings)
            self.score(result, charged=named, broken=unverifiable)


def describe(preset: Preset) -> str:
    """One line a report shows: how chaingrade calls a dual-number engine."""
    unary = "exp(x)" if preset.unary == "function" else "x.exp()"
    binary = "x + y" if preset.binary == "operator" else "add(x, y)"
    numbers = (
        f", numbers as {preset.leaf}(c, 0.0)" if preset.constants == "leaf" else ", numbers as is"
    )
    return (
        f"input {preset.leaf}(value, tangent), {unary}, {binary}{numbers}, value "
        f"node.{preset.value}, tangent node.{preset.gradient}"
    )


def _as_rows(composition: Composition, outcomes) -> list[dict]:
    """A job's outcomes as one ``{"values", "grads"}`` (or ``{"error"}``) per row, from a
    packed array (values, then tangents) or as they came."""
    if not isinstance(outcomes, np.ndarray):
        return outcomes
    size = composition.size
    return [{"values": r[:size].tolist(), "grads": r[size:].tolist()} for r in outcomes]


def _either(op: str) -> bool:
    return ops.get(op).operands == ("either", "either")


def _float(value) -> float:
    return value if isinstance(value, float) else float("nan")
