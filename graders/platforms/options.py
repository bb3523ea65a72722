"""The grading options, declared once for the command line and the pytest plugin.

``--api``, ``--entry``, ``--grading-seed-file`` and ``--examples`` mean the same to ``chaingrade
check``, ``grade``, ``batch`` and to ``pytest`` with the plugin; :func:`add_to_parser`
puts them on an argparse parser or a pytest option group, and :func:`to_argv` turns
chosen values back into arguments (batch hands them to the processes it starts).

A private grading seed never travels on a command line, where every process on the
machine can read it (``/proc/PID/cmdline``): it comes from a file
(``--grading-seed-file``, readable by the grader alone: a file other users can read is
warned about) or from the environment (``CHAINGRADE_GRADING_SEED``, which other users'
processes cannot read).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.presets import PRESETS
from graders.results import SECRET_DIGITS

SEED_VARIABLE = "CHAINGRADE_GRADING_SEED"


class UsageError(ValueError):
    """A grading option with a value chaingrade cannot use; the message says why."""


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    type: Any = str
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


GRADING_OPTIONS = (
    Option(
        "--api",
        f"the student API: auto, a preset name ({', '.join(PRESETS)}), a JSON mapping, "
        "or a JSON or TOML file holding one (default: the assignment's, else auto)",
        metavar="NAME|JSON|FILE",
    ),
    Option(
        "--entry",
        "what in a handed-in folder is the engine: a module (needle, micrograd.engine), a "
        "package or a path inside the folder (python/needle, steps/step16.py) (default: "
        "the assignment's entry, else the module that defines the API's leaf)",
        metavar="NAME",
    ),
    Option(
        "--grading-seed-file",
        "grade with the private seed in this file (or in "
        f"${SEED_VARIABLE}) instead of the assignment's public one",
        type=Path,
        metavar="PATH",
    ),
    Option(
        "--examples",
        "Hypothesis examples per part (default: the assignment's)",
        type=int,
        metavar="N",
    ),
)


def add_to_parser(parser, only: tuple[str, ...] | None = None) -> None:
    """Declare the grading options (or ``only`` those flags) on an argparse parser or a
    pytest option group."""
    add = getattr(parser, "addoption", None) or parser.add_argument
    for option in GRADING_OPTIONS:
        if only is not None and option.flag not in only:
            continue
        add(
            option.flag,
            dest=option.dest,
            type=option.type,
            default=None,
            metavar=option.metavar,
            help=option.help,
        )


def to_argv(values: dict[str, Any]) -> list[str]:
    """The arguments that give the same options to another chaingrade process."""
    argv = []
    for option in GRADING_OPTIONS:
        value = values.get(option.dest)
        if value is not None:
            argv += [option.flag, str(value)]
    return argv


def grading_seed(path: Path | None) -> int | None:
    """The private seed from ``path`` or ``$CHAINGRADE_GRADING_SEED``; None for the public
    one. UsageError (saying what to fix) when the file or variable holds no integer."""
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
            mode = Path(path).stat().st_mode
        except OSError as e:
            raise UsageError(f"--grading-seed-file {path}: {e.strerror or e}") from None
        if mode & 0o044:  # workers cannot open it (Landlock, their uid); other users can
            print(
                f"chaingrade: warning: the grading seed file {path} is readable by other "
                f"users (mode {mode & 0o777:04o}): chmod 600 {path}",
                file=sys.stderr,
            )
        where = f"--grading-seed-file {path}"
    elif os.environ.get(SEED_VARIABLE, "").strip():
        text, where = os.environ[SEED_VARIABLE], f"${SEED_VARIABLE}"
    else:
        return None
    try:
        seed = int(text.strip())
    except ValueError:
        raise UsageError(f"{where} must hold a whole number") from None
    if abs(seed) < 10 ** (SECRET_DIGITS - 1):
        print(
            f"chaingrade: warning: the private grading seed in {where} is short enough to "
            f"guess (and reports cannot hide it): use a long random one, as "
            "`chaingrade gradescope` makes",
            file=sys.stderr,
        )
    return seed


def check_examples(examples: int | None) -> None:
    if examples is not None and examples < 1:
        raise UsageError("--examples must be at least 1")
