"""A part of an assignment: its name, its points, who sees it, and the fields the kinds
that generate compositions read (the engine kind's ``ops``; the size and sharing of the
compositions, which the tensor kind reads too).

Any other field of a part stays in ``extra`` until its kind's ``prepare`` reads it
(``graders.kinds``). ``Part`` imports nothing from chaingrade, so the kinds, the results
and the assignment can all name it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    #: The catalog ops an ``engine`` part grades (checked when the part is read).
    ops: tuple[str, ...] = ()
    #: Whether the part grades the reverse pass itself (seed, accumulation, order).
    machinery: bool = False
    visibility: str = "visible"
    #: How many ops a generated composition has, and how often a node is used again.
    max_ops: int = 6
    min_ops: int = 1
    sharing: float = 0.35
    #: Fields a kind of assignment defines for its parts beyond these.
    extra: dict = field(default_factory=dict)
