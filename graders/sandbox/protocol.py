"""What the runner and the worker say to each other, as types.

One JSON document per line each way. The worker (``worker.py``) imports nothing from
chaingrade, so it cannot import these types: they document its side and type the runner's,
which rebuilds every reply from checked parts (``runner._validated``) before anyone reads it.
"""

from __future__ import annotations

from typing import Literal, TypedDict


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


class CompositionJob(TypedDict, total=False):
    """Build the composition with the engine at each point and run the reverse pass."""

    composition: JobComposition
    points: list[list[float]]
    #: Nodes to run the reverse pass from as soon as they are built, before the output's;
    #: the worker writes nothing into the nodes in between (``graders.engine.reuse``).
    backward_at: list[int]
    #: Reply with every point's numbers as one :class:`Packed` where all are floats
    #: (the grader's first look at a case: is every number right?).
    packed: bool


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


Job = CompositionJob | CallJob | ArrayCompositionJob


class NotANumber(TypedDict):
    not_a_number: str


Number = float | None | NotANumber


class ArrayValue(TypedDict):
    """One value or gradient of an array composition's node, as the runner rebuilt it."""

    shape: tuple[int, ...]
    data: list[float]


Array = ArrayValue | None | NotANumber


class ErrorInfo(TypedDict):
    #: ``missing`` and ``error`` from the worker; ``crash``, ``timeout``, ``import`` and
    #: ``syntax`` from the runner when the worker died or could not start.
    kind: Literal["missing", "error", "crash", "timeout", "import", "syntax", "api"]
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
    #: A part's copy, first: it serves the part.
    part: bool
    error: ErrorInfo
    #: The first reply under ``--api auto``: the API fields the worker found.
    api: dict
