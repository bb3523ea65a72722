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

A finding rides through Hypothesis as an exception whose class is the finding's identity
(:func:`failure`), so Hypothesis shrinks each distinct bug on its own and never slips from
one to another; :func:`findings_from` reads the findings back out of what the search
raised. The loop that uses both (stop on a crash, Flaky after one) is
``BaseGrader.search_findings``.
"""

from __future__ import annotations

import contextlib
import sys
import zlib
from collections.abc import Callable, Iterator

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from graders.results import Finding, unique

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup

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
        # Iterating HealthCheck yields its members (its metaclass leaves out the deprecated
        # ones), which pyright reads as the metaclass.
        suppress_health_check=list(HealthCheck),  # pyright: ignore[reportArgumentType]
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

        # Hypothesis internals, guarded: a version without them takes the except branch.
        original = providers._get_local_constants
        empty = providers.Constants()  # pyright: ignore[reportPrivateImportUsage]
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


class FindingError(AssertionError):
    """Raised inside a Hypothesis example; one subclass per finding identity."""

    def __init__(self, finding: Finding):
        super().__init__(finding.summary())
        self.finding = finding


_FAILURE_CLASSES: dict[tuple, type[FindingError]] = {}


def failure(finding: Finding) -> FindingError:
    """The exception that carries ``finding`` out of an example: its class is the
    finding's identity (step, op, argument), the same class for the same bug."""
    identity = finding.identity
    if identity not in _FAILURE_CLASSES:
        name = "Wrong_" + "_".join(str(p).replace("-", "_") for p in identity if p is not None)
        _FAILURE_CLASSES[identity] = type(name, (FindingError,), {})
    return _FAILURE_CLASSES[identity](finding)


#: What a search that Hypothesis found flaky says: the same case gave different results.
FLAKY = (
    "your engine gave different results when the same case was run again: "
    "look for state kept between calls (module-level variables, caches)"
)


def findings_from(error: BaseException) -> list[Finding]:
    """The findings a search raised (one per identity); anything that is not a finding
    (our own bug) is raised again."""
    if isinstance(error, FindingError):
        return [error.finding]
    if isinstance(error, Flaky):
        return [Finding("error", FLAKY)]
    if isinstance(error, BaseExceptionGroup):
        return unique([f for e in error.exceptions for f in findings_from(e)])
    raise error
