"""A composition ready to run at the points the gate kept: its jobs (the composition,
then every node alone under its own upstream gradient, at each point) and the oracles'
numbers for them; and the counting of a judged example in its part."""

from __future__ import annotations

import dataclasses

from graders.model.array_composition import ArrayComposition
from graders.results import PartResult
from graders.tensor import syntax
from graders.tensor.diagnosis import isolated
from graders.tensor.stacked import references


@dataclasses.dataclass
class ReadyCase:
    """One composition ready to run: the points the gate kept with their references, and
    per node checked alone (none in the reverse-pass part) its probe at each point."""

    composition: ArrayComposition
    kept: list
    probes: dict[int, list]
    #: How many points were drawn, and the case as text for the part's digest.
    drawn: int = 0
    text: str = ""
    _expected: dict | None = None

    @property
    def plan(self) -> list:
        """The jobs: at each point, the composition, then every node alone."""
        return [
            job
            for i, (point, _) in enumerate(self.kept)
            for job in [(self.composition, point), *(p[i] for p in self.probes.values())]
        ]

    def probe_references(self) -> dict[int, list]:
        """Per node alone, the oracles' numbers at each point (worked out once)."""
        if self._expected is None:
            self._expected = {
                k: references(probes[0][0], [point for _, point in probes])
                for k, probes in self.probes.items()
            }
        return self._expected


def ready(composition: ArrayComposition, case_points: list, reverse_pass: bool) -> ReadyCase:
    """The points the gate keeps, with their references, and the jobs to run
    (``reverse_pass``: the composition only, no node alone)."""
    kept = [
        (point, found)
        for point, found in zip(case_points, references(composition, case_points))
        if found is not None
    ]
    alone = composition.graded if kept and not reverse_pass else ()
    return ReadyCase(
        composition,
        kept,
        {k: [isolated(composition, k, f.values) for _, f in kept] for k in alone},
        len(case_points),
        syntax.source(composition) + "|" + repr([[a.tolist() for a in p] for p, _ in kept]),
    )


def count_example(result: PartResult | None, composition: ArrayComposition) -> None:
    """Count a judged example (and whether a node of it is used twice) in its part."""
    if result is None:
        return
    result.examples += 1
    if any(len(set(uses)) >= 2 or len(uses) >= 2 for uses in composition.consumers[:-2]):
        result.shared_examples += 1
