"""How the tensor grader writes a finding: its numbers as text, the reproducer a student
can run (in the course's API, importing the module they handed in), the case ``where``
runs again, and what an error the engine raised on a case is charged to.

Every call names its parts by keyword: a finding has many fields of one type (an op's
name, a node's text, a message), and a positional slip would put one in another's place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from graders.model import array_ops as ops
from graders.model.array_composition import ArrayComposition
from graders.presets import Preset
from graders.results import Finding
from graders.sandbox.protocol import ErrorInfo
from graders.tensor import where as places
from graders.tensor.diagnosis import backward_raised, wrong_value
from graders.tensor.reproducer import write as reproducer


@dataclasses.dataclass(frozen=True)
class Findings:
    """The findings of one grading: ``preset`` is the course's API, ``module`` the
    student's module the reproducer imports."""

    preset: Preset
    module: str

    def finding(
        self,
        step: str,
        message: str,
        *,
        composition: ArrayComposition,
        point: Sequence,
        op: str | None = None,
        argument: int | None = None,
        node: str | None = None,
        show: Mapping | None = None,
        expected=None,
        actual=None,
        axes=None,
        rule: str | None = None,
        values: Mapping | None = None,
    ) -> Finding:
        """A finding on ``composition`` at ``point``; ``show`` (name -> the right numbers)
        and ``values`` (node name -> its right value) are printed by the reproducer."""
        record = ops.get(op) if op else None
        return Finding(
            step,
            message,
            op=op,
            argument=argument,
            argument_name=record.arg_names[argument] if record and argument is not None else None,
            node=node,
            expected=_text(expected),
            actual=_text(actual),
            rule=rule,
            reproducer=reproducer(
                composition, point, self.preset, self.module, show or {}, values or {}
            ),
            axes=tuple(int(a) for a in axes) if axes is not None else None,
            case=places.case(composition, point, self.preset),
        )

    def wrong_value(
        self, probe: ArrayComposition, point: Sequence, *, k: int, text: str, value, wanted
    ) -> Finding:
        """A node built alone (node ``k`` of ``probe``, written ``text``) whose value is
        wrong (``diagnosis.wrong_value``)."""
        step, message = wrong_value(text, value, wanted)
        return self.finding(
            step,
            message,
            composition=probe,
            point=point,
            op=probe.node(k).op,
            node=text,
            expected=wanted,
            actual=value,
            values={probe.name(k): wanted},
        )

    def error(
        self,
        error: ErrorInfo,
        composition: ArrayComposition,
        *,
        where: str,
        op: str | None = None,
        point: Sequence | None = None,
    ) -> Finding:
        """A case the engine raised on (or lacks an op of, or died on), ``where`` its text
        for the student. A node built alone whose reverse pass raised (shapes that do not
        fit, most often) is charged to the step its op's backward gets wrong
        (``diagnosis.backward_raised``)."""
        kind = error.get("kind")
        message = error.get("message", "")
        raised_in_backward = error.get("op") is None and message.startswith(
            f"{self.preset.backward}() raised"
        )
        op = error.get("op") or op
        asked = {composition.node(k).op for k in range(len(composition.inputs), composition.size)}
        if kind == "missing" and op in asked:
            step, text = "missing", f"your engine cannot build {where}: {message}"
        elif kind == "missing":  # missing, but no op the grader asked for: an error
            op, step, text = None, "error", f"your engine cannot build {where}: {message}"
            if raised_in_backward:  # NotImplementedError: no op of it is missing
                text = f"{where}: {message}; an error no single op explains costs the part"
        elif kind in ("crash", "timeout"):
            step, text = "error", f"{where} stopped the worker: {message}"
        else:
            step, text = "error", f"{where} raised {message}"
            if (
                raised_in_backward
                and op is not None
                and point is not None
                and len(composition.graded) == 1
            ):
                step, advice, argument, axes = backward_raised(composition, message)
                return self.finding(
                    step,
                    f"{where}: {message}: {advice}",
                    composition=composition,
                    point=point,
                    op=op,
                    argument=argument,
                    node=where.strip("`"),
                    axes=axes,
                )
        if point is None:
            return Finding(step, text, op=op)
        found = self.finding(
            step, text, composition=composition, point=point, op=op, node=where.strip("`")
        )
        # Its kind: ``where`` runs a raise again to find its line, never a crash or a hang.
        return dataclasses.replace(found, case={**(found.case or {}), "error": kind})


def _text(value):
    if value is None or isinstance(value, str):
        return value
    return repr(np.round(np.asarray(value, dtype=np.float64), 6).tolist())[:300]
