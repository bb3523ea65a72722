"""What an engine part's findings cost: the ops charged, or the whole part.

:func:`judged` tidies a part's findings and says which ops they charge and whether the
part is broken outright; ``BaseGrader.score`` turns that into points, by the rule every
kind shares.
"""

from __future__ import annotations

from graders.grading import reverse_pass_untested
from graders.results import MACHINERY_STEPS, Finding, PartResult


def judged(result: PartResult, charged: dict[str, Finding]) -> tuple[set[str], bool]:
    """``(ops charged, broken)`` for one part, from its own findings (tidied here).

    An op part's charged ops are those charged before its search (missing, or wrong
    alone) and those a finding of its search names; it is broken (earns nothing) when a
    wrong seed, or a reverse pass that skips every local derivative, hides every op's
    gradient: untested is not passed. The machinery part is broken by a seed,
    accumulation or order finding, by compositions that raise where every op worked alone,
    and when no composition with a shared node could be built.
    """
    fatal = any(f.stops_everything for f in result.findings)
    result.findings = _drop_coincidental_accumulation(result.findings)
    if result.part.machinery:
        reverse_pass = any(_about_reverse_pass(f) for f in result.findings)
        result.findings = [
            f for f in result.findings if f.step in MACHINERY_STEPS or f.op is None or f.composed
        ]
        # Its compositions raised where every op worked alone: the reverse pass cannot do
        # what this part asks, whichever op it was building.
        composed = any(f.composed for f in result.findings)
        untested = reverse_pass_untested(result)
        return set(), reverse_pass or composed or fatal or untested
    named = {f.op for f in result.findings if f.op is not None} | set(charged)
    unverifiable = fatal or any(
        _about_reverse_pass(f) and f.step != "accumulation" and f.step != "order"
        for f in result.findings
    )
    return named, unverifiable


def _about_reverse_pass(finding: Finding) -> bool:
    """A seed, accumulation or order finding, or one that blames every op at once (a
    reverse pass that never applies local derivatives): no op's own fault."""
    if finding.step in MACHINERY_STEPS:
        return True
    return finding.op is None and finding.step in ("local-derivative", "upstream")


def _drop_coincidental_accumulation(findings: list[Finding]) -> list[Finding]:
    """Without the ``accumulation`` findings of no op when an ``order`` finding, or an
    overwrite in some op's own backward (``accumulation`` with the op named), was made too.

    An order bug passes on partial gradients; at special points, which shrinking seeks out
    (at x = 0.5, x**(2*x) == x), such a gradient can equal the sum of some of its
    contributions, and that case reads as ``accumulation``. An accumulation bug alone never
    reads as ``order`` (its wrong gradient is always such a sum), so the order finding is
    the one to trust. An op's own overwrite, found on graphs where nothing else can
    overwrite (``probes.shared_input_checks``), explains what the machinery graphs saw,
    even a case built with that op that reads as a wrong order, and names where the fix
    goes. The machinery part scores zero either way.
    """
    overwriting = {f.op for f in findings if f.step == "accumulation" and f.op}
    findings = [f for f in findings if not _built_with(f, overwriting)]
    explained = overwriting or any(f.step == "order" for f in findings)
    if not explained:
        return findings
    return [f for f in findings if f.step != "accumulation" or f.op is not None]


def _built_with(finding: Finding, ops_: set[str]) -> bool:
    """Is this a reverse-pass finding (no op) made on a case that uses one of ``ops_``
    (ops whose own backward overwrites)? Their overwrite alone may make the case read as
    a wrong order; it is named on them already."""
    if finding.op is not None or finding.step not in ("accumulation", "order"):
        return False
    nodes = (finding.case or {}).get("composition", {}).get("nodes", [])
    return any(node.get("op") in ops_ for node in nodes)
