"""The grading seeds the suite's own corpus tests grade at: every one under the ``ci``
Hypothesis profile, two under ``dev``.

A verdict must not depend on the grading seed: CI (``HYPOTHESIS_PROFILE=ci``, as
``.ci/run`` and ``tox`` run the suite) proves that at every seed a test names. A
developer's run (``dev``, the default) grades each engine at the first seed (the public
one) and at one other, picked from the engine's name: each engine still meets a private
seed, the corpus as a whole meets every seed, and the same run picks the same seeds.
Grading ignores the profile (``graders.search`` spells out its own settings), so the
profile decides only how many gradings a test makes.
"""

from __future__ import annotations

import zlib

from hypothesis import settings


def thorough() -> bool:
    """True under the ``ci`` profile (conftest.py loads the profile before any test module)."""
    return settings.get_current_profile_name() == "ci"


def seeds_for(engine: str, seeds: tuple) -> tuple:
    """``seeds`` under ``ci``; under ``dev``, ``seeds[0]`` and the one of the others that
    ``engine`` (a name) picks."""
    if thorough():
        return seeds
    return _two_of(engine, seeds)


def _two_of(engine: str, seeds: tuple) -> tuple:
    """``seeds[0]`` and the one of the others that ``engine`` picks (all, if two or fewer)."""
    if len(seeds) <= 2:
        return seeds
    others = seeds[1:]
    return (seeds[0], others[zlib.crc32(engine.encode()) % len(others)])


def every_seed_params(engine: str, seeds: tuple) -> list:
    """``pytest.param(seed)`` for a test parametrized by the seed alone: a quick run
    (``suite_selection``) grades at the two seeds ``seeds_for`` picks under ``dev``, the
    others are marked ``slow`` (``--full``, as CI runs, grades at every one)."""
    import pytest

    quick = _two_of(engine, seeds)
    return [pytest.param(seed, marks=() if seed in quick else pytest.mark.slow) for seed in seeds]


def quick_seed(engine: str, seeds: tuple):
    """The one of ``seeds`` a quick run grades ``engine`` at, in a test parametrized by
    seed (``seed_params``): picked from the name, as ``seeds_for`` picks."""
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
