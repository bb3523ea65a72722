"""A search's examples drawn first, then checked a few compositions per worker round trip.

A Hypothesis search judges its examples one at a time: one worker round trip each. When
none fails (a right op, most of a correct engine's grading), Hypothesis draws exactly the
same examples whether they are judged or not: nothing failed, so nothing steered it. So
the tensor grader first runs the search with a body that only draws (``drawn``), checks
what it drew ``PER_TRIP`` compositions per round trip, and runs the real search, judging
example by example and shrinking, only when one of them gave a finding. That search draws
the same examples again, in the same order, so its findings are the ones it always gave:
only the number of round trips changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graders import search

#: Compositions per worker round trip: enough to spread a trip's fixed cost, few enough
#: that a slow engine's request stays far inside its time limit.
PER_TRIP = 8


def drawn(draw: Callable[[Any], Any], *, seed: int, label: str, examples: int) -> list:
    """What a search of ``examples`` (seeded by ``seed`` and ``label``, as
    ``BaseGrader.search_findings`` seeds it) draws when no example fails, in its order."""
    cases: list = []
    search.search(lambda data: cases.append(draw(data)), seed=seed, part=label, examples=examples)
    return cases


def in_trips(cases: list) -> list[list]:
    """``cases`` cut into the lists each round trip runs."""
    return [cases[i : i + PER_TRIP] for i in range(0, len(cases), PER_TRIP)]
