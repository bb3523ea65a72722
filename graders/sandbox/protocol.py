"""What the runner and the worker say to each other: the types, and how a reply is read.

One JSON document per line each way. The worker (``worker.py``) imports nothing from
chaingrade, so it cannot import these types: they document its side and type the runner's,
which rebuilds every reply from checked parts (:func:`validated`) before anyone reads it:
anything that is not the expected shape is a crash, anything that is not a plain float is
"not a number", every text is cut short and stripped of control characters.
"""

from __future__ import annotations

import base64
import math
import unicodedata
from dataclasses import dataclass
from typing import Literal, TypedDict, TypeGuard, get_args

import numpy as np

from graders.places import checked_trace


class NodeArg(TypedDict):
    const: float


class JobNode(TypedDict):
    op: str
    syntax: str
    args: list[int | NodeArg]


class JobComposition(TypedDict):
    inputs: list[str]
    names: list[str]
    nodes: list[JobNode]


class _CompositionAtPoints(TypedDict):
    composition: JobComposition
    points: list[list[float]]


class CompositionJob(_CompositionAtPoints, total=False):
    """Build the composition with the engine at each point and run the reverse pass."""

    #: Nodes to run the reverse pass from as soon as they are built, before the output's;
    #: the worker writes nothing into the nodes in between (``graders.engine.reuse``).
    backward_at: list[int]
    #: Reply with every point's numbers as one :class:`Packed` where all are floats
    #: (the grader's first look at a case: is every number right?).
    packed: bool
    #: The forward kind: each point holds the inputs' values, then their tangents; the
    #: outcome's ``grads`` are every node's tangent (``worker.forward_jobs``).
    forward: bool


class Packed(TypedDict):
    """A packed job's outcomes: per point, its values then its gradients, as float64
    (native byte order) in base64. The runner unpacks it to a points-by-numbers array."""

    packed: str


class CallJob(TypedDict):
    """Call the module's function ``call`` with each point's numbers."""

    call: str
    points: list[list[float]]


class ArrayInputSpec(TypedDict):
    name: str
    shape: list[int]
    box: list[float]
    distinct: bool


class ArrayJobNode(TypedDict):
    op: str
    args: list[int]
    #: ``axis`` (list or None) and ``keepdims``, ``shape``, ``axes``, ``exponent``.
    params: dict


class JobArrayComposition(TypedDict):
    inputs: list[ArrayInputSpec]
    names: list[str]
    nodes: list[ArrayJobNode]


class ArrayCompositionJob(TypedDict):
    """The tensor kind: build the array composition from each point (a flat list of
    numbers per input, the input's shape from the composition) and run the reverse pass
    from its scalar loss."""

    array_composition: JobArrayComposition
    points: list[list[list[float]]]


class TraceJob(TypedDict):
    """``where`` on findings: build the composition at each point and run the reverse pass
    under the grader's tracer (code under ``folder`` only), watching the gradients of the
    nodes ``watch``; the outcome adds ``trace`` (``graders.places.checked_trace``)."""

    trace: JobComposition
    points: list[list[float]]
    folder: str
    watch: list[int]


Job = CompositionJob | CallJob | ArrayCompositionJob | TraceJob


class NotANumber(TypedDict):
    not_a_number: str


Number = float | None | NotANumber


class ArrayValue(TypedDict):
    """One value or gradient of an array composition's node, as the runner rebuilt it."""

    shape: tuple[int, ...]
    data: list[float]


Array = ArrayValue | None | NotANumber


ErrorKind = Literal["missing", "error", "crash", "timeout", "import", "syntax", "api", "sandbox"]
ERROR_KIND_NAMES: tuple[ErrorKind, ...] = get_args(ErrorKind)


class ErrorInfo(TypedDict):
    #: ``missing`` and ``error`` for one case, from the worker; ``import``, ``syntax``,
    #: ``api`` (``--api auto`` found none) and ``sandbox`` (the worker cannot run as
    #: configured: the machine's fault) in its first reply; ``crash`` and ``timeout`` from
    #: the runner when the worker died or did not answer.
    kind: ErrorKind
    #: An op of the job's composition, or None.
    op: str | None
    message: str


class Outcome(TypedDict, total=False):
    """One point's outcome: node values and gradients (a composition job), a value (a
    call job), or an error."""

    #: One number per node (a composition job) or one ``Array`` (an array composition).
    values: list[Number] | list[Array]
    grads: list[Number] | list[Array]
    #: With ``backward_at``: the gradients each earlier pass left (None: not built yet).
    earlier_grads: list[list[Number]]
    value: Number
    error: ErrorInfo
    #: A :class:`TraceJob`'s record (None: tracing was disturbed), as ``graders.places``
    #: reads it.
    trace: dict | None


class Request(TypedDict, total=False):
    jobs: list[Job]
    #: ``--api auto`` only, once after the first reply: the API the worker is to use.
    api: dict
    #: To the zygote: fork a copy to serve one part (it replies ``{"part": true}``).
    part: bool
    #: To a part's copy: exit (the zygote then replies ``ready`` and ``exited``).
    exit: bool


class Reply(TypedDict, total=False):
    #: One list of outcomes per job, one outcome per point; or a ``Packed``.
    results: list[list[Outcome] | Packed]
    #: The first reply: ready, or the error that stopped the import; the zygote's, once
    #: a part's copy has exited (with ``exited``: its exit status, or minus a signal).
    ready: bool
    exited: int
    #: The zygote's answer to ``part``: a copy of it serves the part (``copy`` true), or
    #: it serves the part itself (false: the submission started threads on import).
    part: bool
    copy: bool
    error: ErrorInfo
    #: The first reply under ``--api auto``: the API fields the worker found.
    api: dict
    #: The first reply of a worker still root: the capabilities it could not give up, and
    #: why (``capabilities.drop``); absent when it holds none. The runner's note, no more.
    capabilities: str


# --- reading a reply -----------------------------------------------------------------


def part_over(reply: dict | None) -> bool:
    """Is this the zygote's word that the part's copy has exited (``worker.serve``)?"""
    return (
        isinstance(reply, dict)
        and reply.get("ready") is True
        and type(reply.get("exited")) is int
        and -64 <= reply["exited"] <= 255
    )


def error_outcomes(jobs: list[Job], kind: ErrorKind, message: str) -> list[list[Outcome]]:
    """The same error as every point's outcome (the runner's word for a crash or hang)."""
    return [
        [{"error": {"kind": kind, "op": None, "message": message}} for _ in job["points"]]
        for job in jobs
    ]


def validated(
    reply: dict, jobs: list[Job], *, inputs_only: bool = False
) -> list[list[Outcome]] | None:
    """The reply's outcomes rebuilt from checked parts, or None if its shape is wrong.
    ``inputs_only``: the API reads the gradients of a composition's inputs alone."""
    results = reply.get("results")
    if not isinstance(results, list) or len(results) != len(jobs):
        return None
    clean = []
    for outcomes, job in zip(results, jobs):
        if "trace" in job:  # a traced run (graders.places): a place, or none; never a crash
            outcomes = outcomes if isinstance(outcomes, list) else []
            clean.append([checked_trace(o) for o in outcomes[: len(job["points"])]])
            continue
        if isinstance(outcomes, dict) and "composition" in job and job.get("packed"):
            numbers = _unpacked(outcomes, job, inputs_only=inputs_only)
            if numbers is None:
                return None
            clean.append(numbers)
            continue
        if not isinstance(outcomes, list) or len(outcomes) != len(job["points"]):
            return None
        shape = None
        if "array_composition" in job:
            composition = job["array_composition"]
            ops = {node["op"] for node in composition["nodes"]}
            values, grads = _counts(composition, inputs_only=inputs_only)
            shape = _Shape(values=values, grads=grads, ops=ops, earlier=0, arrays=True)
        elif "composition" in job:
            composition = job["composition"]
            ops = {node["op"] for node in composition["nodes"]}
            earlier = len(job.get("backward_at", ()))
            values, grads = _counts(composition, inputs_only=inputs_only)
            shape = _Shape(values=values, grads=grads, ops=ops, earlier=earlier)
        job_clean = []
        for outcome in outcomes:
            checked = _outcome(outcome, shape)
            if checked is None:
                return None
            job_clean.append(checked)
        clean.append(job_clean)
    return clean


def _counts(
    composition: JobComposition | JobArrayComposition, *, inputs_only: bool
) -> tuple[int, int]:
    """How many values and gradients one point's outcome holds: one value per node, and a
    gradient per node, or per input when the API reads the inputs' alone."""
    size = len(composition["inputs"]) + len(composition["nodes"])
    return size, len(composition["inputs"]) if inputs_only else size


def _unpacked(raw: dict, job: CompositionJob, *, inputs_only: bool) -> np.ndarray | None:
    """A ``Packed`` reply as a points-by-numbers float64 array (each row a point's values,
    then its gradients), or None if it does not hold exactly that many numbers."""
    values, grads = _counts(job["composition"], inputs_only=inputs_only)
    width = values + grads
    text = raw.get("packed")
    size = 8 * width * len(job["points"])
    if not isinstance(text, str) or len(text) != 4 * -(-size // 3):  # base64 of size bytes
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error
        return None
    if len(data) != 8 * width * len(job["points"]):
        return None
    return np.frombuffer(data, dtype=np.float64).reshape(len(job["points"]), width)


@dataclass(frozen=True, kw_only=True)
class _Shape:
    """What a composition job's outcome must hold: ``values`` numbers, ``grads``
    numbers, errors naming only ``ops``, and ``earlier`` earlier passes' gradients."""

    values: int
    grads: int
    ops: set[str]
    earlier: int
    #: An array composition's outcome: every value and gradient an array (``_array``).
    arrays: bool = False


#: The kinds of error a worker may report for one case (a crash or hang the runner finds).
ERROR_KINDS: tuple[ErrorKind, ...] = ("missing", "error")


def error_kind(error: dict, *, default: ErrorKind) -> ErrorKind:
    """The kind a reply's ``error`` names, if it is one of :data:`ErrorKind`'s, else
    ``default`` (or when it names none)."""
    named = error.get("kind")
    known: dict[str, ErrorKind] = {kind: kind for kind in ERROR_KIND_NAMES}
    return known.get(named, default) if isinstance(named, str) else default


def _outcome(outcome, shape: _Shape | None) -> Outcome | None:
    """One outcome rebuilt from checked parts: an error names an op of the job or none."""
    if not isinstance(outcome, dict):
        return None
    error = outcome.get("error")
    if error is not None:
        if not isinstance(error, dict):
            return None
        op, kind = error.get("op"), error.get("kind", "error")
        ops = shape.ops if shape else set()
        return {
            "error": {
                "kind": kind if isinstance(kind, str) and kind in ERROR_KINDS else "error",
                "op": op if isinstance(op, str) and op in ops else None,
                "message": clean_text(error.get("message", ""), 500),
            }
        }
    if shape is None:
        return {"value": _number(outcome.get("value"))} if "value" in outcome else None
    values, grads = outcome.get("values"), outcome.get("grads")
    if shape.arrays:
        if not (_numbers(values, shape.values) and _numbers(grads, shape.grads)):
            return None
        arrays = _arrays(values), _arrays(grads)
        if arrays[0] is None or arrays[1] is None:
            return None
        return {"values": arrays[0], "grads": arrays[1]}
    earlier = outcome.get("earlier_grads", [])
    if not (
        _numbers(values, shape.values)
        and _numbers(grads, shape.grads)
        and isinstance(earlier, list)
        and len(earlier) == shape.earlier
        and all(_numbers(e, shape.grads) for e in earlier)
    ):
        return None
    clean: Outcome = {"values": [_number(v) for v in values], "grads": [_number(g) for g in grads]}
    if shape.earlier:
        clean["earlier_grads"] = [[_number(g) for g in e] for e in earlier]
    return clean


#: The most elements one array of a reply may hold, and the most axes.
MAX_ARRAY_ELEMENTS = 4096


MAX_ARRAY_DIMS = 8


class _Malformed:
    """What :func:`_array` makes of a value that is no array at all."""


_MALFORMED = _Malformed()


def _arrays(raw: list) -> list[Array] | None:
    """Every array of an outcome's values (or gradients) rebuilt, or None if any is
    malformed (the reply is then no plain data about the case)."""
    checked = [_array(a) for a in raw]
    arrays = [a for a in checked if not isinstance(a, _Malformed)]
    return arrays if len(arrays) == len(checked) else None


def _array(raw: object) -> Array | _Malformed:
    """One array of an array composition's outcome, rebuilt: ``{"shape": (ints),
    "data": [floats]}`` with as many numbers as the shape holds, None, or ``{"not_a_number":
    text}`` (an element that is no float makes the whole array one); ``_MALFORMED`` for
    anything else (the reply is then no plain data about the case)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return _MALFORMED
    if "not_a_number" in raw:
        return _not_a_number(raw)
    shape, data = raw.get("shape"), raw.get("data")
    if not (
        isinstance(shape, list)
        and len(shape) <= MAX_ARRAY_DIMS
        and all(type(n) is int and 0 <= n <= MAX_ARRAY_ELEMENTS for n in shape)
        and isinstance(data, list)
        and len(data) <= MAX_ARRAY_ELEMENTS
        and len(data) == math.prod(shape)
    ):
        return _MALFORMED
    numbers = [_number(v) for v in data]
    floats = [v for v in numbers if isinstance(v, float)]
    if len(floats) != len(numbers):
        return {"not_a_number": "an array holding something that is not a number"}
    return {"shape": tuple(shape), "data": floats}


def _numbers(raw: object, count: int) -> TypeGuard[list]:
    return isinstance(raw, list) and len(raw) == count


def _number(raw: object) -> Number:
    """A plain float, None, or ``{"not_a_number": text}``: nothing else reaches diagnosis."""
    if raw is None:
        return None
    if isinstance(raw, float):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        try:
            return float(raw)
        except OverflowError:
            return {"not_a_number": "integer too large for a float"}
    return _not_a_number(raw)


def _not_a_number(raw: object) -> NotANumber:
    """The worker's word that a value is not a number (cleaned), or the value's type."""
    if isinstance(raw, dict) and isinstance(raw.get("not_a_number"), str):
        return {"not_a_number": clean_text(raw["not_a_number"], 80)}
    return {"not_a_number": type(raw).__name__}


def clean_text(value, limit: int) -> str:
    return printable(str(value)[:limit])


def printable(text: str, keep_lines: bool = False) -> str:
    """``text`` without control characters (escape sequences, carriage returns, ...)."""
    keep = "\n\t" if keep_lines else ""
    return "".join(c if c in keep or unicodedata.category(c)[0] != "C" else "?" for c in text)
