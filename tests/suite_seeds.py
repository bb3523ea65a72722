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
    if thorough() or len(seeds) <= 2:
        return seeds
    others = seeds[1:]
    return (seeds[0], others[zlib.crc32(engine.encode()) % len(others)])
