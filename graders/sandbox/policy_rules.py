"""The rules one assignment applies (:class:`Policy`, read from ``[policy]`` of
assignment.toml) and what breaking one yields (:class:`Violation`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graders.sandbox.policy_lists import (
    DEFAULT_ATTRIBUTES,
    DEFAULT_FORBIDDEN_IMPORTS,
    DEFAULT_IMPORTS,
    DEFAULT_NAMES,
    OTHER_IMPORTS,
    PARTLY_ALLOWED,
    REACHING_PACKAGES,
)


@dataclass(frozen=True)
class Policy:
    """What a submission may use; ``enabled=False`` turns the static check off.

    An import is judged in this order: the submission's own modules are always allowed;
    ``forbidden_imports`` never; ``allowed_imports`` always; of the standard library, only
    what ``allowed_imports`` lists (and ``sys``'s few attributes in :data:`PARTLY_ALLOWED`);
    a private module (``_ctypes``) never; any other module as ``other_imports`` says.
    """

    allowed_imports: tuple[str, ...] = DEFAULT_IMPORTS
    forbidden_imports: tuple[str, ...] = DEFAULT_FORBIDDEN_IMPORTS
    other_imports: str = "allowed"
    forbidden_names: tuple[str, ...] = DEFAULT_NAMES
    forbidden_attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES
    #: Allow ``getattr(math, name)`` and its kin with a computed name (closed by default:
    #: a computed name can spell anything the lists forbid).
    computed_names: bool = False
    enabled: bool = True

    @classmethod
    def from_toml(cls, data: Mapping) -> Policy:
        """``[policy]`` of assignment.toml; missing fields keep their defaults."""
        lists = ("allowed_imports", "forbidden_imports", "forbidden_names", "forbidden_attributes")
        switches = ("computed_names", "enabled")
        unknown = set(data) - {*lists, *switches, "other_imports"}
        if unknown:
            raise ValueError(f"[policy]: unknown fields {sorted(unknown)}")
        fields: dict = {}
        for key in lists:
            if key in data:
                value = data[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"[policy] {key} must be a list of names")
                fields[key] = tuple(value)
        for key in switches:
            if key in data:
                if not isinstance(data[key], bool):
                    raise ValueError(f"[policy] {key} must be true or false")
                fields[key] = data[key]
        if "other_imports" in data:
            if data["other_imports"] not in OTHER_IMPORTS:
                raise ValueError(
                    f"[policy] other_imports must be one of {', '.join(OTHER_IMPORTS)}"
                )
            fields["other_imports"] = data["other_imports"]
        policy = cls(**fields)
        both = set(policy.allowed_imports) & set(policy.forbidden_imports)
        if both:
            raise ValueError(
                f"[policy] {', '.join(sorted(both))} both allowed and forbidden: "
                "take it out of one list"
            )
        return policy

    def blocked_while_running(self) -> tuple[str, ...]:
        """The forbidden imports the worker's guard also blocks at run time: all but the
        reaching packages, which an allowed library may try to import on its own (pandas
        tries numexpr) and the worker's confinement stops from doing harm."""
        return tuple(m for m in self.forbidden_imports if m not in REACHING_PACKAGES)

    def describe(self) -> str:
        """The rules, as ``chaingrade policy`` and the student README show them."""
        if not self.enabled:
            return "The static policy is off for this assignment.\n"
        partly = "; ".join(
            f"of {m}, only {', '.join(sorted(a))}" for m, a in PARTLY_ALLOWED.items()
        )
        other = (
            "allowed (a module that is not installed fails only if the code importing it runs)"
            if self.other_imports == "allowed"
            else "not allowed"
        )
        return (
            "your own modules: always allowed, whatever their names\n"
            "imports not allowed (they compute derivatives, are chaingrade's own, reach "
            "processes, the network or the interpreter, or run text as code): "
            f"{', '.join(self.forbidden_imports)}\n"
            f"allowed, of the standard library and beyond: {', '.join(self.allowed_imports)}; "
            f"{partly}; the rest of the standard library reaches files, processes or the "
            "interpreter and is not allowed\n"
            f"any other installed module (matplotlib, graphviz, numba, ...): {other}\n"
            "not checked: code that never runs when graded, under `if TYPE_CHECKING:` or "
            '`if __name__ == "__main__":`\n'
            f"names not allowed: {', '.join(self.forbidden_names)}\n"
            f"attributes not allowed: {', '.join(self.forbidden_attributes)}\n"
            + (
                ""
                if self.computed_names
                else "also not allowed: getattr, delattr, attrgetter or methodcaller with a "
                "computed attribute name (other than one taken from dir(...) in a "
                "classmethod, read off its cls, or one read off a class the file defines), "
                "a format string computed at run time (text.format, format_map, "
                "string.Formatter), or a module's __dict__\n"
            )
        )


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    construct: str
    why: str = field(compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.construct} ({self.why})"
