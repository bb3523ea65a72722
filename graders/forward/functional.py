"""Functional engines, graded by the forward kind: ``grad(f)``, ``grad(f, i)``, ``jvp``.

The API's ``transform`` (``graders.presets``) says the engine is functional: the grader
makes no dual number and no node. Each case is handed to the engine's transform as a
Python function of its inputs, built in the worker with the engine's own ops
(``graders.sandbox.functional_jobs``), and only the output is seen: its partials (and,
for ``grad``, its value where the engine's ops take plain numbers), or its value and
tangent (``jvp``). So ops are told apart by handing each op over alone, as its own
function, and compositions as wholes:

1. ``f(x) = x``: the transform must give the partial 1 (``grad``) or the value and
   tangent given (``jvp``), or nothing can be graded (``seed``; every part scores 0).
2. Each op alone, every form, at the scalar kind's fixed values. ``jvp`` runs under the
   tangents of ``diagnosis.directions``, which tell the steps apart as for dual numbers.
   ``grad`` seeds 1, so its partials are the op's local derivatives
   (``diagnosis.partials_finding``); an op right alone is handed over again under one
   more op the engine gets right (``t * 3``: ``probes.scaled``), so a gradient other
   than 1 flows into it (``upstream``: ``diagnosis.upstream_finding``). Autograd's
   ``grad(f, i)`` traces one argument at a time, so an op of two values is also handed
   over as ``f(x) = x * (x + c)``, where both are traced (``_both_traced``).
3. Compositions of the ops not charged, as wholes. A wrong one is cut at each node
   (``oracle.prefix``) and the cuts handed over; the first wrong cut's last op is checked
   alone (and, for ``grad``, under another op) at the values flowing into it. When it
   is right there too, no op can be named, and the finding says so: the chain rule
   across ops (``upstream``; for ``grad``, ``accumulation`` when the cut uses a value
   more than once).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from graders.forward import diagnosis
from graders.forward.grader import _LEAF_POINTS, _SCREEN_POINTS, ForwardGrader
from graders.forward.oracle import prefix, safe_jacobian
from graders.forward.reproducer import functional_reproducer
from graders.model import ops
from graders.model.composition import Composition, Const, Node
from graders.model.probes import Scaler, fixed_checks, isolated, scaled, scaler_checks
from graders.presets import AUTO, Preset
from graders.results import Finding, number, unique
from graders.tolerances import close, grading_sum


class ForwardKindGrader(ForwardGrader):
    """The forward kind's grader: dual numbers, or, once the API says the engine is
    functional, :class:`FunctionalGrader`. Under ``--api auto`` that is known only when
    the first worker has looked at the submission, so the choice is made in ``start``."""

    def start(self) -> None:
        super().start()
        preset = self.runner.preset
        if isinstance(preset, Preset) and preset.transform != "none":
            self.__class__ = FunctionalGrader  # pyright: ignore[reportAttributeAccessIssue]


class FunctionalGrader(ForwardKindGrader):
    """Grades a functional engine (see the module docstring), one part at a time."""

    _trusted_scaler: Scaler | Literal[False] | None = None
    _shift_trusted: bool | None = None

    @property
    def _shape(self) -> str:
        return self.preset.transform

    def _directions(self, inputs: int) -> list[tuple[float, ...]]:
        return super()._directions(inputs) if self._shape == "jvp" else [()]

    def _case_directions(self, inputs: int, drawn) -> list[tuple[float, ...]]:
        return super()._case_directions(inputs, drawn) if self._shape == "jvp" else [()]

    def _notes(self) -> list[str]:
        notes = [n for n in super()._notes() if not n.startswith("--api auto found")]
        if self.assignment.api == AUTO and isinstance(self.api, Preset):
            notes.append(
                f"--api auto found your engine's API: {describe(self.api)}; if that is not "
                "how your engine is called, give --api (README: Functional engines)"
            )
        return notes

    # --- f(x) = x -------------------------------------------------------------------------

    def _check_constructor(self) -> Finding | None:
        """``f(x) = x`` handed to the transform: the finding when it cannot be, or the
        transform does not seed it (``seed``), which hides every op."""
        alone = Composition(("x",), (), ())
        dirs = self._directions(1)
        ran, stop = self._run_many([(alone, _LEAF_POINTS, dirs)])
        if stop is not None:
            return stop
        for i, (x,) in enumerate(_LEAF_POINTS):
            for d, row in zip(dirs, ran[0][i * len(dirs) : (i + 1) * len(dirs)]):
                if "error" in row:
                    return self._transform_broken(row["error"])
                want = d[0] if self._shape == "jvp" else 1.0
                got = row["grads"][-1] if self._shape == "jvp" else row["grads"][0]
                if not _near(got, want):
                    self._fatal = Finding(
                        "seed",
                        f"{_call(self.preset, [x], d)} for f(x) = x gives the "
                        f"{'tangent' if self._shape == 'jvp' else 'partial'} {number(got)}, "
                        f"not {number(want)}: {_seed_rule(self._shape)}",
                        expected=want,
                        actual=got if isinstance(got, float) else str(got),
                    )
                    return self._fatal
        return None

    def _transform_broken(self, error: dict) -> Finding:
        message = error.get("message", "")
        called = _call(self.preset)
        if error.get("kind") == "missing":
            self._fatal = Finding(
                "missing",
                f"no {called} as the API calls it: {message} (is your engine's API another? "
                "--api auto finds grad and jvp: README, Functional engines)",
            )
        else:
            self._fatal = Finding("error", f"{called} for f(x) = x raised: {message}")
        return self._fatal

    def _error(self, error: dict, name: str | None) -> Finding:
        """An op's error when an op alone raised; else one raised where ops meet, each
        right alone (``composed``)."""
        op = error.get("op") or name
        if op is None:
            message = error.get("message", "")
            return Finding(
                "error",
                f"{_call(self.preset)} raised on a composition of ops that are each "
                f"right alone: {message}",
                composed=True,
            )
        return super()._error({**error, "op": op}, op)

    # --- ops alone ----------------------------------------------------------------------

    def _check_ops_alone(self, part):
        charged, general = super()._check_ops_alone(part)
        if self._shape == "jvp" or self._fatal is not None:
            return charged, general
        if any(f.stops_everything for f in general):
            return charged, general
        most = _SCREEN_POINTS if part.machinery else None
        checks = [self._upstream_alone]
        if self._shape == "grad_argnum":
            checks.append(self._both_traced)
        for check in checks:
            for name in [op for op in part.ops if op not in charged]:
                found = check(name, most)
                if found is not None and found.op is None:  # a policy violation, a crash
                    return charged, unique([*general, found])
                if found is not None:
                    charged[name] = found
        return charged, general

    def _upstream_alone(self, name: str, most: int | None) -> Finding | None:
        """``grad``: each form of an op right alone, under a trusted scaler (``_upstream``)."""
        for composition, points in fixed_checks(name, most):
            found = self._upstream(composition, points)
            if found is not None:
                return found
        return None

    def _alone_at(self, probe, point, dirs, rows, truth, i) -> Finding | None:
        name = probe.nodes[0].op
        for row in rows:
            if "error" in row:
                return self._error(row["error"], name)
        node = self._written(probe)
        out = probe.output
        value = float(truth.values[out, i])
        slopes = [float(g) for g in truth.rows[out, :, i]]
        if self._shape == "jvp":
            seen = [(d, row["values"][out], row["grads"][out]) for d, row in zip(dirs, rows)]
            return diagnosis.op_finding(probe, point, value, slopes, seen, node)
        (row,) = rows
        partials = row["grads"][: len(probe.inputs)]
        return diagnosis.partials_finding(
            probe, point, value, slopes, row["values"][out], partials, node
        )

    def _upstream(
        self, probe: Composition, points: list, case: tuple | None = None
    ) -> Finding | None:
        """``grad``: the op alone (``probe``, right alone) under a trusted scaler at
        ``points``: ``upstream`` where its partials are then wrong, else None."""
        scaler = self._scaler()
        if scaler is None:
            return None
        outer, extra = scaled(probe, scaler)
        outer_points = [[float(v) for v in p] + extra for p in points]
        outcomes, stop = self._run(outer, outer_points, [()])
        if stop is not None:
            return stop
        truth = safe_jacobian(outer, outer_points)
        n = len(probe.inputs)
        for i, point in enumerate(points):
            if not truth.kept[i]:
                continue
            shown: tuple = case or (outer, outer_points[i], (), outer.output)
            if "error" in outcomes[i]:
                return self._with_case(self._error(outcomes[i]["error"], probe.nodes[0].op), *shown)
            slopes = [float(g) for g in truth.rows[outer.output, :n, i]]
            partials = outcomes[i]["grads"][:n]
            node = self._written(probe)
            found = diagnosis.upstream_finding(probe, outer, point, slopes, partials, node)
            if found is not None:
                return self._with_case(found, *shown)
        return None

    def _both_traced(self, name: str, most: int | None = None) -> Finding | None:
        """Autograd's ``grad(f, i)`` traces one argument at a time, so ``x * y`` alone
        never has both arguments traced: each two-node op is handed over again as
        ``f(x) = x * (x + c)`` (``c`` making ``x + c`` the point's other value; ``x + c``
        checked first), where both are. ``local-derivative`` on the op, no argument
        named (the partials are summed), when its derivative is then wrong."""
        if ops.get(name).operands[1:] in ((), ("number",)) or not self._trusts_shift():
            return None
        both = [p for c, ps in fixed_checks(name) if c.nodes[0].args == (0, 1) for p in ps]
        cases = [
            (_shifted(name, float(y) - float(x)), [[float(x)]], [()])
            for x, y in both[: most or _SCREEN_POINTS]
        ]
        ran, stop = self._run_many(cases)
        if stop is not None:
            return stop
        for (probe, points, _), rows in zip(cases, ran):
            truth = safe_jacobian(probe, points)
            if not truth.kept[0]:
                continue
            if "error" in rows[0]:
                return self._with_case(self._error(rows[0]["error"], name), probe, points[0], (), 1)
            if self._wrong_row(probe, rows[0], truth, 0, ()):
                node = probe.expression(probe.output)
                want, got = float(truth.rows[probe.output, 0, 0]), rows[0]["grads"][0]
                finding = Finding(
                    "local-derivative",
                    f"{name} is right with one argument traced at a time, but with both "
                    f"traced ({node}, where s = {probe.expression(1)}) grad gives "
                    f"{number(got)} at x = {number(points[0][0])}, not {number(want)}: its "
                    "derivative is wrong when both arguments carry gradients",
                    op=name,
                    node=node,
                    expected=want,
                    actual=got if isinstance(got, float) else str(got),
                )
                return self._with_case(finding, probe, points[0], (), probe.output)
        return None

    def _trusts_shift(self) -> bool:
        """Does the engine get ``x + c`` right (``_both_traced`` builds on it)?"""
        if self._shift_trusted is None:
            self._shift_trusted = False
            if "add" in self.assignment.ops:
                probe, points = _shifted(None, 0.5), [[0.7], [-1.3], [2.2]]
                outcomes, stop = self._run(probe, points, [()])
                truth = safe_jacobian(probe, points)
                self._shift_trusted = stop is None and not any(
                    self._wrong_row(probe, outcomes[j], truth, j, ()) for j in range(3)
                )
        return self._shift_trusted

    def _scaler(self) -> Scaler | None:
        """The first scaler (``probes.scaler_checks``) of an op the assignment asks for
        that the engine gets right on its own, or None (then no upstream can be checked,
        and none is charged)."""
        if self._trusted_scaler is None:
            self._trusted_scaler = False
            for scaler, composition, points in scaler_checks():
                if scaler.op not in self.assignment.ops:
                    continue
                outcomes, stop = self._run(composition, points, [()])
                if stop is not None:
                    break
                truth = safe_jacobian(composition, points)
                if all(
                    truth.kept[j] and not self._wrong_row(composition, outcomes[j], truth, j, ())
                    for j in range(len(points))
                ):
                    self._trusted_scaler = scaler
                    break
        return self._trusted_scaler or None

    # --- compositions -------------------------------------------------------------------

    def _wrong_nodes(self, composition, row, truth, i, d) -> np.ndarray:
        """The output, when what the transform gave for it is wrong; else nothing."""
        out = composition.output
        if self._shape == "jvp":
            tangent = float(truth.rows[out, :, i] @ np.array(d))
            terms = float(np.abs(truth.rows[out, :, i]) @ np.abs(np.array(d)))
            pairs = [(row["values"][out], float(truth.values[out, i]), 0.0)]
            pairs.append((row["grads"][out], tangent, terms))
        else:
            wants = truth.rows[out, :, i]
            pairs = [(g, float(w), abs(float(w))) for g, w in zip(row["grads"], wants)]
            if row["values"][out] is not None:
                pairs.append((row["values"][out], float(truth.values[out, i]), 0.0))
        wrong = any(
            not (isinstance(got, float) and close(got, want, **grading_sum(terms)))
            for got, want, terms in pairs
        )
        return np.array([out] if wrong else [], dtype=int)

    def _diagnose(self, composition, point, direction, truth, i, k) -> Finding:
        """The composition is wrong at ``point``: each cut of it (at each node) handed
        over, and the first wrong cut's last op checked alone where it sits."""
        n = len(composition.inputs)
        cuts = [prefix(composition, m) for m in range(n, composition.size)]
        cases = [
            (cut, [[float(point[j]) for j in kept]], [self._cut(direction, kept)])
            for cut, kept in cuts
        ]
        ran, stop = self._run_many(cases)
        if stop is not None:
            return stop
        for m, (cut, cut_points, (cut_direction,)), rows in zip(
            range(n, composition.size), cases, ran
        ):
            cut_truth = safe_jacobian(cut, cut_points)
            if not cut_truth.kept[0]:
                continue
            shown = (cut, cut_points[0], cut_direction, cut.output)
            if "error" in rows[0]:
                return self._with_case(
                    self._error(rows[0]["error"], rows[0]["error"].get("op")), *shown
                )
            if len(self._wrong_nodes(cut, rows[0], cut_truth, 0, cut_direction)):
                return self._blame(composition, m, truth, i, shown)
        return self._across(composition, point, direction)

    def _blame(self, composition, m, truth, i, shown) -> Finding:
        """Node ``m``'s op alone at the values flowing into it (for ``grad``, under
        another op too); the chain rule across ops when it is right there."""
        probe, probe_point = isolated(composition, m, [float(v) for v in truth.values[:, i]])
        found = self._alone(probe, [probe_point], shown)
        if found is None and self._shape != "jvp":
            found = self._upstream(probe, [probe_point], shown)
        return found or self._across(*shown[:3])

    def _across(self, cut: Composition, point, direction) -> Finding:
        """A case wrong while each op in it is right alone: no op can be named."""
        called = _call(self.preset, point, direction)
        shared = [cut.all_names[k] for k, uses in enumerate(cut.consumers) if len(uses) >= 2]
        step = "accumulation" if shared and self._shape != "jvp" else "upstream"
        message = (
            f"every op is right alone, but {called} for f below is wrong: the chain rule "
            "across ops is broken, and which op breaks it cannot be told from what "
            f"{self.preset.leaf} gives"
        )
        if step == "accumulation":
            message += (
                f"; {', '.join(shared)} is used more than once there, so the gradients "
                "it gets from its uses are likely not all summed"
            )
        return self._with_case(Finding(step, message, composed=True), cut, point, direction, 0)

    def _cut(self, direction, kept) -> tuple[float, ...]:
        return tuple(float(direction[j]) for j in kept) if self._shape == "jvp" else ()

    def _with_case(self, finding, composition, point, direction, k, truth=None, i=0) -> Finding:
        """``finding`` with a reproducer handing ``composition`` to the transform at
        ``point`` (``jvp``: the tangents ``direction``)."""
        if truth is None:
            truth, i = safe_jacobian(composition, [point]), 0
        out = composition.output
        if self._shape == "jvp":
            tangent = float(truth.rows[out, :, i] @ np.array(direction, dtype=float))
            expected = [float(truth.values[out, i]), tangent]
        else:
            expected = [float(g) for g in truth.rows[out, :, i]]
        value = None
        if finding.step == "forward" and self._shape != "jvp":
            value = float(truth.values[out, i])
        code = functional_reproducer(
            composition,
            point,
            direction,
            self.preset,
            self.runner.module_name,
            expected,
            value,
        )
        at = dict(zip(composition.inputs, (float(v) for v in point)))
        at.update({f"d{x}": float(d) for x, d in zip(composition.inputs, direction)})
        return replace(finding, reproducer=code, at=finding.at or at)


def _shifted(name: str | None, shift: float) -> Composition:
    """``s = x + shift``, then (with ``name``) ``a = name(x, s)``."""
    nodes = (Node("add", (0, Const(shift))),) + ((Node(name, (0, 1)),) if name else ())
    return Composition(("x",), nodes, ("s", "a")[: len(nodes)])


def describe(preset: Preset) -> str:
    """One line a report shows: how chaingrade calls a functional engine."""
    binary = "x + y" if preset.binary == "operator" else "add(x, y)"
    gives = {
        "grad": "every partial",
        "grad_argnum": "the partial in argument i",
        "jvp": "the value and the tangent",
    }[preset.transform]
    return f"{_call(preset)} gives {gives}; f built with exp(x), {binary}"


def _call(preset: Preset, point=None, direction=()) -> str:
    """The transform's call as written: ``grad(f)(0.5)``, or ``grad(f)(...)``."""
    args = "..." if point is None else ", ".join(number(float(v)) for v in point)
    if preset.transform == "jvp":
        if point is None:
            return f"{preset.leaf}(f, xs, vs)"
        tangents = ", ".join(number(float(d)) for d in direction)
        return f"{preset.leaf}(f, ({args},), ({tangents},))"
    if preset.transform == "grad_argnum":
        return f"{preset.leaf}(f, i)({args})"
    return f"{preset.leaf}(f)({args})"


def _seed_rule(shape: str) -> str:
    if shape == "jvp":
        return "the tangent of an input is the one it is given, and f(x) = x passes it on"
    return "the output's gradient is seeded with 1, so d(x)/dx is 1"


def _near(got, want: float) -> bool:
    return isinstance(got, float) and close(got, want, **grading_sum(abs(want)))
