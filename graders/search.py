"""The one Hypothesis configuration grading uses, so every kind searches the same way.

A part's search is a Hypothesis test over ``st.data()``: the kind's ``body(data)`` draws
a case and raises to report a finding. What makes a grade reproducible and the same
wherever it runs (a student's ``check``, CI, Gradescope, the pytest plugin):

* the seed is the assignment's (or the private grading seed) mixed with the part's name,
  so each part searches on its own and grading one part alone gives what grading all does;
* every setting is spelled out on top of Hypothesis's built-in defaults, never the
  active profile (Hypothesis loads a ``ci`` profile of its own when ``CI`` is set);
* no example database, and no harvesting of "local constants": Hypothesis mixes numbers
  from the source files it considers local into its draws, and which files count as local
  differs between an editable install, a wheel and the folder a student runs in.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterator

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

#: Phases of a search that shrinks its failures to a minimal case.
SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
#: Phases of a search that only looks (the exercises keep every finding as drawn).
LOOKING = (Phase.explicit, Phase.reuse, Phase.generate)


def part_seed(seed: int, part: str) -> int:
    """The seed one part searches with."""
    return seed ^ zlib.crc32(part.encode())


def configuration(examples: int, *, shrink: bool = True) -> settings:
    return settings(
        parent=settings.get_profile("default"),
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=SHRINKING if shrink else LOOKING,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
        print_blob=False,
    )


def search(body: Callable, *, seed: int, part: str, examples: int, shrink: bool = True) -> None:
    """Run ``body(data)`` as a Hypothesis test; exceptions it raises propagate (grouped in
    an ExceptionGroup when several distinct failures were found)."""
    test = configuration(examples, shrink=shrink)(
        fixed_seed(part_seed(seed, part))(given(st.data())(body))
    )
    with no_local_constants():
        test()


@contextlib.contextmanager
def no_local_constants() -> Iterator[None]:
    """Hypothesis without constants harvested from "local" source files.

    Hypothesis (6.131 and later) has no setting for this; its provider asks one function
    for the constants (and caches what it allowed), so that function answers "none" while
    grading, with the cache emptied on the way in and out.
    """
    try:
        from hypothesis.internal.conjecture import providers

        original, empty = providers._get_local_constants, providers.Constants()
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # a Hypothesis without the feature
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()
