"""A part of an assignment: its name, its points, who sees it, and, for the kinds that
grade generated compositions of catalog ops (engine, forward, tensor), its
:class:`CompositionPart`: the ops, whether it grades the reverse pass, and the size and
sharing of its compositions, built once by the loader (``graders.assignment``).

Any other field of a part stays in ``extra`` until its kind's ``prepare`` reads it
(``graders.kinds``). This module imports nothing from chaingrade, so the kinds, the
results and the assignment can all name a part without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CompositionPart:
    """What a part's generated compositions are made of: the spec the engine, forward and
    tensor kinds share (their ``prepare`` gives it, ``Assignment.prepared``).

    >>> CompositionPart(("exp", "mul"), max_ops=4).ops
    ('exp', 'mul')
    """

    #: The catalog ops the part grades (its kind's catalog: scalar or array ops).
    ops: tuple[str, ...]
    #: Whether the part grades the reverse pass itself (seed, accumulation, order).
    machinery: bool = False
    #: How many ops a generated composition has, and how often a node is used again.
    max_ops: int = 6
    min_ops: int = 1
    sharing: float = 0.35


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    visibility: str = "visible"
    #: What its compositions are made of, for a kind whose parts compose catalog ops
    #: (``Kind.ops_field``); None for the others (an exercise).
    composition: CompositionPart | None = None
    #: Fields a kind of assignment defines for its parts beyond these.
    extra: dict = field(default_factory=dict)

    # The composition's fields, read through the part (every grader of a composition
    # kind asks for them), as a part that composes nothing has them: no ops, no sharing.

    @property
    def ops(self) -> tuple[str, ...]:
        return self.composition.ops if self.composition else ()

    @property
    def machinery(self) -> bool:
        return self.composition.machinery if self.composition else False

    @property
    def max_ops(self) -> int:
        return self.composition.max_ops if self.composition else 0

    @property
    def min_ops(self) -> int:
        return self.composition.min_ops if self.composition else 0

    @property
    def sharing(self) -> float:
        return self.composition.sharing if self.composition else 0.0
