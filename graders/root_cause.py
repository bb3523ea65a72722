"""Root cause across ops: an op wrong only because an op it is built on is wrong.

micrograd's ``__truediv__`` is ``self * other**-1`` and its ``sqrt`` is ``self**0.5``: with
pow's derivative wrong, div and sqrt are wrong too, and the same bug would read as three.
The tracer (``graders.where``) shows which op's code a wrong number came from: when
the op's probe ran another op's function (its entry, or a closure defined in it) and that
op is wrong alone (its contrast run gives a wrong number), that op is the root cause. The
finding's first place is then the other op's line, marked ``built_on``; the report says so
once, at the root's own finding, and each dependent finding points to it. Points are not
touched: every finding costs what the assignment says.

In forward mode (dual numbers) a wrong tangent flows through every op after it: tanh as
``(e - 1) / (e + 1)`` with ``e = exp(2 * x)`` ends with a number div worked out. There the
root is the one op, among all whose code the op's probe ran, that is wrong alone
(``graders.where._dual_number``): ``tanh is built on your exp``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graders.places import location


def wrong_alone(built_on: Sequence[str], contrasts: Mapping[str, dict]) -> str | None:
    """The one op among ``built_on`` that is wrong alone, or None (none, or several: then
    which is to blame is not certain)."""
    wrong = [op for op in built_on if not contrasts[op]["right"]]
    return wrong[0] if len(wrong) == 1 else None


def in_reverse_pass(place, built_on: Sequence[str], caller, contrasts: Mapping[str, dict]):
    """``(places, root)`` for a gradient first seen at ``place`` in the reverse pass: the op's
    own line; in another op's backward (div's ``other**-1`` runs pow's), that op's line and
    the op's own line that called it (``caller``), the other op the root when it is wrong
    alone; when it is right alone, the op's own line first (it asked for the wrong thing)."""
    if not built_on:
        return [place], None
    root = wrong_alone(built_on, contrasts)
    if root is not None:
        return ([place, caller] if caller else [place]), root
    return ([caller, place] if caller else []), None


def marked(places: list[dict], root: str | None) -> tuple[dict, ...]:
    """``where`` with its first place marked as the root op's code (``built_on``)."""
    if root is None:
        return tuple(places)
    return ({**places[0], "built_on": root}, *places[1:])


def root_of(finding) -> str | None:
    """The op a finding's op is built on and that is the root cause, or None."""
    return finding.where[0].get("built_on") if finding.where else None


def statement(op: str, root: str, place: Mapping) -> str:
    """``div is built on your pow (engine.py:58): fix pow; div is right once pow is``."""
    where = location(place)
    return f"{op} is built on your {root} ({where}): fix {root}; {op} is right once {root} is"


def dependents(findings: Sequence, root_finding) -> list:
    """The findings that follow from ``root_finding`` (its op is their root cause), in order."""
    op = root_finding.op
    return [f for f in findings if f is not root_finding and op and root_of(f) == op]


def said_at_root(findings: Sequence, finding) -> bool:
    """Is the root cause of ``finding`` said at the root op's own finding (in ``findings``)?"""
    root = root_of(finding)
    return any(f.op == root and f.where and root_of(f) is None for f in findings)
