"""The grading seeds the suite's own corpus tests grade at: every one under the ``ci``
Hypothesis profile, one under ``dev``.

A verdict must not depend on the grading seed: CI (``HYPOTHESIS_PROFILE=ci``, as
``.ci/run`` and ``tox`` run the suite) proves that at every seed a test names. A
developer's run (``dev``, the default) grades each engine at one of them, picked from the
engine's name: the corpus as a whole meets every seed, most engines a private one, and the
same run picks the same seeds. Grading ignores the profile (``graders.search`` spells out
its own settings), so the profile decides only how many gradings a test makes.
"""

from __future__ import annotations

import zlib

from hypothesis import settings


def thorough() -> bool:
    """True under the ``ci`` profile (conftest.py loads the profile before any test module)."""
    return settings.get_current_profile_name() == "ci"


def seeds_for(engine: str, seeds: tuple) -> tuple:
    """``seeds`` under ``ci``; under ``dev``, the one that ``engine`` (a name) picks
    (``quick_seed``)."""
    if thorough():
        return seeds
    return (quick_seed(engine, seeds),)


def every_seed_params(engine: str, seeds: tuple) -> list:
    """``pytest.param(seed)`` for a test parametrized by the seed alone: a quick run
    (``suite_selection``) grades at the seed ``quick_seed`` picks, the others are marked
    ``slow`` (``--full``, as CI runs, grades at every one)."""
    import pytest

    quick = quick_seed(engine, seeds)
    return [pytest.param(seed, marks=() if seed == quick else pytest.mark.slow) for seed in seeds]


def quick_seed(engine: str, seeds: tuple):
    """The one of ``seeds`` a quick run grades ``engine`` (a name) at."""
    return seeds[zlib.crc32(engine.encode()) % len(seeds)]


def seed_params(cases: list, seeds: tuple, name=lambda case: case[0], slow=()) -> list:
    """``pytest.param(*case, seed)`` for each case and seed, the id ``NAME-SEED``: a quick
    run (``suite_selection``) grades each case at its ``quick_seed``, the others are marked
    ``slow`` (``--full``, as CI runs, grades every case at every seed), and so are the
    cases named in ``slow`` (more of a kind another case already shows), at every seed.
    For a test whose cases are each a grading at each seed, where ``seeds_for`` inside
    the test cannot apply."""
    import pytest

    def quick(case, seed) -> bool:
        return name(case) not in slow and seed == quick_seed(name(case), seeds)

    return [
        pytest.param(
            *case,
            seed,
            id=f"{name(case)}-{seed}",
            marks=() if quick(case, seed) else pytest.mark.slow,
        )
        for case in cases
        for seed in seeds
    ]
